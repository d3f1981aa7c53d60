import Testing
@testable import PcapIO

/// A corrupt record header stops the reading with an error that names the file and the byte
/// offset, after every good record before it.
@Suite("Corrupt records and files that are no captures")
struct CorruptRecordTests {
    let directory = TemporaryDirectory()

    /// Reads `bytes` as a file and checks: `good` records, then a corruptRecord error at
    /// `offset` whose message contains `words`; the error stays until a seek.
    func expectCorrupt(_ name: String, _ bytes: [UInt8], good: Int, offset: Int, words: String) throws {
        let path = directory.write(name, bytes)
        let reader = try CaptureReader(path: path, keepIndex: true, bufferSize: 64)
        let (records, error) = readUntilError(reader)
        #expect(records.map(\.frame) == Array(0..<good).map { $0 + 1 })
        let corrupt = try #require(error)
        #expect(corrupt.code == .corruptRecord)
        #expect(corrupt.path == path)
        #expect(corrupt.offset == Int64(offset))
        #expect(corrupt.description.hasPrefix("\(path): byte offset \(offset): "))
        #expect(corrupt.description.contains(words), "\(corrupt)")
        // Asking again gives the same answer, not garbage.
        #expect(throws: CaptureError.self) { try reader.next() }
        #expect(reader.recordCount == good)
    }

    @Test("pcap: an absurd captured length")
    func pcapAbsurdCapturedLength() throws {
        var pcap = PcapBuilder()
        pcap.record(seconds: 1, fraction: 0, data: packetBytes(1, count: 40))
        pcap.record(seconds: 2, fraction: 0, data: packetBytes(2, count: 40))
        pcap.record(seconds: 3, fraction: 0, data: packetBytes(3, count: 40), capturedLength: 0x7FFF_FFF0)
        pcap.record(seconds: 4, fraction: 0, data: packetBytes(4, count: 40))
        try expectCorrupt("absurd.pcap", pcap.bytes, good: 2, offset: pcap.recordOffsets[2], words: "captured length 2147483632")
    }

    @Test("pcapng: a trailing block length that differs from the leading one")
    func pcapngLengthMismatch() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1)
        file.enhancedPacket(interface: 0, timestamp: 1, data: packetBytes(1, count: 40))
        file.enhancedPacket(interface: 0, timestamp: 2, data: packetBytes(2, count: 40))
        var bytes = file.bytes
        let second = file.recordOffsets[1]
        bytes[second + 4] &+= 4  // leading length, little-endian low byte
        bytes.append(contentsOf: [0, 0, 0, 0])
        try expectCorrupt("mismatch.pcapng", bytes, good: 1, offset: second, words: "trailing length")
    }

    @Test("pcapng: a block length that is not a multiple of 4, or too small", arguments: [UInt8(70), 8])
    func pcapngBadBlockLength(length: UInt8) throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1)
        file.enhancedPacket(interface: 0, timestamp: 1, data: packetBytes(1, count: 40))
        file.enhancedPacket(interface: 0, timestamp: 2, data: packetBytes(2, count: 40))
        var bytes = file.bytes
        bytes[file.recordOffsets[1] + 4] = length
        try expectCorrupt("badlength.pcapng", bytes, good: 1, offset: file.recordOffsets[1], words: "has length \(length)")
    }

    @Test("pcapng: a captured length larger than its block")
    func pcapngCapturedLengthBeyondBlock() throws {
        var file = PcapngBuilder(bigEndian: true)
        file.interface(linkType: 1)
        file.enhancedPacket(interface: 0, timestamp: 1, data: packetBytes(1, count: 40))
        file.enhancedPacket(interface: 0, timestamp: 2, data: packetBytes(2, count: 40))
        var bytes = file.bytes
        bytes[file.recordOffsets[1] + 23] = 200  // caplen, big-endian low byte
        try expectCorrupt("caplen.pcapng", bytes, good: 1, offset: file.recordOffsets[1], words: "captured length 200")
    }

    @Test("snoop: a record length too short for its included length")
    func snoopBadRecordLength() throws {
        var snoop = SnoopBuilder()
        snoop.record(seconds: 1, microseconds: 0, data: packetBytes(1, count: 40))
        snoop.record(seconds: 2, microseconds: 0, data: packetBytes(2, count: 40), recordLength: 30)
        try expectCorrupt("bad.snoop", snoop.bytes, good: 1, offset: snoop.recordOffsets[1], words: "record length 30")
    }

    @Test("files that are not captures, or captures in forms not read, say so at open")
    func notCaptures() throws {
        let cases: [(String, [UInt8], CaptureError.Code, String)] = [
            ("text.txt", Array("hello, world\n".utf8), .notACapture, "0x68656c6c"),
            ("x.pcap.bz2", Array("BZh91AY&SY".utf8), .unsupportedFormat, "bzip2"),
            ("x.pcap.xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0, 0], .unsupportedFormat, "xz"),
            ("modified.pcap", [0x34, 0xCD, 0xB2, 0xA1] + Array(repeating: 0, count: 20), .unsupportedFormat, "modified"),
            ("v1.pcap", [0xD4, 0xC3, 0xB2, 0xA1, 1, 0, 0, 0] + Array(repeating: 0, count: 16), .unsupportedFormat, "version 1.0"),
            ("v3.snoop", Array("snoop".utf8) + [0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4], .unsupportedFormat, "version 3"),
        ]
        for (name, bytes, code, words) in cases {
            let path = directory.write(name, bytes)
            let error = #expect(throws: CaptureError.self) { try CaptureReader(path: path) }
            #expect(error?.code == code, "\(name)")
            #expect(error?.description.contains(words) == true, "\(name): \(String(describing: error))")
        }
        let missing = #expect(throws: CaptureError.self) { try CaptureReader(path: directory.path + "/absent.pcap") }
        #expect(missing?.code == .io)
        #expect(missing?.description.contains("No such file") == true)
    }

    @Test("corrupt compressed data is an error naming zlib's complaint, after every record before it")
    func corruptGzip() throws {
        var pcap = PcapBuilder()
        for number in 1...2000 { pcap.record(seconds: UInt32(number), fraction: 0, data: packetBytes(number, count: 200)) }
        let good = directory.writeGzip("good.pcap.gz", pcap.bytes)
        // Spoil the CRC-32 in the gzip trailer (RFC 1952 §2.3.1): zlib notices at the very end.
        var compressed = try #require(FileManagerBytes.read(good))
        compressed[compressed.count - 8] ^= 0xFF
        let reader = try CaptureReader(path: directory.write("bad.pcap.gz", compressed))
        let (records, error) = readUntilError(reader)
        // Every byte was inflated before the check failed: every record is delivered.
        #expect(records.count == 2000)
        #expect(records.last?.data == packetBytes(records.count, count: 200))
        #expect(error?.code == .corruptCompressedData)
        #expect(error?.description.contains("gzip data error") == true)
        #expect(error?.description.contains("incorrect data check") == true)
        // The offset is where inflating failed, at or past the end of the last good record.
        let lastEnd = try #require(records.last).fileOffset + 216
        #expect(try #require(error?.offset) >= lastEnd)
    }
}

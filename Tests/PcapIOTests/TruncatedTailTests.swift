import Testing
@testable import PcapIO

/// A file cut anywhere (still being written, or truncated) yields exactly the records that are
/// wholly present; a partial last record is reported, never decoded.
@Suite("Files cut short")
struct TruncatedTailTests {
    let directory = TemporaryDirectory()

    /// A file of each format, its file-header length and the offsets where its records start
    /// (pcapng: where each block starts, records or not) and end.
    static func samples() -> [(name: String, bytes: [UInt8], headerLength: Int, recordOffsets: [Int])] {
        var pcap = PcapBuilder(bigEndian: true, nanoseconds: true)
        for number in 1...5 { pcap.record(seconds: UInt32(number), fraction: 0, data: packetBytes(number, count: 3 + number * 5)) }
        var snoop = SnoopBuilder()
        for number in 1...5 { snoop.record(seconds: UInt32(number), microseconds: 0, data: packetBytes(number, count: 3 + number * 5)) }
        var pcapng = PcapngBuilder()
        pcapng.interface(linkType: 1, tsresol: 9)
        for number in 1...5 { pcapng.enhancedPacket(interface: 0, timestamp: UInt64(number), data: packetBytes(number, count: 3 + number * 5)) }
        // pcapng's file header is its first section header block. The interface block after it
        // is no record, but a cut inside it leaves a partial block all the same.
        let sectionHeaderLength = PcapngBuilder().bytes.count
        return [("cut.pcap", pcap.bytes, 24, pcap.recordOffsets),
                ("cut.snoop", snoop.bytes, 16, snoop.recordOffsets),
                ("cut.pcapng", pcapng.bytes, sectionHeaderLength, pcapng.recordOffsets)]
    }

    @Test("every cut point yields the whole records before it, and a tail when it falls inside one",
          arguments: samples().map(\.name))
    func everyCutPoint(name: String) throws {
        let sample = Self.samples().first { $0.name == name }!
        let ends = sample.recordOffsets.dropFirst().map { $0 } + [sample.bytes.count]
        for cut in sample.headerLength...sample.bytes.count {
            let path = directory.write(name, Array(sample.bytes.prefix(cut)))
            let reader = try CaptureReader(path: path, keepIndex: true, bufferSize: 16)
            let records = try readAll(reader)
            let whole = ends.filter { $0 <= cut }.count
            #expect(records.count == whole, "cut at \(cut)")
            #expect(records.map(\.data) == (0..<whole).map { packetBytes($0 + 1, count: 8 + $0 * 5) }, "cut at \(cut)")
            // A cut at a record boundary (or, for pcapng, right after the header blocks) is clean.
            let boundaries = Set(sample.recordOffsets + [sample.bytes.count, sample.headerLength])
            if boundaries.contains(cut) {
                #expect(reader.truncatedTail == nil, "cut at \(cut)")
            } else {
                let tail = try #require(reader.truncatedTail, "cut at \(cut)")
                let partialStart = (sample.recordOffsets + [sample.headerLength]).filter { $0 < cut }.max()!
                #expect(tail.path == path)
                #expect(tail.offset == Int64(partialStart), "cut at \(cut)")
                #expect(tail.bytesPresent == cut - partialStart, "cut at \(cut)")
                #expect(tail.bytesNeeded > tail.bytesPresent, "cut at \(cut)")
            }
        }
    }

    @Test("a partial record whose header is whole says how many bytes the record needs")
    func bytesNeeded() throws {
        var pcap = PcapBuilder()
        pcap.record(seconds: 1, fraction: 0, data: packetBytes(1, count: 100))
        let path = directory.write("needed.pcap", Array(pcap.bytes.prefix(24 + 16 + 30)))
        let reader = try CaptureReader(path: path)
        #expect(try reader.next() == nil)
        #expect(reader.truncatedTail == TruncatedTail(path: path, offset: 24, bytesPresent: 46, bytesNeeded: 116))
    }

    @Test("a file cut inside its file header is an error", arguments: samples().map(\.name))
    func cutInsideFileHeader(name: String) throws {
        let sample = Self.samples().first { $0.name == name }!
        for cut in 0..<sample.headerLength {
            let path = directory.write(name, Array(sample.bytes.prefix(cut)))
            let error = #expect(throws: CaptureError.self, "cut at \(cut)") { try CaptureReader(path: path) }
            #expect(error?.code == .truncatedHeader, "cut at \(cut)")
            #expect(error?.path == path)
        }
    }

    @Test("a file that grows is read on from its partial record", arguments: samples().map(\.name))
    func growingFile(name: String) throws {
        let sample = Self.samples().first { $0.name == name }!
        // Written in three pieces: the cuts fall inside the second and the last record.
        let firstCut = sample.recordOffsets[1] + 3
        let secondCut = sample.recordOffsets[4] + 20
        let path = directory.write(name, Array(sample.bytes[0..<firstCut]))
        let reader = try CaptureReader(path: path)
        #expect(try readAll(reader).map(\.frame) == [1])
        #expect(reader.truncatedTail?.offset == Int64(sample.recordOffsets[1]))

        directory.append(Array(sample.bytes[firstCut..<secondCut]), to: path)
        #expect(try readAll(reader).map(\.frame) == [2, 3, 4])
        #expect(reader.truncatedTail?.offset == Int64(sample.recordOffsets[4]))

        directory.append(Array(sample.bytes[secondCut...]), to: path)
        let last = try readAll(reader)
        #expect(last.map(\.frame) == [5])
        #expect(last.first?.data == packetBytes(5, count: 28))
        #expect(reader.truncatedTail == nil)
    }
}

import Testing
@testable import PcapIO

/// `seek(toFrame:)` goes back to any frame already read and reads on from there with the same
/// bytes, times and frame numbers.
@Suite("Seeking to frames already read")
struct SeekTests {
    let directory = TemporaryDirectory()

    /// Files with enough records to span many read chunks; pcapng with two sections of
    /// different byte orders and interfaces, so a seek must restore the right section.
    func files() -> [String: [UInt8]] {
        var pcap = PcapBuilder(bigEndian: true)
        var pcapng = PcapngBuilder()
        pcapng.interface(linkType: 1, tsresol: 9)
        pcapng.interface(linkType: 113, tsresol: 0x80 | 20)
        var snoop = SnoopBuilder()
        for number in 1...400 {
            let data = packetBytes(number, count: 20 + number % 90)
            pcap.record(seconds: UInt32(number), fraction: UInt32(number), data: data)
            snoop.record(seconds: UInt32(number), microseconds: UInt32(number), data: data)
            if number == 200 {
                pcapng.sectionHeader(bigEndian: true)
                pcapng.interface(linkType: 276, tsresol: 6)
            }
            pcapng.enhancedPacket(interface: number <= 200 ? UInt32(number % 2) : 0, timestamp: UInt64(number) << 20, data: data)
        }
        return ["seek.pcap": pcap.bytes, "seek.pcapng": pcapng.bytes, "seek.snoop": snoop.bytes]
    }

    /// Frame numbers to seek to, in an order that jumps back and forth.
    static let jumps = [1, 400, 2, 199, 200, 201, 57, 399, 1, 300, 150]

    @Test("any frame read before reads again the same", arguments: ["seek.pcap", "seek.pcapng", "seek.snoop"])
    func seekBackToSeenFrames(name: String) throws {
        let path = directory.write(name, files()[name]!)
        let reader = try CaptureReader(path: path, keepIndex: true, bufferSize: 1000)
        let all = try readAll(reader)
        #expect(all.count == 400)
        #expect(reader.recordCount == 400)
        for frame in Self.jumps {
            try reader.seek(toFrame: frame)
            let record = try #require(try reader.next())
            #expect(ReadRecord(record) == all[frame - 1], "frame \(frame)")
            // ...and reading on continues in order.
            if frame < 400 { #expect(try reader.next().map(ReadRecord.init) == all[frame]) }
        }
        // Going back and reading to the end again gives the tail of the same list.
        try reader.seek(toFrame: 390)
        #expect(try readAll(reader) == Array(all[389...]))
        #expect(reader.recordCount == 400)
    }

    @Test("a gzip file seeks back by inflating again", arguments: ["seek.pcap", "seek.pcapng"])
    func seekInGzip(name: String) throws {
        let path = directory.writeGzip(name + ".gz", files()[name]!)
        let reader = try CaptureReader(path: path, keepIndex: true, bufferSize: 512)
        let all = try readAll(reader)
        for frame in Self.jumps {
            try reader.seek(toFrame: frame)
            #expect(try reader.next().map(ReadRecord.init) == all[frame - 1], "frame \(frame)")
        }
    }

    @Test("a seek halfway through the first reading goes back and forward to the unseen frame")
    func seekBeforeTheEnd() throws {
        let reader = try CaptureReader(path: directory.write("seek.pcapng", files()["seek.pcapng"]!))
        var firstHundred: [ReadRecord] = []
        for _ in 1...100 { firstHundred.append(ReadRecord(try #require(try reader.next()))) }
        try reader.seek(toFrame: 10)
        #expect(try reader.next().map(ReadRecord.init) == firstHundred[9])
        // recordCount + 1: where the first reading stopped.
        try reader.seek(toFrame: 101)
        let rest = try readAll(reader)
        #expect(rest.map(\.frame) == Array(101...400))
        #expect(reader.recordCount == 400)
        #expect(rest[100].linkType == 276)
    }

    @Test("without the index only frame 1 and the next unseen frame can be sought")
    func seekWithoutIndex() throws {
        let reader = try CaptureReader(path: directory.write("seek.pcap", files()["seek.pcap"]!), keepIndex: false)
        let first = try readAll(reader)
        try reader.rewind()
        #expect(try readAll(reader) == first)
        let error = #expect(throws: CaptureError.self) { try reader.seek(toFrame: 5) }
        #expect(error?.code == .frameNotAvailable)
        try reader.seek(toFrame: 401)
        #expect(try reader.next() == nil)
    }

    @Test("frames not read yet cannot be sought")
    func seekPastTheFrontier() throws {
        let reader = try CaptureReader(path: directory.write("seek.snoop", files()["seek.snoop"]!))
        _ = try reader.next()
        for frame in [0, 3, 500] {
            let error = #expect(throws: CaptureError.self) { try reader.seek(toFrame: frame) }
            #expect(error?.code == .frameNotAvailable)
        }
    }

    @Test("the offset index keeps offsets 4 GiB or more apart")
    func offsetIndexFarOffsets() {
        var index = RecordOffsetIndex()
        let offsets: [Int64] = (0..<600).map { Int64($0) * 100 } + [1 << 40, (1 << 40) + 5, 1 << 33] + (0..<300).map { (1 << 34) + Int64($0) }
        for offset in offsets { index.append(offset) }
        #expect(index.count == offsets.count)
        #expect((0..<offsets.count).map { index[$0] } == offsets)
        index.release()
        #expect(index.count == 0)
    }
}

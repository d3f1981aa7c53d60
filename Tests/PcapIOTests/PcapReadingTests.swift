import Testing
@testable import PcapIO

/// Classic pcap: both byte orders, microsecond and nanosecond magic.
@Suite("Reading classic pcap files")
struct PcapReadingTests {
    let directory = TemporaryDirectory()

    /// Three records with distinct sizes, times and an origlen larger than caplen on the second.
    func threeRecords(bigEndian: Bool, nanoseconds: Bool) -> PcapBuilder {
        var pcap = PcapBuilder(bigEndian: bigEndian, nanoseconds: nanoseconds, snapLength: 96, linkType: 1)
        pcap.record(seconds: 1_700_000_000, fraction: 1, data: packetBytes(1, count: 60))
        pcap.record(seconds: 1_700_000_001, fraction: nanoseconds ? 999_999_999 : 999_999,
                    data: packetBytes(2, count: 96), originalLength: 1514)
        pcap.record(seconds: 1_700_000_002, fraction: 0, data: packetBytes(3, count: 1))
        return pcap
    }

    @Test("every byte order and resolution gives the same records",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func byteOrderAndResolution(bigEndian: Bool, nanoseconds: Bool) throws {
        let pcap = threeRecords(bigEndian: bigEndian, nanoseconds: nanoseconds)
        let reader = try CaptureReader(path: directory.write("f.pcap", pcap.bytes))
        #expect(reader.format == .pcap)
        #expect(!reader.isGzip)
        #expect(reader.linkType == 1)
        #expect(reader.snapLength == 96)
        #expect(reader.timestampResolution == (nanoseconds ? .nanoseconds : .microseconds))

        let records = try readAll(reader)
        #expect(records.map(\.frame) == [1, 2, 3])
        #expect(records.map(\.seconds) == [1_700_000_000, 1_700_000_001, 1_700_000_002])
        #expect(records.map(\.nanoseconds) == (nanoseconds ? [1, 999_999_999, 0] : [1000, 999_999_000, 0]))
        #expect(records.map(\.capturedLength) == [60, 96, 1])
        #expect(records.map(\.originalLength) == [60, 1514, 1])
        #expect(records.map(\.data) == [packetBytes(1, count: 60), packetBytes(2, count: 96), packetBytes(3, count: 1)])
        #expect(records.map(\.fileOffset) == pcap.recordOffsets.map(Int64.init))
        #expect(records.allSatisfy { $0.linkType == 1 && $0.fileIndex == 0 && $0.interfaceID == 0 })
        #expect(reader.recordCount == 3)
        #expect(reader.bytesRead == Int64(pcap.bytes.count))
        #expect(reader.fileSize == Int64(pcap.bytes.count))
        #expect(reader.truncatedTail == nil)
        // The end stays the end.
        #expect(try reader.next() == nil)
    }

    @Test("the link type is the low 16 bits; FCS bits above it are ignored")
    func linkTypeIgnoresFCSBits() throws {
        // LINKTYPE_ETHERNET with "FCS present, 4 bytes" (f bit and FCS length in the top bits).
        let pcap = PcapBuilder(linkType: 0x1000_0000 | 0x0400_0000 | 1)
        let reader = try CaptureReader(path: directory.write("fcs.pcap", pcap.bytes))
        #expect(reader.linkType == 1)
    }

    @Test("a microsecond fraction of a second or more carries into the seconds")
    func oversizedFractionCarries() throws {
        var pcap = PcapBuilder()
        pcap.record(seconds: 10, fraction: 2_500_000, data: [1])
        let records = try readAll(CaptureReader(path: directory.write("carry.pcap", pcap.bytes)))
        #expect(records.map(\.seconds) == [12])
        #expect(records.map(\.nanoseconds) == [500_000_000])
    }

    @Test("a captured length above the header's snaplen, and above origlen, is read as tshark does")
    func lengthsBeyondSnaplenAreAccepted() throws {
        var pcap = PcapBuilder(snapLength: 0)
        pcap.record(seconds: 1, fraction: 0, data: packetBytes(1, count: 300), originalLength: 200)
        let records = try readAll(CaptureReader(path: directory.write("snap0.pcap", pcap.bytes)))
        #expect(records.map(\.capturedLength) == [300])
        #expect(records.map(\.originalLength) == [200])
    }

    @Test("records of every size cross the ends of small read chunks intact",
          arguments: [1, 3, 16, 17, 100, 4096])
    func recordsCrossChunkEnds(bufferSize: Int) throws {
        var pcap = PcapBuilder()
        for number in 1...50 {
            pcap.record(seconds: UInt32(number), fraction: UInt32(number), data: packetBytes(number, count: number * 7 % 130))
        }
        let path = directory.write("chunks.pcap", pcap.bytes)
        let expected = try readAll(CaptureReader(path: path))
        #expect(expected.count == 50)
        #expect(try readAll(CaptureReader(path: path, keepIndex: true, bufferSize: bufferSize)) == expected)
    }

    @Test("a record larger than the read buffer grows it")
    func largeRecordGrowsBuffer() throws {
        var pcap = PcapBuilder()
        pcap.record(seconds: 1, fraction: 0, data: packetBytes(1, count: 10))
        pcap.record(seconds: 2, fraction: 0, data: packetBytes(2, count: 70_000))
        pcap.record(seconds: 3, fraction: 0, data: packetBytes(3, count: 10))
        let reader = try CaptureReader(path: directory.write("big.pcap", pcap.bytes), keepIndex: true, bufferSize: 1024)
        let records = try readAll(reader)
        #expect(records.map(\.capturedLength) == [10, 70_000, 10])
        #expect(records[1].data == packetBytes(2, count: 70_000))
    }
}

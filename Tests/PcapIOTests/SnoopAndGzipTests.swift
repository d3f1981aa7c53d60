import Foundation
import Testing
@testable import PcapIO

@Suite("Reading snoop files")
struct SnoopReadingTests {
    let directory = TemporaryDirectory()

    @Test("snoop v2 records: big-endian, padded to the record length, Ethernet as LINKTYPE 1")
    func snoopRecords() throws {
        var snoop = SnoopBuilder(datalink: 4)
        snoop.record(seconds: 911_274_719, microseconds: 885_516, data: packetBytes(1, count: 86))
        snoop.record(seconds: 911_274_720, microseconds: 5, data: packetBytes(2, count: 61), originalLength: 1514)
        // A writer may pad further than 4 bytes: the record length decides.
        snoop.record(seconds: 911_274_721, microseconds: 0, data: packetBytes(3, count: 4), recordLength: 24 + 4)
        let reader = try CaptureReader(path: directory.write("f.snoop", snoop.bytes))
        #expect(reader.format == .snoop)
        #expect(reader.linkType == 1)
        let records = try readAll(reader)
        #expect(records.map(\.epoch) == ["911274719.885516000", "911274720.000005000", "911274721.000000000"])
        #expect(records.map(\.capturedLength) == [86, 61, 4])
        #expect(records.map(\.originalLength) == [86, 1514, 4])
        #expect(records.map(\.fileOffset) == snoop.recordOffsets.map(Int64.init))
        #expect(records[1].data == packetBytes(2, count: 61))
    }

    @Test("snoop datalink codes map to LINKTYPE values; unknown ones are refused")
    func snoopDatalinks() throws {
        #expect(try CaptureReader(path: directory.write("tr.snoop", SnoopBuilder(datalink: 2).bytes)).linkType == 6)
        #expect(try CaptureReader(path: directory.write("fddi.snoop", SnoopBuilder(datalink: 8).bytes)).linkType == 10)
        #expect(try CaptureReader(path: directory.write("ib.snoop", SnoopBuilder(datalink: 26).bytes)).linkType == 242)
        #expect(throws: CaptureError.self) {
            try CaptureReader(path: directory.write("hdlc.snoop", SnoopBuilder(datalink: 5).bytes))
        }
    }
}

@Suite("Reading gzip-compressed files")
struct GzipReadingTests {
    let directory = TemporaryDirectory()

    @Test("a gzip-compressed capture reads like the plain one, offsets in the uncompressed stream")
    func gzipMatchesPlain() throws {
        let pcapng = PcapngReadingTests.twoSections(firstBigEndian: true).bytes
        var pcap = PcapBuilder(bigEndian: true, nanoseconds: true)
        for number in 1...300 { pcap.record(seconds: UInt32(number), fraction: 7, data: packetBytes(number, count: number % 200)) }
        for (name, bytes) in [("f.pcapng", pcapng), ("f.pcap", pcap.bytes)] {
            let plain = try readAll(CaptureReader(path: directory.write(name, bytes)))
            let gzipPath = directory.writeGzip(name + ".gz", bytes)
            let reader = try CaptureReader(path: gzipPath, keepIndex: true, bufferSize: 100)
            #expect(reader.isGzip)
            #expect(try readAll(reader) == plain)
            #expect(reader.bytesRead == Int64(bytes.count))
            #expect(reader.compressedBytesRead == reader.fileSize)
        }
    }

    @Test("a gzip file cut short ends at its last whole record")
    func truncatedGzip() throws {
        var pcap = PcapBuilder()
        for number in 1...2000 { pcap.record(seconds: UInt32(number), fraction: 0, data: packetBytes(number, count: 100)) }
        let full = directory.writeGzip("full.pcap.gz", pcap.bytes)
        let compressed = try #require(FileManagerBytes.read(full))
        let cut = directory.write("cut.pcap.gz", Array(compressed.prefix(compressed.count / 2)))
        let reader = try CaptureReader(path: cut)
        let records = try readAll(reader)
        #expect(records.count > 0 && records.count < 2000)
        #expect(records.last?.data == packetBytes(records.count, count: 100))
        let tail = try #require(reader.truncatedTail)
        #expect(tail.offset == Int64(pcap.recordOffsets[records.count]))
        #expect(tail.bytesPresent > 0 && tail.bytesPresent < tail.bytesNeeded)
    }
}

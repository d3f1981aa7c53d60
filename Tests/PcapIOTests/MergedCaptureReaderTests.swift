import Testing
@testable import PcapIO

/// Several files read as one, in timestamp order, as NFStest's Pktt merges a list of files.
@Suite("Merging files by timestamp")
struct MergedCaptureReaderTests {
    let directory = TemporaryDirectory()

    /// A pcap whose records carry the given (seconds, microseconds) times; each record's data
    /// names its file and frame.
    func pcap(_ name: String, file: UInt8, times: [(UInt32, UInt32)], cutLastRecord: Bool = false) -> String {
        var builder = PcapBuilder()
        for (index, time) in times.enumerated() {
            builder.record(seconds: time.0, fraction: time.1, data: [file, UInt8(index + 1), 0xAB, 0xCD])
        }
        let bytes = cutLastRecord ? Array(builder.bytes.dropLast(2)) : builder.bytes
        return directory.write(name, bytes)
    }

    /// (fileIndex, frame) of each record until the end.
    func order(_ merged: MergedCaptureReader) throws -> [[Int]] {
        var result: [[Int]] = []
        while let record = try merged.next() {
            #expect(record.data.first.map(Int.init) == record.fileIndex)
            #expect(record.data.dropFirst().first.map(Int.init) == record.frame)
            result.append([record.fileIndex, record.frame])
        }
        return result
    }

    @Test("interleaved timestamps come out in order; ties go to the file given first")
    func interleaved() throws {
        let a = pcap("a.pcap", file: 0, times: [(10, 0), (12, 0), (12, 500), (20, 0)])
        let b = pcap("b.pcap", file: 1, times: [(11, 0), (12, 0), (12, 499), (13, 0), (30, 0)])
        let merged = try MergedCaptureReader(paths: [a, b])
        #expect(try order(merged) == [[0, 1], [1, 1], [0, 2], [1, 2], [1, 3], [0, 3], [1, 4], [0, 4], [1, 5]])
        #expect(merged.recordCount == 9)
        #expect(try merged.next() == nil)
    }

    @Test("the record returned stays valid while the other files are read for the next step")
    func recordsStayValid() throws {
        // Tiny files in separate buffers: reading b's next record must not disturb a's.
        let a = pcap("a.pcap", file: 0, times: (1...50).map { (UInt32($0 * 2), 0) })
        let b = pcap("b.pcap", file: 1, times: (1...50).map { (UInt32($0 * 2 + 1), 0) })
        let merged = try MergedCaptureReader(paths: [a, b])
        var seen = 0
        while let record = try merged.next() {
            let copy = Array(record.data)
            #expect(copy == [UInt8(record.fileIndex), UInt8(record.frame), 0xAB, 0xCD])
            seen += 1
        }
        #expect(seen == 100)
    }

    @Test("a corrupt file is thrown once, after its good records; the others read on")
    func errorInOneFile() throws {
        let a = pcap("a.pcap", file: 0, times: [(1, 0), (3, 0), (5, 0), (7, 0)])
        // b: two good records, then a record header with an absurd captured length.
        var bad = PcapBuilder()
        bad.record(seconds: 2, fraction: 0, data: [1, 1, 0xAB, 0xCD])
        bad.record(seconds: 4, fraction: 0, data: [1, 2, 0xAB, 0xCD])
        bad.record(seconds: 6, fraction: 0, data: [1, 3, 0xAB, 0xCD], capturedLength: 0xFFFF_FFFF)
        let b = directory.write("b.pcap", bad.bytes)
        let merged = try MergedCaptureReader(paths: [a, b])

        var delivered: [[Int]] = []
        var thrown: [CaptureError] = []
        while true {
            do {
                guard let record = try merged.next() else { break }
                delivered.append([record.fileIndex, record.frame])
            } catch {
                thrown.append(error)
            }
        }
        #expect(delivered == [[0, 1], [1, 1], [0, 2], [1, 2], [0, 3], [0, 4]])
        #expect(thrown.count == 1)
        #expect(thrown.first?.path == b)
        #expect(thrown.first?.offset == Int64(bad.recordOffsets[2]))
        #expect(merged.errors.keys.sorted() == [1])
    }

    @Test("each file's partial last record is reported")
    func truncatedTails() throws {
        let a = pcap("a.pcap", file: 0, times: [(1, 0), (3, 0)], cutLastRecord: true)
        let b = pcap("b.pcap", file: 1, times: [(2, 0)])
        let c = pcap("c.pcap", file: 2, times: [(0, 5), (4, 0)], cutLastRecord: true)
        let merged = try MergedCaptureReader(paths: [a, b, c])
        #expect(try order(merged) == [[2, 1], [0, 1], [1, 1]])
        #expect(merged.truncatedTails.map(\.path) == [a, c])
        #expect(merged.truncatedTails.map(\.offset) == [24 + 20, 24 + 20])
    }

    @Test("rewind starts every file again")
    func rewind() throws {
        let a = pcap("a.pcap", file: 0, times: [(1, 0), (3, 0)])
        let b = pcap("b.pcap", file: 1, times: [(2, 0)])
        let merged = try MergedCaptureReader(paths: [a, b])
        let first = try order(merged)
        try merged.rewind()
        #expect(try order(merged) == first)
    }

    @Test("files of different formats merge alike")
    func mixedFormats() throws {
        var pcapng = PcapngBuilder(bigEndian: true)
        pcapng.interface(linkType: 1, tsresol: 9)
        pcapng.enhancedPacket(interface: 0, timestamp: 1_500_000_000, data: [0, 1, 0xAB, 0xCD])
        pcapng.enhancedPacket(interface: 0, timestamp: 3_000_000_001, data: [0, 2, 0xAB, 0xCD])
        var snoop = SnoopBuilder()
        snoop.record(seconds: 1, microseconds: 0, data: [1, 1, 0xAB, 0xCD])
        snoop.record(seconds: 3, microseconds: 0, data: [1, 2, 0xAB, 0xCD])
        let merged = try MergedCaptureReader(paths: [directory.write("a.pcapng", pcapng.bytes),
                                                     directory.writeGzip("b.snoop.gz", snoop.bytes)])
        #expect(try order(merged) == [[1, 1], [0, 1], [1, 2], [0, 2]])
    }
}

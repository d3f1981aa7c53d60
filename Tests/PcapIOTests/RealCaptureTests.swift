import Foundation
import Testing
@testable import PcapIO

/// Captures written by real tools read frame for frame as tshark reads them. Each fixture's
/// `.frames.tsv` is tshark's reading (see Tests/Fixtures/pcapio/README.md for the command).
@Suite("Real captures against tshark")
struct RealCaptureTests {
    /// Fixture, its format, gzip or not, and its link type (nil: per interface).
    static let fixtures: [(name: String, format: CaptureFormat, gzip: Bool, linkType: UInt32?)] = [
        ("nfs3-readdirplus.pcap", .pcap, false, 1),
        ("big-endian-nfs3-udp.pcap", .pcap, false, 1),
        ("nanosecond-nfs.pcap", .pcap, false, 1),
        ("any-sll2-nfs.pcap", .pcap, false, 276),
        ("klm.pcap.gz", .pcap, true, 1),
        ("nfs-write-verf-cookie.pcapng", .pcapng, false, nil),
        ("nfs-generic221.pcapng.gz", .pcapng, true, nil),
        ("dumpcap-nfs-mixed.pcapng", .pcapng, false, nil),
        ("two-interfaces-sll2-and-ether.pcapng", .pcapng, false, nil),
        ("genbroad.snoop", .snoop, false, 1),
    ]

    /// One line of tshark's `-e frame.number -e frame.time_epoch -e frame.cap_len -e frame.len
    /// -e frame.interface_id`.
    struct TsharkFrame: Equatable, CustomStringConvertible {
        var frame: Int
        var epoch: String
        var capturedLength: Int
        var originalLength: Int
        /// Empty for pcap and snoop, where tshark has no interface id.
        var interfaceID: String

        var description: String { "\(frame)\t\(epoch)\t\(capturedLength)\t\(originalLength)\t\(interfaceID)" }
    }

    static func expectedFrames(_ name: String) throws -> [TsharkFrame] {
        let text = try String(contentsOfFile: fixturesDirectory + "/" + name + ".frames.tsv", encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return TsharkFrame(frame: Int(fields[0])!, epoch: fields[1], capturedLength: Int(fields[2])!,
                               originalLength: Int(fields[3])!, interfaceID: fields.count > 4 ? fields[4] : "")
        }
    }

    @Test("every frame's time, lengths and interface match tshark", arguments: fixtures.map(\.name))
    func matchesTshark(name: String) throws {
        let fixture = Self.fixtures.first { $0.name == name }!
        let reader = try CaptureReader(path: fixturesDirectory + "/" + name)
        #expect(reader.format == fixture.format)
        #expect(reader.isGzip == fixture.gzip)
        #expect(reader.linkType == fixture.linkType)

        let records = try readAll(reader)
        let expected = try Self.expectedFrames(name)
        #expect(records.count == expected.count)
        #expect(reader.truncatedTail == nil)
        let ours = records.map { record in
            TsharkFrame(frame: record.frame, epoch: record.epoch, capturedLength: record.capturedLength,
                        originalLength: record.originalLength,
                        interfaceID: fixture.format == .pcapng ? String(record.interfaceID) : "")
        }
        for (mine, theirs) in zip(ours, expected) where mine != theirs {
            Issue.record("frame differs: ours \(mine), tshark's \(theirs)")
        }
    }

    @Test("read through tiny chunks, every fixture gives the same records", arguments: fixtures.map(\.name))
    func chunkSizeDoesNotMatter(name: String) throws {
        let path = fixturesDirectory + "/" + name
        let reference = try readAll(CaptureReader(path: path))
        for bufferSize in [16, 100, 1500] {
            #expect(try readAll(CaptureReader(path: path, keepIndex: true, bufferSize: bufferSize)) == reference,
                    "buffer \(bufferSize)")
        }
    }

    @Test("a real capture cut in the middle of a record stops before it")
    func realCaptureCut() throws {
        let bytes = try #require(FileManagerBytes.read(fixturesDirectory + "/nanosecond-nfs.pcap"))
        let whole = try readAll(CaptureReader(path: fixturesDirectory + "/nanosecond-nfs.pcap"))
        let directory = TemporaryDirectory()
        let cut = whole[100].fileOffset + 16 + 10  // ten bytes into frame 101's data
        let path = directory.write("cut.pcap", Array(bytes.prefix(Int(cut))))
        let reader = try CaptureReader(path: path)
        #expect(try readAll(reader) == Array(whole.prefix(100)))
        #expect(reader.truncatedTail == TruncatedTail(path: path, offset: whole[100].fileOffset, bytesPresent: 26,
                                                      bytesNeeded: 16 + whole[100].capturedLength))
    }
}

import Testing
@testable import PcapIO

/// pcapng: sections in either byte order, interfaces with their own link type and timestamp
/// resolution, the three packet blocks, and blocks that are skipped.
@Suite("Reading pcapng files")
struct PcapngReadingTests {
    let directory = TemporaryDirectory()

    /// 2023-11-14 22:13:20 UTC, a round number of seconds.
    static let epoch: UInt64 = 1_700_000_000

    /// Section 1: Ethernet at 10^-9 s, Linux SLL at 2^-20 s, raw IP at the default 10^-6 s with
    /// an if_tsoffset; packets on each, with statistics, name resolution and custom blocks
    /// between them. Section 2, in the other byte order: one SLL2 interface, an SPB and an
    /// obsolete Packet Block.
    static func twoSections(firstBigEndian: Bool) -> PcapngBuilder {
        var file = PcapngBuilder(bigEndian: firstBigEndian)
        file.interface(linkType: 1, snapLength: 262_144, tsresol: 9)
        file.interface(linkType: 113, snapLength: 65_535, tsresol: 0x80 | 20)
        file.otherBlock(type: 4, bodyLength: 8)  // Name Resolution Block
        file.interface(linkType: 101, tsoffset: 3_600)
        file.enhancedPacket(interface: 0, timestamp: epoch * 1_000_000_000 + 123_456_789, data: packetBytes(1, count: 61))
        file.enhancedPacket(interface: 1, timestamp: epoch << 20 | (1 << 19), data: packetBytes(2, count: 42), originalLength: 1500)
        file.otherBlock(type: 5, bodyLength: 20)  // Interface Statistics Block
        file.otherBlock(type: 0x0000_0BAD, bodyLength: 12)  // Custom Block
        file.enhancedPacket(interface: 2, timestamp: epoch * 1_000_000 + 7, data: packetBytes(3, count: 20))
        file.otherBlock(type: 0x1234_5678, bodyLength: 0)  // unknown, empty body
        file.sectionHeader(bigEndian: !firstBigEndian)
        file.interface(linkType: 276, snapLength: 64, tsresol: 3)
        file.simplePacket(data: packetBytes(4, count: 64), originalLength: 1000)
        file.simplePacket(data: packetBytes(5, count: 10), originalLength: 10)
        file.obsoletePacket(interface: 0, timestamp: epoch * 1000 + 999, data: packetBytes(6, count: 33))
        return file
    }

    @Test("interfaces, resolutions, packet block kinds and a second section of the other byte order",
          arguments: [false, true])
    func twoSectionsOfEitherByteOrder(firstBigEndian: Bool) throws {
        let file = Self.twoSections(firstBigEndian: firstBigEndian)
        let reader = try CaptureReader(path: directory.write("two.pcapng", file.bytes))
        #expect(reader.format == .pcapng)
        #expect(reader.linkType == nil)

        let records = try readAll(reader)
        #expect(records.map(\.frame) == [1, 2, 3, 4, 5, 6])
        #expect(records.map(\.linkType) == [1, 113, 101, 276, 276, 276])
        #expect(records.map(\.interfaceID) == [0, 1, 2, 0, 0, 0])
        #expect(records.map(\.fileOffset) == file.recordOffsets.map(Int64.init))
        // 10^-9 exactly; 2^-20 half a second; 10^-6 plus one hour of if_tsoffset; SPBs carry no
        // time; 10^-3.
        #expect(records.map(\.seconds) == [1_700_000_000, 1_700_000_000, 1_700_003_600, 0, 0, 1_700_000_000])
        #expect(records.map(\.nanoseconds) == [123_456_789, 500_000_000, 7_000, 0, 0, 999_000_000])
        #expect(records.map(\.capturedLength) == [61, 42, 20, 64, 10, 33])
        #expect(records.map(\.originalLength) == [61, 1500, 20, 1000, 10, 33])
        #expect(records.map(\.data) == [1, 2, 3, 4, 5, 6].map { packetBytes($0, count: records[$0 - 1].capturedLength) })
        // The second section replaced the first one's interfaces.
        #expect(reader.interfaces.map(\.linkType) == [276])
        #expect(reader.interfaces.first?.timestampResolution.description == "10^-3 s")
    }

    @Test("a simple packet's captured length is the smallest of origlen, snaplen and the block's room")
    func simplePacketCapturedLength() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1, snapLength: 100)
        // Cut by the snaplen: the block holds 120 bytes.
        file.simplePacket(data: packetBytes(1, count: 120), originalLength: 1500)
        // Cut by origlen: 4-byte padding is not data.
        file.simplePacket(data: packetBytes(2, count: 6), originalLength: 6)
        // Cut by the block: the writer stored fewer bytes than origlen and snaplen allow.
        file.simplePacket(data: packetBytes(3, count: 40), originalLength: 90)
        let records = try readAll(CaptureReader(path: directory.write("spb.pcapng", file.bytes)))
        #expect(records.map(\.capturedLength) == [100, 6, 40])
        #expect(records.map(\.originalLength) == [1500, 6, 90])
    }

    @Test("a packet naming an interface its section does not describe is corrupt")
    func undescribedInterface() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1)
        file.enhancedPacket(interface: 0, timestamp: 1, data: [1, 2, 3])
        file.enhancedPacket(interface: 1, timestamp: 2, data: [4, 5, 6])
        let path = directory.write("noif.pcapng", file.bytes)
        let (records, error) = readUntilError(try CaptureReader(path: path))
        #expect(records.count == 1)
        #expect(error?.code == .corruptRecord)
        #expect(error?.offset == Int64(file.recordOffsets[1]))
        #expect(error?.description.contains("interface 1") == true)
    }

    @Test("binary and sub-nanosecond resolutions round down to whole nanoseconds")
    func timestampResolutions() {
        let binary20 = TimestampResolution(tsresol: 0x80 | 20)!
        #expect(binary20.split(5 << 20 | 1) == (5, 953))  // 10^9 / 2^20 = 953.67…
        #expect(binary20.split(5 << 20 | ((1 << 20) - 1)) == (5, 999_999_046))
        let binary63 = TimestampResolution(tsresol: 0x80 | 63)!
        #expect(binary63.split(1 << 62) == (0, 500_000_000))
        let picoseconds = TimestampResolution(tsresol: 12)!
        #expect(picoseconds.split(3_000_000_000_000 + 999_999_999_999) == (3, 999_999_999))
        let seconds = TimestampResolution(tsresol: 0)!
        #expect(seconds.split(42) == (42, 0))
        let milliseconds = TimestampResolution(tsresol: 3)!
        #expect(milliseconds.split(1_234) == (1, 234_000_000))
        #expect(TimestampResolution(tsresol: 20) == nil)
        #expect(TimestampResolution(tsresol: 0x80 | 64) == nil)
    }

    @Test("an if_tsresol finer than 64 bits can count is refused")
    func unusableResolution() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1, tsresol: 25)
        let (_, error) = readUntilError(try CaptureReader(path: directory.write("res.pcapng", file.bytes)))
        #expect(error?.code == .corruptRecord)
        #expect(error?.description.contains("if_tsresol") == true)
    }

    @Test("blocks cross the ends of small read chunks intact", arguments: [1, 13, 64, 333])
    func blocksCrossChunkEnds(bufferSize: Int) throws {
        let path = directory.write("two.pcapng", Self.twoSections(firstBigEndian: false).bytes)
        let expected = try readAll(CaptureReader(path: path))
        #expect(try readAll(CaptureReader(path: path, keepIndex: true, bufferSize: bufferSize)) == expected)
    }
}

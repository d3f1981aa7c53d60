import Foundation
import Testing
@testable import PcapIO

/// Every timestamp a capture file can hold reads without a trap, inside `CaptureTime`'s window,
/// and is marked clamped exactly when it had to be moved there.
@Suite("Timestamps at their extremes")
struct TimestampClampingTests {
    let directory = TemporaryDirectory()

    static let resolutions: [UInt8] = [0, 1, 6, 9, 19, 0x80 | 0, 0x80 | 1, 0x80 | 30, 0x80 | 63]
    static let timestamps: [UInt64] = [0, 1, (1 << 32) - 1, 1 << 62, (1 << 63) - 1, 1 << 63, .max]
    static let offsets: [Int64] = [.min, -1, 0, 1, .max]

    /// The time a pcapng timestamp stands for, worked out in 128 bits here (not as the reader
    /// does), then put in the window by the rule `CaptureTime` documents.
    static func expected(units: UInt64, tsresol: UInt8, tsoffset: Int64) -> (seconds: Int64, nanoseconds: UInt32, clamped: Bool) {
        let exponent = Int(tsresol & 0x7F)
        var seconds: Int128
        var nanoseconds: UInt128
        if tsresol & 0x80 != 0 {
            seconds = Int128(units >> UInt64(exponent))
            let fraction = UInt128(units) & ((1 << UInt128(exponent)) - 1)
            nanoseconds = (fraction * 1_000_000_000) >> UInt128(exponent)
        } else {
            var unitsPerSecond: UInt128 = 1
            for _ in 0..<exponent { unitsPerSecond *= 10 }
            seconds = Int128(UInt128(units) / unitsPerSecond)
            nanoseconds = UInt128(units) % unitsPerSecond * 1_000_000_000 / unitsPerSecond
        }
        seconds += Int128(tsoffset)
        let limit = Int128(CaptureTime.limitSeconds)
        if seconds >= limit { return (CaptureTime.limitSeconds, 0, true) }
        if seconds <= -limit { return (-CaptureTime.limitSeconds, 0, true) }
        return (Int64(seconds), UInt32(nanoseconds), false)
    }

    @Test("pcapng: every resolution × timestamp × if_tsoffset extreme", arguments: resolutions)
    func pcapngExtremes(tsresol: UInt8) throws {
        var file = PcapngBuilder()
        for tsoffset in Self.offsets { file.interface(linkType: 1, tsresol: tsresol, tsoffset: tsoffset) }
        var expected: [(seconds: Int64, nanoseconds: UInt32, clamped: Bool)] = []
        for (interface, tsoffset) in Self.offsets.enumerated() {
            for units in Self.timestamps {
                file.enhancedPacket(interface: UInt32(interface), timestamp: units, data: packetBytes(expected.count, count: 20))
                expected.append(Self.expected(units: units, tsresol: tsresol, tsoffset: tsoffset))
            }
        }
        let reader = try CaptureReader(path: directory.write("extremes.pcapng", file.bytes))
        var records: [CaptureRecord] = []
        while let record = try reader.next() { records.append(record) }
        try #require(records.count == expected.count)
        for (record, want) in zip(records, expected) {
            #expect(record.seconds == want.seconds && record.nanoseconds == want.nanoseconds,
                    "frame \(record.frame): \(record.seconds).\(record.nanoseconds), want \(want)")
            #expect(record.timeClamped == want.clamped, "frame \(record.frame)")
            #expect(abs(record.seconds) <= CaptureTime.limitSeconds && record.nanoseconds < 1_000_000_000)
            #expect(record.time.magnitude < 1 << 62)
        }
        let clamped = expected.filter(\.clamped).count
        #expect(reader.clampedTimes == clamped)
        // Going back over the file counts nothing twice.
        try reader.rewind()
        while try reader.next() != nil {}
        #expect(reader.clampedTimes == clamped)
    }

    @Test("the earliest and the latest time differ without overflow; the edges are the clamped times")
    func differenceOfExtremes() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1, tsresol: 0, tsoffset: .min)
        file.interface(linkType: 1, tsresol: 0, tsoffset: .max)
        file.enhancedPacket(interface: 0, timestamp: 0, data: [1])
        file.enhancedPacket(interface: 1, timestamp: .max, data: [2])
        let reader = try CaptureReader(path: directory.write("edges.pcapng", file.bytes))
        let earliest = try #require(try reader.next()).time
        let latest = try #require(try reader.next()).time
        #expect(earliest == -CaptureTime.limitSeconds * 1_000_000_000)
        #expect(latest == CaptureTime.limitSeconds * 1_000_000_000)
        #expect(latest - earliest == 2 * CaptureTime.limitSeconds * 1_000_000_000)
        #expect(reader.clampedTimes == 2)
    }

    @Test("a time one second inside either edge is kept, and not marked")
    func justInside() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1, tsresol: 9, tsoffset: -2 * CaptureTime.limitSeconds + 1)
        let inside = UInt64(CaptureTime.limitSeconds - 1) * 1_000_000_000 + 999_999_999
        file.enhancedPacket(interface: 0, timestamp: inside, data: [1])
        file.enhancedPacket(interface: 0, timestamp: UInt64(CaptureTime.limitSeconds) * 1_000_000_000 + 5, data: [2])
        let records = try readAll(CaptureReader(path: directory.write("inside.pcapng", file.bytes)))
        // limit − 1 + (1 − 2·limit) = −limit: on the edge, so clamped; the second is 5 ns past it.
        #expect(records.map(\.seconds) == [-CaptureTime.limitSeconds, -CaptureTime.limitSeconds + 1])
        #expect(records.map(\.nanoseconds) == [0, 5])
        var plain = PcapngBuilder()
        plain.interface(linkType: 1, tsresol: 9)
        plain.enhancedPacket(interface: 0, timestamp: inside, data: [1])
        let reader = try CaptureReader(path: directory.write("plain.pcapng", plain.bytes))
        let record = try #require(try reader.next())
        #expect(record.seconds == CaptureTime.limitSeconds - 1 && record.nanoseconds == 999_999_999)
        #expect(!record.timeClamped && reader.clampedTimes == 0)
    }

    @Test("if_tsresol too fine for 64 bits is a clear error naming the option, never a trap",
          arguments: [20, 25, 0x7F, 0x80 | 64, 0xFF] as [UInt8])
    func unusableResolutions(tsresol: UInt8) throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1, tsresol: tsresol)
        file.enhancedPacket(interface: 0, timestamp: .max, data: [1])
        let (records, error) = readUntilError(try CaptureReader(path: directory.write("fine.pcapng", file.bytes)))
        #expect(records.isEmpty)
        #expect(error?.code == .corruptRecord)
        #expect(error?.description.contains("if_tsresol 0x\(String(tsresol, radix: 16))") == true)
    }

    @Test("pcap µs and ns with seconds 0xFFFFFFFF and any fraction: exact, inside the window",
          arguments: [false, true])
    func pcapLatest(nanoseconds: Bool) throws {
        var pcap = PcapBuilder(nanoseconds: nanoseconds)
        for fraction: UInt32 in [0, nanoseconds ? 999_999_999 : 999_999, .max] {
            pcap.record(seconds: .max, fraction: fraction, data: [1, 2])
        }
        let reader = try CaptureReader(path: directory.write("late.pcap", pcap.bytes))
        let records = try readAll(reader)
        let units: Int64 = nanoseconds ? 1_000_000_000 : 1_000_000
        let scale: UInt32 = nanoseconds ? 1 : 1000
        #expect(records.map(\.seconds) == [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF + Int64(UInt32.max) / units])
        #expect(records.map(\.nanoseconds) == [0, UInt32(units - 1) * scale, UInt32(Int64(UInt32.max) % units) * scale])
        #expect(reader.clampedTimes == 0)
        #expect(records.allSatisfy { $0.seconds < CaptureTime.limitSeconds })
    }

    @Test("snoop with seconds and microseconds 0xFFFFFFFF: exact, inside the window")
    func snoopLatest() throws {
        var snoop = SnoopBuilder()
        snoop.record(seconds: .max, microseconds: .max, data: [1, 2, 3, 4])
        let reader = try CaptureReader(path: directory.write("late.snoop", snoop.bytes))
        let record = try #require(try reader.next())
        #expect(record.seconds == 0xFFFF_FFFF + 4294 && record.nanoseconds == 967_295_000)
        #expect(!record.timeClamped && reader.clampedTimes == 0)
    }

    @Test("CaptureTime.nanoseconds saturates outside the window instead of wrapping")
    func saturatingNanoseconds() {
        #expect(CaptureTime.nanoseconds(seconds: .max, nanoseconds: 0) == .max)
        #expect(CaptureTime.nanoseconds(seconds: .min, nanoseconds: 999_999_999) == .min)
        #expect(CaptureTime.nanoseconds(seconds: Int64.max / 1_000_000_000, nanoseconds: 999_999_999) == .max)
        #expect(CaptureTime.nanoseconds(seconds: -1, nanoseconds: 1) == -999_999_999)
    }

    @Test("merged files add up their clamped records")
    func mergedCount() throws {
        var file = PcapngBuilder()
        file.interface(linkType: 1, tsresol: 0)
        file.enhancedPacket(interface: 0, timestamp: 1_700_000_000, data: [1])
        file.enhancedPacket(interface: 0, timestamp: 1 << 63, data: [2])
        let one = directory.write("one.pcapng", file.bytes)
        let two = directory.write("two.pcapng", file.bytes)
        let merged = try MergedCaptureReader(paths: [one, two])
        var clamped: [Bool] = []
        while let record = try merged.next() { clamped.append(record.timeClamped) }
        #expect(clamped == [false, false, true, true])
        #expect(merged.clampedTimes == 2)
    }
}

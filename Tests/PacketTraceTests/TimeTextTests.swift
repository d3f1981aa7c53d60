import Foundation
import Testing
import Decode
import PcapIO
@testable import PacketTrace

/// Capture times as text: exact for any Int64 seconds, and as `strftime` prints them wherever
/// the C library can.
@Suite("Times as text")
struct TimeTextTests {
    static func rfc3339(_ seconds: Int64, _ nanoseconds: UInt32 = 0) -> String {
        var text = TimeText()
        var out = TextBuffer(flushAt: .max)
        text.appendRFC3339(seconds: seconds, nanoseconds: nanoseconds, to: &out)
        return out.take()
    }

    static func epoch(_ seconds: Int64, _ nanoseconds: UInt32) -> String {
        var out = TextBuffer(flushAt: .max)
        TimeText.appendEpoch(seconds: seconds, nanoseconds: nanoseconds, to: &out)
        return out.take()
    }

    static func strftimeUTC(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "gmtime_r failed" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test("the ends of Int64 and of the capture window, and the epoch")
    func extremes() {
        #expect(Self.rfc3339(.max) == "292277026596-12-04T15:30:07.000000Z")
        #expect(Self.rfc3339(.min) == "-292277022657-01-27T08:29:52.000000Z")
        #expect(Self.rfc3339(CaptureTime.limitSeconds) == "2116-02-20T23:53:37.000000Z")
        #expect(Self.rfc3339(-CaptureTime.limitSeconds) == "1823-11-12T00:06:23.000000Z")
        #expect(Self.rfc3339(0) == "1970-01-01T00:00:00.000000Z")
        #expect(Self.rfc3339(-1, 999_999_999) == "1969-12-31T23:59:59.999999999Z")
        #expect(Self.rfc3339(951_782_400) == "2000-02-29T00:00:00.000000Z")
    }

    @Test("UTC agrees with gmtime_r and strftime over the years of four digits")
    func agreesWithStrftime() {
        var generator = SystemRandomNumberGenerator()
        // 1000-01-01, 9999-12-31T23:59:59, 2100-03-01 (not a leap year), 1900-01-01.
        var samples: [Int64] = [-30_610_224_000, 253_402_300_799, 4_107_542_400, -2_208_988_800]
        for _ in 0..<20_000 { samples.append(Int64.random(in: -30_610_224_000...253_402_300_799, using: &generator)) }
        for seconds in samples {
            let ours = Self.rfc3339(seconds)
            #expect(ours == Self.strftimeUTC(seconds) + ".000000Z", "\(seconds)")
            if ours != Self.strftimeUTC(seconds) + ".000000Z" { break }
        }
    }

    @Test("local time for seconds the C library cannot break down falls back to UTC, never to garbage")
    func localFallsBack() {
        var text = TimeText()
        var out = TextBuffer(flushAt: .max)
        text.appendLocal(seconds: .max, nanoseconds: 123_456_789, to: &out)
        out.append(byte: UInt8(ascii: "|"))
        text.appendLocal(seconds: .min, nanoseconds: 0, to: &out)
        #expect(out.take() == "292277026596-12-04 15:30:07.123456|-292277022657-01-27 08:29:52.000000")
    }

    @Test("epoch seconds before 1970 read as the time they are; every Int64 prints")
    func epochSeconds() {
        #expect(Self.epoch(-5, 1) == "-4.999999999")
        #expect(Self.epoch(-5, 0) == "-5.000000000")
        #expect(Self.epoch(0, 1) == "0.000000001")
        #expect(Self.epoch(.min, 0) == "-9223372036854775808.000000000")
        #expect(Self.epoch(.min, 1) == "-9223372036854775807.999999999")
        #expect(Self.epoch(.max, 999_999_999) == "9223372036854775807.999999999")
        // A hand-made record's impossible fraction is capped, not printed as a tenth digit.
        #expect(Self.epoch(1, .max) == "1.999999999")
    }

    @Test("a record's JSON says time_clamped only when its time was clamped")
    func jsonClampedFlag() {
        var formatter = JSONPacketFormatter()
        var record = PacketRecord()
        record.seconds = CaptureTime.limitSeconds
        record.timeClamped = true  // as Pktt sets it from the reader's CaptureRecord
        var out = TextBuffer(flushAt: .max)
        formatter.append(record, Packet(), file: "f.pcapng", to: &out)
        let clamped = out.take()
        #expect(clamped.contains("\"epoch\":4611686017.000000000,\"time_clamped\":true,"))
        #expect(record.timeClamped && record.time == CaptureTime.limitSeconds * 1_000_000_000)
        record.seconds = CaptureTime.limitSeconds - 1
        record.timeClamped = false
        formatter.append(record, Packet(), file: "f.pcapng", to: &out)
        #expect(!out.take().contains("time_clamped"))
        #expect(!record.timeClamped)
    }

    @Test("PacketRecord.time saturates for a time set by hand outside the window")
    func packetRecordTime() {
        var record = PacketRecord()
        record.seconds = .max
        #expect(record.time == .max)
        record.seconds = .min
        #expect(record.time == .min)
    }
}

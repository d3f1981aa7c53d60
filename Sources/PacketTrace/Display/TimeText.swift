#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats capture times: the seed's local `YYYY-MM-DD HH:MM:SS.uuuuuu` and RFC 3339 UTC.
/// The date part is cached per second, since consecutive packets share it.
public struct TimeText {
    private var localSecond: Int64 = .min
    private var localText = ""
    private var utcSecond: Int64 = .min
    private var utcText = ""

    public init() {}

    /// Local time as the seed shows it (honours TZ), microseconds.
    public mutating func appendLocal(seconds: Int64, nanoseconds: UInt32, to out: inout TextBuffer) {
        if seconds != localSecond {
            localSecond = seconds
            localText = Self.format(seconds, utc: false, "%Y-%m-%d %H:%M:%S")
        }
        out.append(localText)
        out.append(byte: UInt8(ascii: "."))
        out.appendDecimal(UInt64(nanoseconds / 1000), minimumDigits: 6)
    }

    /// `2026-05-04T10:21:33.514179Z`: microseconds, or nanoseconds when the capture has them.
    public mutating func appendRFC3339(seconds: Int64, nanoseconds: UInt32, to out: inout TextBuffer) {
        if seconds != utcSecond {
            utcSecond = seconds
            utcText = Self.format(seconds, utc: true, "%Y-%m-%dT%H:%M:%S")
        }
        out.append(utcText)
        out.append(byte: UInt8(ascii: "."))
        if nanoseconds % 1000 == 0 {
            out.appendDecimal(UInt64(nanoseconds / 1000), minimumDigits: 6)
        } else {
            out.appendDecimal(UInt64(nanoseconds), minimumDigits: 9)
        }
        out.append(byte: UInt8(ascii: "Z"))
    }

    /// Seconds since the epoch with all nine decimals, exactly (no floating point).
    public static func appendEpoch(seconds: Int64, nanoseconds: UInt32, to out: inout TextBuffer) {
        out.append(seconds)
        out.append(byte: UInt8(ascii: "."))
        out.appendDecimal(UInt64(nanoseconds), minimumDigits: 9)
    }

    static func format(_ seconds: Int64, utc: Bool, _ pattern: String) -> String {
        var t = time_t(seconds)
        var parts = tm()
        if utc { gmtime_r(&t, &parts) } else { localtime_r(&t, &parts) }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats capture times: the seed's local `YYYY-MM-DD HH:MM:SS.uuuuuu` and RFC 3339 UTC.
/// The date part is cached per second, since consecutive packets share it.
///
/// Any Int64 seconds format, exactly: UTC is worked out here (the C library's `tm_year` is an
/// `int` and `gmtime_r` fails past year 2^31); local time comes from `localtime_r`, and from
/// UTC when that fails. A reader's times lie within about 1823–2116 (`CaptureTime`), where
/// both agree with `strftime`.
public struct TimeText {
    private var localSecond: Int64?
    private var localText = ""
    private var utcSecond: Int64?
    private var utcText = ""

    public init() {}

    /// Local time as the seed shows it (honours TZ), microseconds.
    public mutating func appendLocal(seconds: Int64, nanoseconds: UInt32, to out: inout TextBuffer) {
        if seconds != localSecond {
            localSecond = seconds
            localText = Self.dateTime(seconds, utc: false, separator: UInt8(ascii: " "))
        }
        out.append(localText)
        out.append(byte: UInt8(ascii: "."))
        out.appendDecimal(UInt64(Self.fraction(nanoseconds) / 1000), minimumDigits: 6)
    }

    /// `2026-05-04T10:21:33.514179Z`: microseconds, or nanoseconds when the capture has them.
    public mutating func appendRFC3339(seconds: Int64, nanoseconds: UInt32, to out: inout TextBuffer) {
        if seconds != utcSecond {
            utcSecond = seconds
            utcText = Self.dateTime(seconds, utc: true, separator: UInt8(ascii: "T"))
        }
        let nanoseconds = Self.fraction(nanoseconds)
        out.append(utcText)
        out.append(byte: UInt8(ascii: "."))
        if nanoseconds % 1000 == 0 {
            out.appendDecimal(UInt64(nanoseconds / 1000), minimumDigits: 6)
        } else {
            out.appendDecimal(UInt64(nanoseconds), minimumDigits: 9)
        }
        out.append(byte: UInt8(ascii: "Z"))
    }

    /// Seconds since the epoch with all nine decimals, exactly (no floating point). Before the
    /// epoch the time is `seconds + nanoseconds` all the same: -4.999999999 for (-5, 1).
    public static func appendEpoch(seconds: Int64, nanoseconds: UInt32, to out: inout TextBuffer) {
        let nanoseconds = fraction(nanoseconds)
        if seconds < 0 {
            out.append(byte: UInt8(ascii: "-"))
            let borrow: UInt64 = nanoseconds > 0 ? 1 : 0
            out.appendDecimal(seconds.magnitude - borrow)
            out.append(byte: UInt8(ascii: "."))
            out.appendDecimal(UInt64(nanoseconds > 0 ? 1_000_000_000 - nanoseconds : 0), minimumDigits: 9)
        } else {
            out.appendDecimal(UInt64(seconds))
            out.append(byte: UInt8(ascii: "."))
            out.appendDecimal(UInt64(nanoseconds), minimumDigits: 9)
        }
    }

    /// A reader never gives 10^9 ns or more; a record made by hand might: shown as the last
    /// nanosecond of its second rather than as a tenth digit.
    private static func fraction(_ nanoseconds: UInt32) -> UInt32 { min(nanoseconds, 999_999_999) }

    /// `YYYY-MM-DD`, `separator`, `HH:MM:SS`.
    static func dateTime(_ seconds: Int64, utc: Bool, separator: UInt8) -> String {
        if !utc, var t = time_t(exactly: seconds) {
            var parts = tm()
            if localtime_r(&t, &parts) != nil {
                return text(year: Int64(parts.tm_year) + 1900, month: Int64(parts.tm_mon) + 1, day: Int64(parts.tm_mday),
                            hour: Int64(parts.tm_hour), minute: Int64(parts.tm_min), second: Int64(parts.tm_sec),
                            separator: separator)
            }
        }
        return utcDateTime(seconds, separator: separator)
    }

    /// The proleptic Gregorian calendar from days since the epoch (H. Hinnant's
    /// `civil_from_days`), in Int64 throughout: no overflow for any Int64 seconds.
    static func utcDateTime(_ seconds: Int64, separator: UInt8) -> String {
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (era, dayOfEra) = floorDivide(days + 719_468, 146_097)  // eras of 400 years from 0000-03-01
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0)
        return text(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
                    second: secondOfDay % 60, separator: separator)
    }

    /// Quotient rounded down and a remainder in 0..<divisor (divisor > 0).
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// As `strftime("%Y-%m-%d %H:%M:%S")` prints it, the year with at least four digits.
    private static func text(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64,
                             separator: UInt8) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var text = Array(String(value.magnitude).utf8)
            while text.count < count { text.insert(UInt8(ascii: "0"), at: 0) }
            out.append(contentsOf: text)
        }
        if year < 0 { out.append(UInt8(ascii: "-")) }
        digits(year, 4)
        out.append(UInt8(ascii: "-"))
        digits(month, 2)
        out.append(UInt8(ascii: "-"))
        digits(day, 2)
        out.append(separator)
        digits(hour, 2)
        out.append(UInt8(ascii: ":"))
        digits(minute, 2)
        out.append(UInt8(ascii: ":"))
        digits(second, 2)
        return String(decoding: out, as: UTF8.self)
    }
}

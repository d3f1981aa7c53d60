/// How finely a file's timestamps count time: 10^-n or 2^-n seconds per unit.
///
/// pcap files are 10^-6 (magic a1b2c3d4) or 10^-9 (a1b23c4d); pcapng interfaces say so in their
/// `if_tsresol` option (pcapng draft §4.2: high bit clear, 10^-n; set, 2^-n; default 10^-6).
public struct TimestampResolution: Hashable, Sendable, CustomStringConvertible {
    /// The `if_tsresol` byte: the exponent in the low 7 bits, the high bit chooses base 2.
    public let tsresol: UInt8
    /// For base 10: 10^n, the units in one second.
    private let unitsPerSecond: UInt64
    /// For base 10: 10^|9 − n|, to scale a fraction of a second to nanoseconds.
    private let nanosecondScale: UInt64

    public static let microseconds = TimestampResolution(tsresol: 6)!
    public static let nanoseconds = TimestampResolution(tsresol: 9)!

    /// Nil when 64-bit timestamps cannot hold one second at that resolution (10^-20 and finer,
    /// 2^-64 and finer).
    public init?(tsresol: UInt8) {
        self.tsresol = tsresol
        let exponent = Int(tsresol & 0x7F)
        if tsresol & 0x80 != 0 {
            guard exponent <= 63 else { return nil }
            unitsPerSecond = 0
            nanosecondScale = 0
        } else {
            guard exponent <= 19 else { return nil }
            unitsPerSecond = Self.powerOfTen(exponent)
            nanosecondScale = Self.powerOfTen(abs(9 - exponent))
        }
    }

    public var isBinary: Bool { tsresol & 0x80 != 0 }
    public var exponent: Int { Int(tsresol & 0x7F) }

    public var description: String { isBinary ? "2^-\(exponent) s" : "10^-\(exponent) s" }

    /// Splits a count of units since the epoch into seconds and nanoseconds, rounding down
    /// (as Wireshark does) when the unit is finer than a nanosecond or not a decimal fraction.
    /// The seconds are exact, up to 2^64 − 1 (resolution 1 s); `CaptureTime` clamps them.
    @inline(__always)
    func split(_ units: UInt64) -> (seconds: UInt64, nanoseconds: UInt32) {
        switch tsresol {
        case 6: return (units / 1_000_000, UInt32(truncatingIfNeeded: units % 1_000_000) &* 1000)
        case 9: return (units / 1_000_000_000, UInt32(truncatingIfNeeded: units % 1_000_000_000))
        default: return splitOther(units)
        }
    }

    // Every `truncatingIfNeeded` below narrows a value already below 10^9.
    private func splitOther(_ units: UInt64) -> (seconds: UInt64, nanoseconds: UInt32) {
        let exponent = self.exponent
        if isBinary {
            guard exponent > 0 else { return (units, 0) }
            let fraction = units & ((1 << UInt64(exponent)) - 1)
            // fraction × 10^9 needs up to 94 bits: shift the full-width product.
            let (high, low) = fraction.multipliedFullWidth(by: 1_000_000_000)
            let nanos = (high << UInt64(64 - exponent)) | (low >> UInt64(exponent))
            return (units >> UInt64(exponent), UInt32(truncatingIfNeeded: nanos))
        }
        let seconds = units / unitsPerSecond
        let fraction = units % unitsPerSecond
        let nanos = exponent <= 9 ? fraction * nanosecondScale : fraction / nanosecondScale
        return (seconds, UInt32(truncatingIfNeeded: nanos))
    }

    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value &*= 10 }
        return value
    }
}

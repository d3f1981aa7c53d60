/// An IPv4 or IPv6 address held inline (no allocation): IPv4 lives in the low 32 bits of `low`.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    @inlinable public init(ipv4: UInt32) {
        high = 0
        low = UInt64(ipv4)
        isIPv6 = false
    }

    @inlinable public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv6 = true
    }

    public static let unspecified = IPAddress(ipv4: 0)

    public var ipv4: UInt32 { UInt32(truncatingIfNeeded: low) }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.isIPv6 ? 1 : 0, a.high, a.low) < (b.isIPv6 ? 1 : 0, b.high, b.low)
    }

    /// Dotted quad for IPv4; RFC 5952 text for IPv6 (lower case, longest run of two or more zero
    /// groups as `::`, the first such run on a tie, IPv4-mapped addresses with a dotted tail).
    public var description: String {
        if !isIPv6 { return Self.dotted(ipv4) }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))
            groups[i + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))
        }
        // ::ffff:a.b.c.d (RFC 5952 section 5)
        if high == 0 && low >> 32 == 0xffff {
            return "::ffff:" + Self.dotted(UInt32(truncatingIfNeeded: low))
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var text = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[i], radix: 16)
            i += 1
        }
        return text
    }

    static func dotted(_ a: UInt32) -> String {
        "\(a >> 24).\((a >> 16) & 0xff).\((a >> 8) & 0xff).\(a & 0xff)"
    }
}

/// A 48-bit IEEE 802 MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64

    @inlinable public init(_ value: UInt64) { self.value = value & 0xffff_ffff_ffff }

    public var description: String {
        var parts: [String] = []
        parts.reserveCapacity(6)
        for i in (0..<6).reversed() {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            parts.append(byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16))
        }
        return parts.joined(separator: ":")
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func mac(_ offset: Int) -> MACAddress {
        MACAddress(UInt64(u16(offset)) << 32 | UInt64(u32(offset + 2)))
    }

    @inline(__always)
    func ipv6(_ offset: Int) -> IPAddress {
        IPAddress(ipv6High: u64(offset), low: u64(offset + 8))
    }
}

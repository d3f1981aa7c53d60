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
        var text: [UInt8] = []
        write(into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The same text appended to `out` without building a String (matching a regular
    /// expression against an address, per packet).
    public func write(into out: inout [UInt8]) {
        func decimal(_ v: UInt32) {
            if v >= 100 { out.append(UInt8(ascii: "0") + UInt8(v / 100)) }
            if v >= 10 { out.append(UInt8(ascii: "0") + UInt8(v / 10 % 10)) }
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
        }
        func dotted(_ a: UInt32) {
            for i in 0..<4 {
                if i > 0 { out.append(UInt8(ascii: ".")) }
                decimal(a >> UInt32(24 - 8 * i) & 0xff)
            }
        }
        guard isIPv6 else { return dotted(ipv4) }
        // ::ffff:a.b.c.d (RFC 5952 section 5)
        if high == 0 && low >> 32 == 0xffff {
            out.append(contentsOf: "::ffff:".utf8)
            return dotted(UInt32(truncatingIfNeeded: low))
        }
        func group(_ i: Int) -> UInt16 { UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> UInt64(48 - 16 * (i % 4))) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && group(i) == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { (bestStart, bestLength) = (runStart, i - runStart) }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        let digits: StaticString = "0123456789abcdef"
        let start = out.count
        var i = 0
        while i < 8 {
            if i == bestStart {
                out.append(contentsOf: "::".utf8)
                i += bestLength
                continue
            }
            if out.count > start && out.last != UInt8(ascii: ":") { out.append(UInt8(ascii: ":")) }
            let g = group(i)
            var shift = 12
            while shift > 0 && g >> UInt16(shift) == 0 { shift -= 4 }
            while shift >= 0 {
                out.append(digits.utf8Start[Int(g >> UInt16(shift) & 0xf)])
                shift -= 4
            }
            i += 1
        }
    }
}

/// A 48-bit IEEE 802 MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64

    @inlinable public init(_ value: UInt64) { self.value = value & 0xffff_ffff_ffff }

    public var description: String {
        var text: [UInt8] = []
        write(into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// `aa:bb:cc:dd:ee:ff` appended to `out` without building a String.
    public func write(into out: inout [UInt8]) {
        Self.write(value, bytes: 6, into: &out)
    }

    /// `length` bytes of `value` (most significant first) as colon-separated hex pairs.
    public static func write(_ value: UInt64, bytes length: Int, into out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        for i in (0..<max(0, min(length, 8))).reversed() {
            if i < length - 1 { out.append(UInt8(ascii: ":")) }
            let byte = Int(truncatingIfNeeded: value >> (8 * UInt64(i))) & 0xff
            out.append(digits.utf8Start[byte >> 4])
            out.append(digits.utf8Start[byte & 0xf])
        }
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

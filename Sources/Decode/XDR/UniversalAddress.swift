/// RPCBIND universal addresses (RFC 1833 section 2.1; RFC 5665 section 5.2.3): the host in its
/// usual text form, then the port as two more dot-separated decimal bytes, high byte first.
///
///     10.77.0.1.8.1    -> host 10.77.0.1, port 2049
///     fd77::1.0.111    -> host fd77::1,   port 111
public enum UniversalAddress {
    /// The host part (a range inside `range`) and the port of the universal address in `range` of
    /// `bytes`; nil when it is not one (an empty string, a local socket path, bad port bytes).
    public static func parse(_ bytes: UnsafeRawBufferPointer, _ range: ByteRange) -> (host: ByteRange, port: UInt16)? {
        guard range.offset >= 0, range.count > 0, range.end <= bytes.count else { return nil }
        var end = range.end
        var port: UInt16 = 0
        // p2 first (from the right), then p1
        for round in 0..<2 {
            let shift: UInt16 = round == 0 ? 0 : 8
            var value: UInt16 = 0
            var digits = 0
            var i = end - 1
            while i >= range.offset, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                digits += 1
                i -= 1
            }
            guard digits >= 1, digits <= 3, i > range.offset, bytes[i] == UInt8(ascii: ".") else { return nil }
            for k in (i + 1)..<end { value = value * 10 + UInt16(bytes[k] - UInt8(ascii: "0")) }
            guard value <= 255 else { return nil }
            port |= value << shift
            end = i
        }
        let host = ByteRange(offset: range.offset, count: end - range.offset)
        var colons = 0
        for k in host.offset..<host.end where bytes[k] == UInt8(ascii: ":") { colons += 1 }
        if colons == 0 {
            // IPv4: exactly four decimal parts, or the port bytes were not the last two
            var parts = 0
            var digits = 0
            for k in host.offset...host.end {
                if k == host.end || bytes[k] == UInt8(ascii: ".") {
                    guard digits >= 1, digits <= 3 else { return nil }
                    parts += 1
                    digits = 0
                } else if bytes[k] >= UInt8(ascii: "0"), bytes[k] <= UInt8(ascii: "9") {
                    digits += 1
                } else {
                    return nil
                }
            }
            guard parts == 4 else { return nil }
        } else {
            // IPv6 (RFC 4291 section 2.2 text, with a dotted IPv4 tail allowed)
            for k in host.offset..<host.end {
                switch bytes[k] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                     UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: ":"):
                    continue
                default:
                    return nil
                }
            }
        }
        return (host, port)
    }
}

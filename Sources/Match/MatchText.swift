import Decode

/// A value as the text a regular expression searches, written into a reused buffer: numbers in
/// decimal, addresses as `pktt show` writes them (Decode's own writers), names as they are,
/// strings and opaques as their bytes.
enum MatchText {
    static func withText<T>(_ v: MatchValue, _ buffer: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> T) -> T {
        buffer.removeAll(keepingCapacity: true)
        switch v {
        case .bytes(let b):
            return body(b)
        case .integer(let n), .bitmap(let n):
            appendDecimal(n, &buffer)
        case .boolean(let b):
            appendDecimal(b ? 1 : 0, &buffer)
        case .named, .enumerated:
            if let name = v.name { buffer.append(contentsOf: name.utf8) } else if let n = v.number { appendDecimal(n, &buffer) }
        case .real(let r):
            buffer.append(contentsOf: "\(r)".utf8)
        case .ip(let a):
            a.write(into: &buffer)
        case .link(let value, let length):
            MACAddress.write(value, bytes: length, into: &buffer)
        }
        return buffer.withUnsafeBytes(body)
    }

    static func appendDecimal(_ n: Int128, _ out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var m = n.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(m % 10))
            m /= 10
        } while m > 0
        out[start...].reverse()
    }
}

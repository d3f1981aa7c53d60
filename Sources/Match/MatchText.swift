import Decode

/// A value as the text a regular expression searches, written into a reused buffer: numbers in
/// decimal, addresses as `pktt show` writes them (dotted quad, RFC 5952, `aa:bb:…`), names as
/// they are, strings and opaques as their bytes.
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
            appendIP(a, &buffer)
        case .link(let value, let length):
            for i in (0..<max(0, min(length, 8))).reversed() {
                if buffer.count > 0 { buffer.append(UInt8(ascii: ":")) }
                appendHex(UInt64(truncatingIfNeeded: value >> (8 * UInt64(i))) & 0xff, width: 2, &buffer)
            }
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

    static func appendHex(_ n: UInt64, width: Int, _ out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        var shift = 60
        var started = false
        while shift >= 0 {
            let d = Int(n >> UInt64(shift) & 0xf)
            if d != 0 || started || shift < 4 * width {
                out.append(digits.utf8Start[d])
                started = true
            }
            shift -= 4
        }
    }

    /// The same text as `IPAddress.description`, without building a String.
    static func appendIP(_ a: IPAddress, _ out: inout [UInt8]) {
        func dotted(_ v: UInt32) {
            for i in 0..<4 {
                if i > 0 { out.append(UInt8(ascii: ".")) }
                appendDecimal(Int128(v >> UInt32(24 - 8 * i) & 0xff), &out)
            }
        }
        guard a.isIPv6 else { return dotted(a.ipv4) }
        if a.high == 0 && a.low >> 32 == 0xffff {
            out.append(contentsOf: "::ffff:".utf8)
            return dotted(UInt32(truncatingIfNeeded: a.low))
        }
        func group(_ i: Int) -> UInt64 { (i < 4 ? a.high : a.low) >> UInt64(48 - 16 * (i % 4)) & 0xffff }
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
        var i = 0
        while i < 8 {
            if i == bestStart {
                out.append(contentsOf: "::".utf8)
                i += bestLength
                continue
            }
            if let last = out.last, last != UInt8(ascii: ":") { out.append(UInt8(ascii: ":")) }
            appendHex(group(i), width: 1, &out)
            i += 1
        }
    }
}

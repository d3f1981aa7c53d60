import Decode

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Output text built in a reused byte buffer and written with one `write` per flush, so printing
/// a packet costs no allocation of its own (STYLE.md: JSON-line output).
public struct TextBuffer {
    public private(set) var bytes: [UInt8] = []
    let descriptor: Int32
    let flushAt: Int
    var jsonComma = false

    /// Text for `descriptor` (stdout by default), flushed whenever `flushAt` bytes are pending.
    public init(descriptor: Int32 = 1, flushAt: Int = 1 << 16) {
        self.descriptor = descriptor
        self.flushAt = flushAt
        bytes.reserveCapacity(min(flushAt, 1 << 20) + 4096)
    }

    @inline(__always)
    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    public mutating func append(byte: UInt8) { bytes.append(byte) }

    public mutating func append<T: BinaryInteger>(_ value: T) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDecimal(UInt64(clamping: value.magnitude))  // -Int64.min would overflow
        } else {
            appendDecimal(UInt64(value))
        }
    }

    mutating func appendDecimal(_ value: UInt64, minimumDigits: Int = 1) {
        if value < 10 && minimumDigits <= 1 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // digits from the right into a stack buffer, then one contiguous append (a slice of it
        // would take the generic element-by-element path)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var n = value
            var i = d.count
            let first = max(0, d.count - min(minimumDigits, d.count))
            repeat {
                i -= 1
                d[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0 || i > first
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
    }

    /// `0x` and `digits` lower-case hex digits, zero-padded.
    public mutating func appendHex(_ value: UInt64, digits: Int) {
        bytes.append(UInt8(ascii: "0"))
        bytes.append(UInt8(ascii: "x"))
        appendHexDigits(value, digits: digits)
    }

    public mutating func appendHexDigits(_ value: UInt64, digits: Int) {
        let hex: StaticString = "0123456789abcdef"
        var shift = (digits - 1) * 4
        while shift >= 0 {
            bytes.append(hex.utf8Start[Int((value >> UInt64(shift)) & 0xf)])
            shift -= 4
        }
    }

    /// `s` left-justified in `width` columns (the seed's `%-13s`).
    public mutating func append(_ s: String, paddedTo width: Int) {
        let start = bytes.count
        append(s)
        let written = bytes.count - start
        if written < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - written)) }
    }

    /// A JSON string literal with the escapes RFC 8259 requires.
    public mutating func appendJSONString(_ s: String) {
        var s = s
        s.withUTF8 { appendJSONString(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Bytes from the wire as a JSON string: quotes and control characters escaped, and bytes
    /// that are not UTF-8 replaced by U+FFFD (a JSON text is UTF-8, RFC 8259 section 8.1).
    public mutating func appendJSONString(bytes utf8: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        // most strings are plain ASCII with nothing to escape: one copy of the whole
        if !utf8.contains(where: { $0 < 0x20 || $0 >= 0x80 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
        } else {
            var text = utf8.contains(where: { $0 >= 0x80 }) ? String(decoding: utf8, as: UTF8.self) : ""
            if text.isEmpty {
                escape(utf8)
            } else {
                text.withUTF8 { escape(UnsafeRawBufferPointer($0)) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ utf8: UnsafeRawBufferPointer) {
        for c in utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(c)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(c)
            case 0x0a: append("\\n")
            case 0x0d: append("\\r")
            case 0x09: append("\\t")
            case 0..<0x20:
                append("\\u00")
                appendHexDigits(UInt64(c), digits: 2)
            default: bytes.append(c)
            }
        }
    }

    /// An IP address as a JSON string, written in place.
    public mutating func appendJSONAddress(_ address: IPAddress) {
        bytes.append(UInt8(ascii: "\""))
        address.write(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Drops spaces at the end of what was appended (padding with nothing after it).
    public mutating func trimTrailingSpaces() {
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
    }

    /// Forgets the last `count` bytes appended.
    public mutating func dropLast(_ count: Int) {
        bytes.removeLast(min(count, bytes.count))
    }

    /// Ends a line and writes the buffer out once enough is pending.
    public mutating func endLine() {
        bytes.append(0x0a)
        jsonComma = false
        if bytes.count >= flushAt { flush() }
    }

    /// Writes everything pending. Returns false when the descriptor refused (a closed pipe).
    /// The `errno` of the first write that failed (EPIPE: the reader went away; ENOSPC: a full
    /// disk), kept so that the program can say so instead of losing output in silence.
    public private(set) var writeError: Int32?

    @discardableResult
    public mutating func flush() -> Bool {
        var ok = true
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(descriptor, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    if writeError == nil { writeError = errno }
                    return
                }
                done += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
        return ok
    }

    /// Takes the text built so far (for tests and library callers) and empties the buffer.
    public mutating func take() -> String {
        defer { bytes.removeAll(keepingCapacity: true) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

// JSON members, written straight into the buffer. `jsonComma` says whether the object being
// written already has a member, so the next one needs a comma first.
extension TextBuffer {
    public mutating func jsonBeginObject() {
        if jsonComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        jsonComma = false
    }

    public mutating func jsonEndObject() {
        bytes.append(UInt8(ascii: "}"))
        jsonComma = true
    }

    public mutating func jsonBeginArray() {
        bytes.append(UInt8(ascii: "["))
        jsonComma = false
    }

    public mutating func jsonEndArray() {
        bytes.append(UInt8(ascii: "]"))
        jsonComma = true
    }

    /// `"name":` with a comma before it when needed; the caller writes the value.
    public mutating func key(_ name: String) {
        if jsonComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        append(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        jsonComma = true
    }

    public mutating func field<T: BinaryInteger>(_ name: String, _ value: T) {
        key(name)
        append(value)
    }

    // The common integer types without the generic: a caller in another module would otherwise
    // reach the generic one through its witness tables, per digit.
    public mutating func field(_ name: String, _ value: Int) {
        key(name)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude.asUInt64)
    }

    public mutating func field(_ name: String, _ value: Int64) {
        key(name)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(UInt64(value.magnitude))
    }

    public mutating func field(_ name: String, _ value: Int32) { field(name, Int64(value)) }
    public mutating func field(_ name: String, _ value: UInt32) {
        key(name)
        appendDecimal(UInt64(value))
    }

    public mutating func field(_ name: String, _ value: UInt16) {
        key(name)
        appendDecimal(UInt64(value))
    }

    public mutating func append(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude.asUInt64)
    }

    public mutating func field(_ name: String, _ value: String) {
        key(name)
        appendJSONString(value)
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        append(value ? "true" : "false")
    }

    /// `"name":{` with the members to follow, left open for the caller to close.
    public mutating func openObject(_ name: String) {
        key(name)
        bytes.append(UInt8(ascii: "{"))
        jsonComma = false
    }

    /// Starts the next JSON value afresh, after what is there (lines built one after another).
    public mutating func resetJSON() { jsonComma = false }

    /// Hands over the bytes appended so far without copying them; the buffer is empty after.
    public mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        // a fresh buffer as large as the last, so the next round of lines does not regrow it
        bytes = []
        if taken.capacity > 0 { bytes.reserveCapacity(taken.count) }
        jsonComma = false
        return taken
    }

    /// Forgets everything appended, the JSON state too (a buffer reused line after line).
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        jsonComma = false
    }

    /// `"name":{…}` with the members `body` writes.
    public mutating func object(_ name: String, _ body: (inout TextBuffer) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "{"))
        jsonComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        jsonComma = true
    }
}

extension UInt {
    fileprivate var asUInt64: UInt64 { UInt64(self) }
}

/// A strict check of one JSON line (RFC 8259): an object, nothing after it; valid UTF-8; strings
/// with no raw control characters, only the defined escapes and no unpaired surrogate; numbers
/// in JSON's own grammar; no key twice in one object. Returns the first problem with its byte
/// offset, and `event.kind` when the line has one (the daemon's events all do).
struct JSONLine {
    static let maximumDepth = 32

    /// Why the line is not JSON, or nil.
    private(set) var problem: String?
    /// `event.kind` (its string's bytes as written: the daemon's kinds need no escapes).
    private(set) var kind: String?

    private let bytes: [UInt8]
    private var at = 0

    init(_ line: ArraySlice<UInt8>) {
        bytes = Array(line)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            problem = "not valid UTF-8"
            return
        }
        space()
        guard peek == UInt8(ascii: "{") else {
            fail("a line is an object")
            return
        }
        value(depth: 0, path: [])
        space()
        if problem == nil && at < bytes.count { fail("bytes after the object") }
    }

    private var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func fail(_ what: String) {
        if problem == nil { problem = "\(what) at byte \(at)" }
        at = bytes.count
    }

    private mutating func space() {
        while let c = peek, c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a { at += 1 }
    }

    private mutating func expect(_ c: UInt8) -> Bool {
        guard peek == c else {
            fail("expected '\(Character(Unicode.Scalar(c)))'")
            return false
        }
        at += 1
        return true
    }

    /// `path`: the keys from the top, while they are "event" then "kind" (to find event.kind).
    private mutating func value(depth: Int, path: [String]) {
        guard depth < Self.maximumDepth else { return fail("nested deeper than \(Self.maximumDepth)") }
        space()
        guard let c = peek else { return fail("expected a value") }
        switch c {
        case UInt8(ascii: "{"): object(depth: depth, path: path)
        case UInt8(ascii: "["):
            at += 1
            space()
            if peek == UInt8(ascii: "]") { at += 1; return }
            while problem == nil {
                value(depth: depth + 1, path: [])
                space()
                if peek == UInt8(ascii: ",") { at += 1; continue }
                _ = expect(UInt8(ascii: "]"))
                return
            }
        case UInt8(ascii: "\""):
            let s = string()
            if path == ["event", "kind"] { kind = s }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): number()
        case UInt8(ascii: "t"): literal("true")
        case UInt8(ascii: "f"): literal("false")
        case UInt8(ascii: "n"): literal("null")
        default: fail("expected a value")
        }
    }

    private mutating func object(depth: Int, path: [String]) {
        at += 1
        space()
        if peek == UInt8(ascii: "}") { at += 1; return }
        var keys = Set<String>()
        while problem == nil {
            space()
            guard peek == UInt8(ascii: "\"") else { return fail("expected a key") }
            let start = at
            guard let key = string() else { return }
            guard keys.insert(key).inserted else {
                at = start
                return fail("key \"\(key)\" twice in one object")
            }
            space()
            guard expect(UInt8(ascii: ":")) else { return }
            let inner = (depth == 0 && key == "event") || (path == ["event"] && key == "kind") ? path + [key] : []
            value(depth: depth + 1, path: inner)
            space()
            if peek == UInt8(ascii: ",") { at += 1; continue }
            _ = expect(UInt8(ascii: "}"))
            return
        }
    }

    /// The string's raw bytes between the quotes (escapes checked, not decoded).
    private mutating func string() -> String? {
        at += 1
        let start = at
        while let c = peek {
            switch c {
            case UInt8(ascii: "\""):
                at += 1
                return String(decoding: bytes[start..<at - 1], as: UTF8.self)
            case UInt8(ascii: "\\"):
                at += 1
                guard let e = peek else { break }
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    at += 1
                case UInt8(ascii: "u"):
                    at += 1
                    guard let unit = hex4() else { return nil }
                    if (0xDC00...0xDFFF).contains(unit) { fail("an unpaired low surrogate"); return nil }
                    if (0xD800...0xDBFF).contains(unit) {
                        guard peek == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else {
                            fail("an unpaired high surrogate"); return nil
                        }
                        at += 2
                        guard let low = hex4() else { return nil }
                        guard (0xDC00...0xDFFF).contains(low) else { fail("a high surrogate without its low one"); return nil }
                    }
                default:
                    fail("an undefined escape")
                    return nil
                }
            case 0x00..<0x20:
                fail("a raw control character in a string")
                return nil
            default:
                at += 1
            }
        }
        fail("a string not closed")
        return nil
    }

    private mutating func hex4() -> UInt16? {
        var v: UInt16 = 0
        for _ in 0..<4 {
            guard let c = peek else { fail("a short \\u escape"); return nil }
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: fail("a bad \\u escape"); return nil
            }
            v = v << 4 | UInt16(d)
            at += 1
        }
        return v
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() {
        func digits() -> Int {
            let start = at
            while let c = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { at += 1 }
            return at - start
        }
        if peek == UInt8(ascii: "-") { at += 1 }
        if peek == UInt8(ascii: "0") {
            at += 1
        } else if digits() == 0 {
            return fail("a number without digits")
        }
        if peek == UInt8(ascii: ".") {
            at += 1
            if digits() == 0 { return fail("no digits after a decimal point") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            if digits() == 0 { return fail("no digits in an exponent") }
        }
        if let c = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { fail("a number with a leading zero") }
    }

    private mutating func literal(_ word: StaticString) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count, word.withUTF8Buffer({ $0.elementsEqual(bytes[at..<at + n]) }) else {
            return fail("expected \(word)")
        }
        at += n
    }
}

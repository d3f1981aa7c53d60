import Decode

/// One value a field or literal yields while an expression is judged on a packet. It holds no
/// storage of its own: bytes point into the message, a literal, or the scratch buffer, so
/// judging a packet allocates nothing.
enum MatchValue {
    case integer(Int128)
    case real(Double)
    /// A string, an opaque, a file handle, a stateid's `other`: compared as bytes.
    case bytes(UnsafeRawBufferPointer)
    case ip(IPAddress)
    case link(UInt64, length: Int)
    /// A value with a name: an XDR enum (`NFS4ERR_NOENT`, number 2), an RPC header name
    /// (`rpc.type` "reply", number 1), a bare word written in the expression (no number).
    case named(String?, Int128?)
    /// An NFSv4 bitmap4, words joined (word 0 lowest): a number, and `N in` it tests bit N.
    case bitmap(Int128)
    case boolean(Bool)

    /// An XDR enum value: its name is looked up only when a comparison needs it.
    case enumerated(Int64, table: UInt16)

    /// The number it stands for, when it has one.
    var number: Int128? {
        switch self {
        case .integer(let v), .bitmap(let v): v
        case .named(_, let v): v
        case .enumerated(let v, _): Int128(v)
        case .boolean(let b): b ? 1 : 0
        default: nil
        }
    }

    /// A value that has a name (or may have one).
    var isNamed: Bool {
        switch self {
        case .named, .enumerated: true
        default: false
        }
    }

    /// Its name, when it has one.
    var name: String? {
        switch self {
        case .named(let n, _): n
        case .enumerated(let v, let table): table == 0 ? nil : XDRCatalogue.name(table: table, value: v)
        default: nil
        }
    }

    /// Python's ordering of the two, or nil when they cannot be compared (never an error at run
    /// time: a packet whose field has an unexpected shape simply does not match).
    static func order(_ a: MatchValue, _ b: MatchValue) -> Int? {
        // numbers first: the common case, and no name is looked up for it
        if let x = a.number, let y = b.number { return x == y ? 0 : x < y ? -1 : 1 }
        // a name against a quoted word (case aside) or a bare word: equal or not
        if a.isNamed, case .bytes(let y) = b { return a.name.map { sameName($0, y) ? 0 : 1 } }
        if b.isNamed, case .bytes(let y) = a { return b.name.map { sameName($0, y) ? 0 : 1 } }
        if a.isNamed, case .named(let w?, nil) = b { return a.name.map { sameName($0, w) ? 0 : 1 } }
        if b.isNamed, case .named(let w?, nil) = a { return b.name.map { sameName($0, w) ? 0 : 1 } }
        switch (a, b) {
        case (.real(let x), _):
            guard let y = b.real else { return nil }
            return x < y ? -1 : x > y ? 1 : 0
        case (_, .real(let y)):
            guard let x = a.real else { return nil }
            return x < y ? -1 : x > y ? 1 : 0
        case (.bytes(let x), .bytes(let y)):
            return compareBytes(x, y)
        case (.ip(let x), .ip(let y)):
            guard x.isIPv6 == y.isIPv6 else { return 1 }
            return x == y ? 0 : x < y ? -1 : 1
        case (.link(let x, _), .link(let y, _)):
            return x == y ? 0 : x < y ? -1 : 1
        default:
            return nil
        }
    }

    var real: Double? {
        switch self {
        case .real(let v): v
        default: number.map { Double($0) }
        }
    }

    static func compareBytes(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let n = min(x.count, y.count)
        for i in 0..<n where x[i] != y[i] { return x[i] < y[i] ? -1 : 1 }
        return x.count == y.count ? 0 : x.count < y.count ? -1 : 1
    }

    static func sameName(_ name: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        for c in name.utf8 {
            guard i < bytes.count, lower(c) == lower(bytes[i]) else { return false }
            i += 1
        }
        return i == bytes.count
    }

    /// Names compare case aside (`RPC.type == REPLY` and `== reply` alike).
    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    /// `self in container` for a container that is one value: a bit of a bitmap, a run of bytes
    /// in bytes (Python's substring test), or plain equality for a field with one value each time.
    func isIn(_ container: MatchValue) -> Bool {
        switch (self, container) {
        case (_, .bitmap(let bits)):
            guard let n = number, n >= 0, n < 127 else { return false }
            return bits >> Int(n) & 1 == 1
        case (.bytes(let needle), .bytes(let hay)):
            return Self.contains(hay, needle)
        case (.bytes(let needle), .ip), (.bytes(let needle), .link):
            // NFStest's addresses are strings: `'10.1' in IP.src` is a substring test
            var text: [UInt8] = []
            return MatchText.withText(container, &text) { Self.contains($0, needle) }
        default:
            return Self.order(self, container) == 0
        }
    }

    static func contains(_ hay: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        guard needle.count <= hay.count else { return false }
        if needle.isEmpty { return true }
        for start in 0...(hay.count - needle.count) {
            var i = 0
            while i < needle.count && hay[start + i] == needle[i] { i += 1 }
            if i == needle.count { return true }
        }
        return false
    }
}

/// The value kinds a compiled operand may yield, known at compile time, for type checks.
struct MatchKinds: OptionSet, Sendable {
    let rawValue: UInt16
    static let integer = MatchKinds(rawValue: 1)
    static let real = MatchKinds(rawValue: 2)
    static let bytes = MatchKinds(rawValue: 4)
    static let ip = MatchKinds(rawValue: 8)
    static let link = MatchKinds(rawValue: 16)
    static let named = MatchKinds(rawValue: 32)
    static let bitmap = MatchKinds(rawValue: 64)
    static let boolean = MatchKinds(rawValue: 128)
    /// A field whose kind is only known from the packet (a program body field).
    static let any: MatchKinds = [.integer, .real, .bytes, .ip, .link, .named, .bitmap, .boolean]
    static let numeric: MatchKinds = [.integer, .real, .named, .bitmap, .boolean]
    /// What a program body field of no more precise type may hold on the tape.
    static let body: MatchKinds = [.integer, .named, .bytes, .bitmap, .boolean]

    /// What people call it in an error message.
    var words: String {
        if self == .any || self == .body { return "a value" }
        if contains(.ip) { return "an address" }
        if contains(.link) { return "a MAC address" }
        if contains(.named) && !contains(.bytes) { return "a named number" }
        if contains(.bytes) && isDisjoint(with: .numeric) { return "a string" }
        if contains(.real) && !contains(.integer) { return "a number of seconds" }
        return "a number"
    }
}

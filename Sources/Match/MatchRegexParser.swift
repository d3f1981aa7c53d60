// The pattern side of `MatchRegex`: a port of CPython's `re._parser` (3.11) for bytes patterns,
// restricted to what a linear-time automaton can match. It mirrors Python's tokenizer and parse
// loop closely so that the same patterns are accepted, the same ones refused, and errors name the
// same position (Python's `error.pos` + 1, a 1-based byte offset in the pattern).
//
// Recursion happens only at `(`, and group nesting is capped (`maximumNesting`), so a hostile
// pattern cannot exhaust the stack. Every node carries the number of instructions it compiles to,
// so a counted repetition that would expand past `maximumProgram` is refused before anything is
// built.

extension MatchRegex {
    /// Bounds on a pattern: larger ones are refused with "pattern too long" / "pattern too complex"
    /// / "too deeply nested".
    public enum Limits {
        /// Bytes of pattern text.
        public static let maximumPatternLength = 4_096
        /// `m` and `n` of `{m}`, `{m,}`, `{m,n}`, `{,n}`.
        public static let maximumRepeat = 1_000
        /// Instructions of the compiled program (counted repetitions are expanded).
        public static let maximumProgram = 20_000
        /// Groups inside groups.
        public static let maximumNesting = 100
    }

    /// 256 bits: which bytes a one-byte step accepts.
    struct ByteSet: Hashable, Sendable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

        init() {}
        init(_ bytes: some Sequence<UInt8>) { for b in bytes { insert(b) } }
        init(range: ClosedRange<UInt8>) { for b in range { insert(b) } }

        @inline(__always) func contains(_ b: UInt8) -> Bool {
            let bit = UInt64(1) &<< UInt64(b & 63)
            switch b >> 6 {
            case 0: return w0 & bit != 0
            case 1: return w1 & bit != 0
            case 2: return w2 & bit != 0
            default: return w3 & bit != 0
            }
        }

        mutating func insert(_ b: UInt8) {
            let bit = UInt64(1) &<< UInt64(b & 63)
            switch b >> 6 {
            case 0: w0 |= bit
            case 1: w1 |= bit
            case 2: w2 |= bit
            default: w3 |= bit
            }
        }

        mutating func formUnion(_ o: ByteSet) { w0 |= o.w0; w1 |= o.w1; w2 |= o.w2; w3 |= o.w3 }
        var inverted: ByteSet {
            var s = ByteSet(); s.w0 = ~w0; s.w1 = ~w1; s.w2 = ~w2; s.w3 = ~w3; return s
        }
        var count: Int { w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount }
        var isFull: Bool { w0 & w1 & w2 & w3 == ~0 }
        /// The only member when there is exactly one.
        var single: UInt8? {
            guard count == 1 else { return nil }
            if w0 != 0 { return UInt8(w0.trailingZeroBitCount) }
            if w1 != 0 { return UInt8(64 + w1.trailingZeroBitCount) }
            if w2 != 0 { return UInt8(128 + w2.trailingZeroBitCount) }
            return UInt8(192 + w3.trailingZeroBitCount)
        }

        @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

        /// Python's ASCII IGNORECASE: a byte matches when its lower case is the lower case of a
        /// member.
        var caseFolded: ByteSet {
            var lowered = ByteSet()
            for b in UInt8.min...UInt8.max where contains(b) { lowered.insert(Self.lower(b)) }
            var out = ByteSet()
            for b in UInt8.min...UInt8.max where lowered.contains(Self.lower(b)) { out.insert(b) }
            return out
        }

        static let digit = ByteSet(range: 0x30...0x39)
        static let space = ByteSet([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20])
        static let word: ByteSet = {
            var s = ByteSet(range: 0x30...0x39)
            s.formUnion(ByteSet(range: 0x41...0x5A))
            s.formUnion(ByteSet(range: 0x61...0x7A))
            s.insert(0x5F)
            return s
        }()
        static let all = ByteSet().inverted
        static let allButNewline: ByteSet = { var s = ByteSet([0x0A]); s = s.inverted; return s }()
    }

    /// Zero-width tests.
    enum Assertion: Int32, Sendable {
        /// `\A`, and `^` without MULTILINE.
        case begin
        /// `\Z`.
        case end
        /// `$` without MULTILINE: the end, or before a final newline.
        case endOrFinalNewline
        /// `^` with MULTILINE.
        case lineBegin
        /// `$` with MULTILINE.
        case lineEnd
        /// `\b`.
        case wordBoundary
        /// `\B`.
        case notWordBoundary
    }

    /// The parsed pattern. Consuming steps are byte sets with the flags (IGNORECASE, DOTALL)
    /// already applied; anchors are resolved for MULTILINE.
    indirect enum Node: Sendable {
        case empty
        case set(ByteSet)
        case assertion(Assertion)
        case concat([Node])
        case alternate([Node])
        /// `max` is nil for no upper bound.
        case repetition(Node, min: Int, max: Int?)
        /// A parenthesised group (kept so that `(?:a*)*` is not a "multiple repeat").
        case group(Node)
    }

    /// A node and the number of instructions it compiles to.
    struct Piece {
        var node: Node
        var size: Int
    }

    struct Flags: OptionSet {
        let rawValue: UInt8
        static let ignoreCase = Flags(rawValue: 1)
        static let multiline = Flags(rawValue: 2)
        static let dotAll = Flags(rawValue: 4)
        static let verbose = Flags(rawValue: 8)
        static let ascii = Flags(rawValue: 16)
    }

    /// Python's `Tokenizer`: a token is one byte, or a backslash and the byte after it.
    /// `next` is -1 at the end, the byte for a plain token, 256 + the byte for `\c`.
    struct Source {
        let bytes: [UInt8]
        var index = 0
        var next = -1

        init(_ bytes: [UInt8]) throws(MatchError) {
            self.bytes = bytes
            try advance()
        }

        mutating func advance() throws(MatchError) {
            guard index < bytes.count else { next = -1; return }
            let c = bytes[index]
            if c == 0x5C {
                guard index + 1 < bytes.count else {
                    throw MatchError(column: bytes.count, "bad escape (end of pattern)")
                }
                next = 256 + Int(bytes[index + 1])
                index += 2
            } else {
                next = Int(c)
                index += 1
            }
        }

        static func length(_ token: Int) -> Int { token < 0 ? 0 : token < 256 ? 1 : 2 }

        /// The position of `next` (0-based).
        var tell: Int { index - Self.length(next) }

        mutating func match(_ c: UInt8) throws(MatchError) -> Bool {
            if next == Int(c) { try advance(); return true }
            return false
        }

        mutating func get() throws(MatchError) -> Int {
            let t = next
            try advance()
            return t
        }

        mutating func seek(_ position: Int) throws(MatchError) {
            index = position
            try advance()
        }

        /// Python's `source.error(msg, offset)`: at `tell - offset`, reported 1-based.
        func error(_ message: String, offset: Int = 0) -> MatchError {
            MatchError(column: max(1, tell - offset + 1), message)
        }

        /// A token as Python prints it in a message (non-ASCII bytes as `\xNN`).
        static func text(_ token: Int) -> String {
            if token < 0 { return "" }
            if token >= 256 { return "\\" + text(token - 256) }
            let b = UInt8(token)
            if b >= 0x20 && b < 0x7F { return String(UnicodeScalar(b)) }
            let hex = String(b, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }

    struct Parser {
        var source: Source
        /// Flags given by `(?…)` at the start of the pattern.
        var globalFlags = Flags()
        /// Python's `state.groups`: 1 + capturing groups opened so far.
        var groups = 1
        var groupNames: [[UInt8]: Int] = [:]
        /// Largest node size: the whole program also has its final `match` instruction.
        let maximumSize = Limits.maximumProgram - 1

        init(_ pattern: [UInt8]) throws(MatchError) {
            if pattern.count > Limits.maximumPatternLength {
                throw MatchError(column: Limits.maximumPatternLength + 1,
                                 "pattern too long (more than \(Limits.maximumPatternLength) bytes)")
            }
            source = try Source(pattern)
        }

        /// The whole pattern: Python's `parse`.
        mutating func parse() throws(MatchError) -> Piece {
            let piece = try parseAlternation(flags: globalFlags, depth: 0)
            if source.next >= 0 {
                throw source.error("unbalanced parenthesis")
            }
            return piece
        }

        func tooComplex(_ position: Int) -> MatchError {
            MatchError(column: position + 1,
                       "pattern too complex (more than \(Limits.maximumProgram) instructions)")
        }

        /// `a|b|c`: Python's `_parse_sub`. `depth` is the number of enclosing groups.
        mutating func parseAlternation(flags: Flags, depth: Int) throws(MatchError) -> Piece {
            var flags = flags
            var items: [Piece] = []
            var size = 0
            while true {
                let item = try parseSequence(flags: &flags, depth: depth, first: depth == 0 && items.isEmpty)
                size += item.size + (items.isEmpty ? 0 : 2)
                if size > maximumSize { throw tooComplex(source.tell) }
                items.append(item)
                if !(try source.match(UInt8(ascii: "|"))) { break }
                if depth == 0 { flags = globalFlags }
            }
            if items.count == 1 { return items[0] }
            return Piece(node: .alternate(items.map(\.node)), size: size)
        }

        static func isDigit(_ t: Int) -> Bool { t >= 0x30 && t <= 0x39 }
        static func isOctal(_ t: Int) -> Bool { t >= 0x30 && t <= 0x37 }
        static func isHex(_ t: Int) -> Bool {
            isDigit(t) || (t >= 0x41 && t <= 0x46) || (t >= 0x61 && t <= 0x66)
        }
        static func isLetter(_ t: Int) -> Bool { (t >= 0x41 && t <= 0x5A) || (t >= 0x61 && t <= 0x7A) }
        static func hexValue(_ t: Int) -> Int {
            isDigit(t) ? t - 0x30 : (t | 0x20) - 0x61 + 10
        }

        static func literal(_ b: UInt8, _ flags: Flags) -> Node {
            let s = ByteSet([b])
            return .set(flags.contains(.ignoreCase) ? s.caseFolded : s)
        }

        /// A sequence of items: Python's `_parse`.
        mutating func parseSequence(flags: inout Flags, depth: Int, first: Bool) throws(MatchError) -> Piece {
            var items: [Piece] = []
            var size = 0

            func add(_ node: Node, _ nodeSize: Int) throws(MatchError) {
                size += nodeSize
                if size > maximumSize { throw tooComplex(source.tell) }
                items.append(Piece(node: node, size: nodeSize))
            }

            while true {
                let this = source.next
                if this < 0 || this == 0x7C || this == 0x29 { break }  // end, `|`, `)`
                try source.advance()

                if flags.contains(.verbose) {
                    if this == 0x20 || (this >= 0x09 && this <= 0x0D) { continue }
                    if this == 0x23 {  // `#` to the end of the line
                        while true {
                            let t = try source.get()
                            if t < 0 || t == 0x0A { break }
                        }
                        continue
                    }
                }

                if this >= 256 {
                    try add(try escape(this, flags: flags), 1)
                    continue
                }
                switch UInt8(this) {
                case UInt8(ascii: "["):
                    try add(.set(try characterClass(flags: flags)), 1)

                case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                    let here = source.tell
                    var minimum = 0
                    var maximum: Int? = nil
                    switch UInt8(this) {
                    case UInt8(ascii: "?"): maximum = 1
                    case UInt8(ascii: "+"): minimum = 1
                    case UInt8(ascii: "{"):
                        if source.next == 0x7D {  // `{}` is two literals
                            try add(Self.literal(0x7B, flags), 1)
                            continue
                        }
                        var lo = 0, loDigits = 0, hi = 0, hiDigits = 0
                        while Self.isDigit(source.next) {
                            lo = min(lo * 10 + (source.next - 0x30), 1_000_000)
                            loDigits += 1
                            try source.advance()
                        }
                        if try source.match(UInt8(ascii: ",")) {
                            while Self.isDigit(source.next) {
                                hi = min(hi * 10 + (source.next - 0x30), 1_000_000)
                                hiDigits += 1
                                try source.advance()
                            }
                        } else {
                            hi = lo
                            hiDigits = loDigits
                        }
                        if !(try source.match(UInt8(ascii: "}"))) {
                            try add(Self.literal(0x7B, flags), 1)
                            try source.seek(here)
                            continue
                        }
                        if loDigits > 0 { minimum = lo }
                        if hiDigits > 0 { maximum = hi }
                        if minimum > Limits.maximumRepeat || (maximum ?? 0) > Limits.maximumRepeat {
                            throw MatchError(column: here,
                                             "pattern too complex (repeat count above \(Limits.maximumRepeat))")
                        }
                        if let maximum, maximum < minimum {
                            throw source.error("min repeat greater than max repeat", offset: source.tell - here)
                        }
                    default: break  // `*`
                    }
                    let offset = source.tell - here + 1
                    guard let last = items.last else { throw source.error("nothing to repeat", offset: offset) }
                    switch last.node {
                    case .assertion: throw source.error("nothing to repeat", offset: offset)
                    case .repetition: throw source.error("multiple repeat", offset: offset)
                    default: break
                    }
                    if try source.match(UInt8(ascii: "?")) {
                        // Lazy: the same strings match, which is all a search needs.
                    } else if source.next == 0x2B {
                        throw MatchError(column: here,
                                         "not supported (possessive quantifier): no linear-time match")
                    }
                    let s = last.size
                    let repeatSize: Int
                    if let maximum {
                        repeatSize = minimum * s + (maximum - minimum) * (s + 1)
                    } else {
                        repeatSize = minimum == 0 ? s + 2 : minimum * s + 1
                    }
                    size += repeatSize - s
                    if size > maximumSize { throw tooComplex(here - 1) }
                    items[items.count - 1] = Piece(node: .repetition(last.node, min: minimum, max: maximum),
                                                   size: repeatSize)

                case UInt8(ascii: "."):
                    try add(.set(flags.contains(.dotAll) ? .all : .allButNewline), 1)

                case UInt8(ascii: "("):
                    let start = source.tell - 1
                    var capture = true
                    var name: [UInt8]? = nil
                    var turnOn = Flags(), turnOff = Flags()
                    if try source.match(UInt8(ascii: "?")) {
                        let char = try source.get()
                        if char < 0 { throw source.error("unexpected end of pattern") }
                        switch char {
                        case 0x50:  // `P`
                            if try source.match(UInt8(ascii: "<")) {
                                name = try groupName(terminator: 0x3E)
                            } else if try source.match(UInt8(ascii: "=")) {
                                throw MatchError(column: start + 1,
                                                 "not supported (backreference (?P=…)): no linear-time match")
                            } else {
                                let c = try source.get()
                                if c < 0 { throw source.error("unexpected end of pattern") }
                                throw source.error("unknown extension ?P" + Source.text(c),
                                                   offset: Source.length(c) + 2)
                            }
                        case 0x3A:  // `:`
                            capture = false
                        case 0x23:  // `#` comment
                            while true {
                                if source.next < 0 {
                                    throw source.error("missing ), unterminated comment",
                                                       offset: source.tell - start)
                                }
                                if try source.get() == 0x29 { break }
                            }
                            continue
                        case 0x3D, 0x21:  // `=`, `!`
                            throw MatchError(column: start + 1, "not supported (lookahead): no linear-time match")
                        case 0x3C:  // `<`
                            let c = try source.get()
                            if c < 0 { throw source.error("unexpected end of pattern") }
                            if c != 0x3D && c != 0x21 {
                                throw source.error("unknown extension ?<" + Source.text(c),
                                                   offset: Source.length(c) + 2)
                            }
                            throw MatchError(column: start + 1, "not supported (lookbehind): no linear-time match")
                        case 0x28:  // `(`
                            throw MatchError(column: start + 1,
                                             "not supported (conditional group): no linear-time match")
                        case 0x3E:  // `>`
                            throw MatchError(column: start + 1, "not supported (atomic group): no linear-time match")
                        default:
                            if char == 0x2D || Self.isPythonFlag(char) {
                                guard let scoped = try parseFlags(char) else {
                                    // Global flags: only at the very start.
                                    if !first || !items.isEmpty {
                                        throw source.error("global flags not at the start of the expression",
                                                           offset: source.tell - start)
                                    }
                                    flags = globalFlags
                                    continue
                                }
                                (turnOn, turnOff) = scoped
                                capture = false
                            } else {
                                throw source.error("unknown extension ?" + Source.text(char),
                                                   offset: Source.length(char) + 1)
                            }
                        }
                    }
                    if capture {
                        if let name {
                            if let earlier = groupNames[name] {
                                throw source.error("redefinition of group name '\(String(decoding: name, as: UTF8.self))' as group \(groups); was group \(earlier)",
                                                   offset: name.count + 1)
                            }
                            groupNames[name] = groups
                        }
                        groups += 1
                    }
                    if depth >= Limits.maximumNesting {
                        throw MatchError(column: start + 1,
                                         "too deeply nested (more than \(Limits.maximumNesting) groups)")
                    }
                    let inner = try parseAlternation(flags: flags.union(turnOn).subtracting(turnOff), depth: depth + 1)
                    if !(try source.match(UInt8(ascii: ")"))) {
                        throw source.error("missing ), unterminated subpattern", offset: source.tell - start)
                    }
                    try add(.group(inner.node), inner.size)

                case UInt8(ascii: "^"):
                    try add(.assertion(flags.contains(.multiline) ? .lineBegin : .begin), 1)

                case UInt8(ascii: "$"):
                    try add(.assertion(flags.contains(.multiline) ? .lineEnd : .endOrFinalNewline), 1)

                default:
                    try add(Self.literal(UInt8(this), flags), 1)
                }
            }
            switch items.count {
            case 0: return Piece(node: .empty, size: 0)
            case 1: return items[0]
            default: return Piece(node: .concat(items.map(\.node)), size: size)
            }
        }

        static func flag(_ token: Int) -> Flags? {
            switch token {
            case 0x69: return .ignoreCase  // i
            case 0x6D: return .multiline   // m
            case 0x73: return .dotAll      // s
            case 0x78: return .verbose     // x
            case 0x61: return .ascii       // a
            default: return nil
            }
        }

        /// A letter Python accepts in `(?…)`: `iLmsxatu`.
        static func isPythonFlag(_ token: Int) -> Bool {
            flag(token) != nil || token == 0x4C || token == 0x74 || token == 0x75
        }

        /// Refuses the flags Python knows but this engine does not take (`L`, `t`, and `u`,
        /// which Python refuses for bytes patterns); `source` is just after the letter.
        func checkSupported(_ token: Int) throws(MatchError) {
            switch token {
            case 0x4C: throw MatchError(column: source.tell, "not supported (locale flag L)")
            case 0x74: throw MatchError(column: source.tell, "not supported (template flag t)")
            case 0x75: throw source.error("bad inline flags: cannot use 'u' flag with a bytes pattern")
            default: break
            }
        }

        /// After `(?` and the first flag letter (or `-`): Python's `_parse_flags`. Returns nil for
        /// global flags `(?i)` (recorded in `globalFlags`), else the flags a scoped group
        /// `(?i-s:…)` turns on and off.
        mutating func parseFlags(_ first: Int) throws(MatchError) -> (Flags, Flags)? {
            var char = first
            var turnOn = Flags(), turnOff = Flags()
            if char != 0x2D {
                while true {
                    try checkSupported(char)
                    turnOn.formUnion(Self.flag(char) ?? [])
                    char = try source.get()
                    if char < 0 { throw source.error("missing -, : or )") }
                    if char == 0x29 || char == 0x2D || char == 0x3A { break }
                    if !Self.isPythonFlag(char) {
                        throw source.error(Self.isLetter(char) ? "unknown flag" : "missing -, : or )",
                                           offset: Source.length(char))
                    }
                }
            }
            if char == 0x29 {
                globalFlags.formUnion(turnOn)
                return nil
            }
            if char == 0x2D {
                char = try source.get()
                if char < 0 { throw source.error("missing flag") }
                if !Self.isPythonFlag(char) {
                    throw source.error(Self.isLetter(char) ? "unknown flag" : "missing flag",
                                       offset: Source.length(char))
                }
                while true {
                    if char == 0x61 || char == 0x75 || char == 0x4C {
                        throw source.error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'")
                    }
                    try checkSupported(char)
                    turnOff.formUnion(Self.flag(char) ?? [])
                    char = try source.get()
                    if char < 0 { throw source.error("missing :") }
                    if char == 0x3A { break }
                    if !Self.isPythonFlag(char) {
                        throw source.error(Self.isLetter(char) ? "unknown flag" : "missing :",
                                           offset: Source.length(char))
                    }
                }
            }
            if !turnOn.intersection(turnOff).isEmpty {
                throw source.error("bad inline flags: flag turned on and off", offset: 1)
            }
            return (turnOn, turnOff)
        }

        /// After `(?P<`: the name up to `>`, an ASCII identifier not used before.
        mutating func groupName(terminator: Int) throws(MatchError) -> [UInt8] {
            var name: [UInt8] = []
            var length = 0
            while true {
                let c = source.next
                try source.advance()
                if c < 0 {
                    if name.isEmpty { throw source.error("missing group name") }
                    throw source.error("missing >, unterminated name", offset: length)
                }
                if c == terminator {
                    if name.isEmpty { throw source.error("missing group name", offset: 1) }
                    break
                }
                if c >= 256 { name.append(0x5C); name.append(UInt8(c - 256)) } else { name.append(UInt8(c)) }
                length += Source.length(c)
            }
            let valid = name.enumerated().allSatisfy { i, b in
                b == 0x5F || Self.isLetter(Int(b)) || (i > 0 && Self.isDigit(Int(b)))
            }
            if !valid {
                let shown = name.map { Source.text(Int($0)) }.joined()
                throw source.error("bad character in group name '\(shown)'", offset: length + 1)
            }
            return name
        }

        /// An escape outside a class: Python's `_escape`.
        mutating func escape(_ token: Int, flags: Flags) throws(MatchError) -> Node {
            let c = token - 256
            let start = source.tell - 2
            switch c {
            case 0x41: return .assertion(.begin)            // \A
            case 0x5A: return .assertion(.end)              // \Z
            case 0x62: return .assertion(.wordBoundary)     // \b
            case 0x42: return .assertion(.notWordBoundary)  // \B
            case 0x64: return .set(.digit)                  // \d
            case 0x44: return .set(ByteSet.digit.inverted)  // \D
            case 0x73: return .set(.space)                  // \s
            case 0x53: return .set(ByteSet.space.inverted)  // \S
            case 0x77: return .set(.word)                   // \w
            case 0x57: return .set(ByteSet.word.inverted)   // \W
            default: break
            }
            if let b = Self.simpleEscape(c) { return Self.literal(b, flags) }
            if c == 0x78 {  // \xNN
                return Self.literal(try hexEscape(), flags)
            }
            if c == 0x30 {  // \0, \0N, \0NN
                var value = 0
                for _ in 0..<2 where Self.isOctal(source.next) {
                    value = value * 8 + (source.next - 0x30)
                    try source.advance()
                }
                return Self.literal(UInt8(value), flags)
            }
            if Self.isDigit(c) {
                // Three octal digits are an octal escape; anything else is a group reference.
                var digits = [c]
                if Self.isDigit(source.next) {
                    digits.append(source.next)
                    try source.advance()
                    if Self.isOctal(digits[0]) && Self.isOctal(digits[1]) && Self.isOctal(source.next) {
                        digits.append(source.next)
                        try source.advance()
                        let value = digits.reduce(0) { $0 * 8 + ($1 - 0x30) }
                        if value > 0o377 {
                            throw source.error("octal escape value \\\(Self.digitText(digits)) outside of range 0-0o377",
                                               offset: 4)
                        }
                        return Self.literal(UInt8(value), flags)
                    }
                }
                let group = digits.reduce(0) { $0 * 10 + ($1 - 0x30) }
                if group < groups {
                    throw MatchError(column: start + 1, "not supported (backreference \\\(group)): no linear-time match")
                }
                throw source.error("invalid group reference \(group)", offset: digits.count)
            }
            if Self.isLetter(c) {
                throw source.error("bad escape " + Source.text(token), offset: 2)
            }
            return Self.literal(UInt8(c), flags)
        }

        static func digitText(_ digits: [Int]) -> String {
            String(decoding: digits.map { UInt8($0) }, as: UTF8.self)
        }

        /// `\a \b \f \n \r \t \v \\` (`\b` only inside a class; the caller handles it first
        /// outside).
        static func simpleEscape(_ c: Int) -> UInt8? {
            switch c {
            case 0x61: return 0x07  // \a
            case 0x62: return 0x08  // \b
            case 0x66: return 0x0C  // \f
            case 0x6E: return 0x0A  // \n
            case 0x72: return 0x0D  // \r
            case 0x74: return 0x09  // \t
            case 0x76: return 0x0B  // \v
            case 0x5C: return 0x5C  // \\
            default: return nil
            }
        }

        /// After `\x`: exactly two hex digits.
        mutating func hexEscape() throws(MatchError) -> UInt8 {
            var value = 0, digits: [Int] = []
            for _ in 0..<2 where Self.isHex(source.next) {
                value = value * 16 + Self.hexValue(source.next)
                digits.append(source.next)
                try source.advance()
            }
            if digits.count != 2 {
                throw source.error("incomplete escape \\x" + Self.digitText(digits), offset: 2 + digits.count)
            }
            return UInt8(value)
        }

        enum ClassItem {
            case byte(UInt8)
            case category(ByteSet)
        }

        /// An escape inside a class: Python's `_class_escape`.
        mutating func classEscape(_ token: Int) throws(MatchError) -> ClassItem {
            let c = token - 256
            if let b = Self.simpleEscape(c) { return .byte(b) }
            switch c {
            case 0x64: return .category(.digit)
            case 0x44: return .category(ByteSet.digit.inverted)
            case 0x73: return .category(.space)
            case 0x53: return .category(ByteSet.space.inverted)
            case 0x77: return .category(.word)
            case 0x57: return .category(ByteSet.word.inverted)
            case 0x78: return .byte(try hexEscape())
            default: break
            }
            if Self.isOctal(c) {
                var digits = [c]
                for _ in 0..<2 where Self.isOctal(source.next) {
                    digits.append(source.next)
                    try source.advance()
                }
                let value = digits.reduce(0) { $0 * 8 + ($1 - 0x30) }
                if value > 0o377 {
                    throw source.error("octal escape value \\\(Self.digitText(digits)) outside of range 0-0o377",
                                       offset: 1 + digits.count)
                }
                return .byte(UInt8(value))
            }
            if Self.isDigit(c) || Self.isLetter(c) {
                throw source.error("bad escape " + Source.text(token), offset: 2)
            }
            return .byte(UInt8(c))
        }

        /// After `[`: Python's set parsing, into one byte set with IGNORECASE and negation
        /// applied.
        mutating func characterClass(flags: Flags) throws(MatchError) -> ByteSet {
            let here = source.tell - 1
            var set = ByteSet()
            var empty = true
            let negate = try source.match(UInt8(ascii: "^"))
            while true {
                let this = try source.get()
                if this < 0 { throw source.error("unterminated character set", offset: source.tell - here) }
                if this == 0x5D && !empty { break }
                let code1: ClassItem = this >= 256 ? try classEscape(this) : .byte(UInt8(this))
                empty = false
                if try source.match(UInt8(ascii: "-")) {
                    let that = try source.get()
                    if that < 0 { throw source.error("unterminated character set", offset: source.tell - here) }
                    if that == 0x5D {
                        switch code1 {
                        case .byte(let b): set.insert(b)
                        case .category(let s): set.formUnion(s)
                        }
                        set.insert(0x2D)
                        break
                    }
                    let code2: ClassItem = that >= 256 ? try classEscape(that) : .byte(UInt8(that))
                    let message = "bad character range " + Source.text(this) + "-" + Source.text(that)
                    let offset = Source.length(this) + 1 + Source.length(that)
                    guard case .byte(let lo) = code1, case .byte(let hi) = code2 else {
                        throw source.error(message, offset: offset)
                    }
                    if hi < lo { throw source.error(message, offset: offset) }
                    set.formUnion(ByteSet(range: lo...hi))
                } else {
                    switch code1 {
                    case .byte(let b): set.insert(b)
                    case .category(let s): set.formUnion(s)
                    }
                }
            }
            if flags.contains(.ignoreCase) { set = set.caseFolded }
            return negate ? set.inverted : set
        }
    }
}

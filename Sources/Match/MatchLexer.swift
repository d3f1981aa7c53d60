// The lexer of the match expression language: the text of an expression (Python expression
// syntax, as NFStest's users write it) cut into tokens, each with the 1-based column it starts at.
//
// Columns count Unicode scalars (not grapheme clusters): the lexer reads the text once as an
// array of scalars, so a column is an index into that array plus one, found in O(1). For ASCII
// text, which nearly every expression is, scalars, characters and bytes are the same thing.

/// One token of a match expression.
struct MatchToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A name, dotted or not (`NFS.argop` → ["NFS", "argop"]); never a keyword.
        case name([String])
        /// A Python keyword: `and or not in is True False None`, and the others, which the
        /// parser refuses by name (`lambda`, `if`, …).
        case keyword(String)
        /// An integer literal's value (decimal, `0x`, `0o`, `0b`, `_` separators, trailing `L`).
        case integer(Int128)
        /// A real number literal's value (`0.5`, `1e-3`).
        case real(Double)
        /// A string literal's bytes, escapes resolved (UTF-8 for characters outside ASCII).
        case string([UInt8])
        /// An operator or a punctuation mark, the supported ones and those refused by the parser
        /// with a message of their own (`+`, `*`, `=`, `<>`, `&&`, …).
        case symbol(String)
        /// The end of the text.
        case end
    }

    let kind: Kind
    /// The 1-based column (in Unicode scalars) of the token's first character.
    let column: Int
    /// The token as written, shortened to `MatchLexer.shownLength` scalars (for messages).
    let text: String
    /// Whether whitespace separates the token from the one before.
    let spaceBefore: Bool

    /// The token as an error message names it: quoted, or "the end of the expression". A string
    /// literal is shown as written, its own quotes included.
    var described: String {
        switch kind {
        case .end: return "the end of the expression"
        case .string: return text
        default: return "'\(text)'"
        }
    }

    func isSymbol(_ s: String) -> Bool {
        if case .symbol(let t) = kind { return t == s }
        return false
    }

    func isKeyword(_ k: String) -> Bool {
        if case .keyword(let t) = kind { return t == k }
        return false
    }
}

/// Cuts match-expression text into tokens, one at a time (`next()`), so that the first error in
/// the text, lexical or grammatical, is the one reported.
struct MatchLexer {
    /// Python's keywords: never names (`NFS.in` is refused).
    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ]

    /// Tokens longer than this are shown shortened (with "…") in error messages.
    static let shownLength = 40

    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// Every token of `text`, the final `.end` included (for tests and tools).
    static func tokens(_ text: String) throws(MatchError) -> [MatchToken] {
        var lexer = MatchLexer(text)
        var result: [MatchToken] = []
        while true {
            let token = try lexer.next()
            result.append(token)
            if token.kind == .end { return result }
        }
    }

    // MARK: - Tokens

    /// The next token, `.end` (again and again) at the end of the text.
    mutating func next() throws(MatchError) -> MatchToken {
        let n = scalars.count
        let before = index
        while index < n && Self.isSpace(scalars[index]) { index += 1 }
        let spaced = index > before
        guard index < n else {
            return MatchToken(kind: .end, column: n + 1, text: "", spaceBefore: spaced)
        }
        let start = index
        let c = scalars[start]
        if Self.isIdentifierStart(c) { return try word(spaced) }
        if Self.isDigit(c) || (c == "." && start + 1 < n && Self.isDigit(scalars[start + 1])) {
            return try number(spaced)
        }
        if c == "'" || c == "\"" { return try string(from: start, quote: start, raw: false, bytes: false, spaced) }
        if start + 1 < n {
            let pair = String(String.UnicodeScalarView([c, scalars[start + 1]]))
            if Self.twoCharacterSymbols.contains(pair) {
                index += 2
                return MatchToken(kind: .symbol(pair), column: start + 1, text: pair, spaceBefore: spaced)
            }
        }
        if c.isASCII && Self.oneCharacterSymbols.contains(UInt8(c.value)) {
            index += 1
            let s = String(Character(c))
            return MatchToken(kind: .symbol(s), column: start + 1, text: s, spaceBefore: spaced)
        }
        var message = "unexpected character \(Self.describe(c))"
        switch c {
        case "!": message += " (use 'not' to negate, '!=' to compare)"
        case "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}": message += " (quote strings with ' or \")"
        case "#": message += " (comments are not supported)"
        default: break
        }
        throw MatchError(column: start + 1, message)
    }

    private static let twoCharacterSymbols: Set<String> = [
        "==", "!=", "<=", ">=", "<<", ">>", "<>", "**", "//", "&&", "||",
    ]
    private static let oneCharacterSymbols: Set<UInt8> = Set("<>|^&~-+*/%@=()[]{},:;.".utf8)

    // MARK: - Names, keywords, string prefixes

    private mutating func word(_ spaced: Bool) throws(MatchError) -> MatchToken {
        let n = scalars.count
        let start = index
        let first = identifier()
        if index < n && (scalars[index] == "'" || scalars[index] == "\"") {
            switch first.lowercased() {
            case "r": return try string(from: start, quote: index, raw: true, bytes: false, spaced)
            case "b": return try string(from: start, quote: index, raw: false, bytes: true, spaced)
            case "u": return try string(from: start, quote: index, raw: false, bytes: false, spaced)
            case "rb", "br": return try string(from: start, quote: index, raw: true, bytes: true, spaced)
            case "f", "rf", "fr":
                throw MatchError(column: start + 1, "f-strings are not supported")
            default: break
            }
        }
        if Self.keywords.contains(first) {
            return MatchToken(kind: .keyword(first), column: start + 1, text: first, spaceBefore: spaced)
        }
        var parts = [first]
        while index < n && scalars[index] == "." {
            let partStart = index + 1
            guard partStart < n && Self.isIdentifierStart(scalars[partStart]) else {
                let found = partStart < n ? Self.describe(scalars[partStart]) : "the end of the expression"
                throw MatchError(column: partStart + 1,
                                 "expected a name after '\(shown(start, partStart))', found \(found)")
            }
            index = partStart
            let part = identifier()
            if Self.keywords.contains(part) {
                throw MatchError(column: partStart + 1,
                                 "'\(part)' is a keyword, not a name: it cannot be part of '\(shown(start, index))'")
            }
            parts.append(part)
        }
        return MatchToken(kind: .name(parts), column: start + 1, text: shown(start, index), spaceBefore: spaced)
    }

    /// `[A-Za-z_][A-Za-z0-9_]*` from `index` (which is at an identifier start).
    private mutating func identifier() -> String {
        let start = index
        while index < scalars.count && Self.isIdentifierPart(scalars[index]) { index += 1 }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }

    // MARK: - Numbers

    /// An integer (decimal, `0x`, `0o`, `0b`, `_` between digits, a trailing `L`) or a real
    /// number (`0.5`, `1.`, `.5`, `1e-3`, `1_0.2_5E+1`), at a digit or at a `.` before a digit.
    private mutating func number(_ spaced: Bool) throws(MatchError) -> MatchToken {
        let n = scalars.count
        let start = index
        if start + 1 < n && scalars[start] == "0" {
            switch scalars[start + 1] {
            case "x", "X": return try prefixedInteger(base: 16, kind: "hexadecimal", spaced)
            case "o", "O": return try prefixedInteger(base: 8, kind: "octal", spaced)
            case "b", "B": return try prefixedInteger(base: 2, kind: "binary", spaced)
            default: break
            }
        }
        // Python's decimal literals: digits ['.' digits] [('e' | 'E') ['+' | '-'] digits].
        var i = start
        let integerPart = i..<digitRun(from: &i)
        var fractionPart: Range<Int>?
        var exponentPart: Range<Int>?
        var exponentSign: Unicode.Scalar?
        if i < n && scalars[i] == "." {
            i += 1
            let fractionStart = i
            fractionPart = fractionStart..<digitRun(from: &i)
        }
        if i < n && (scalars[i] == "e" || scalars[i] == "E") {
            var j = i + 1
            if j < n && (scalars[j] == "+" || scalars[j] == "-") { exponentSign = scalars[j]; j += 1 }
            guard j < n && Self.isDigit(scalars[j]) else {
                throw MatchError(column: i + 1,
                                 "invalid decimal literal '\(literal(start, from: i))': the exponent has no digits")
            }
            i = j
            exponentPart = j..<digitRun(from: &i)
        }
        let isReal = fractionPart != nil || exponentPart != nil
        if !isReal && i < n && (scalars[i] == "L" || scalars[i] == "l")
            && !(i + 1 < n && Self.isIdentifierPart(scalars[i + 1])) {
            i += 1  // Python 2's long
        } else if i < n && (scalars[i] == "j" || scalars[i] == "J") {
            throw MatchError(column: start + 1, "complex numbers are not supported")
        } else if i < n && Self.isIdentifierPart(scalars[i]) {
            throw MatchError(column: i + 1,
                             "invalid decimal literal '\(literal(start, from: i))': unexpected \(Self.describe(scalars[i]))")
        }
        index = i
        let text = shown(start, i)
        for part in [integerPart, fractionPart, exponentPart] {
            if let part, let bad = misplacedUnderscore(part, afterPrefix: false) {
                throw MatchError(column: bad + 1, "invalid decimal literal '\(text)': '_' must separate digits")
            }
        }

        if isReal {
            var digits = ""
            func append(_ range: Range<Int>?) {
                for k in range ?? 0..<0 where scalars[k] != "_" { digits.unicodeScalars.append(scalars[k]) }
            }
            append(integerPart)
            digits += "."
            append(fractionPart)
            if digits == "." { digits = "0." }
            if exponentPart != nil {
                digits += "e"
                if let exponentSign { digits.unicodeScalars.append(exponentSign) }
                append(exponentPart)
            }
            guard let value = Double(digits), value.isFinite else {
                throw MatchError(column: start + 1, "real number literal too large")
            }
            return MatchToken(kind: .real(value), column: start + 1, text: text, spaceBefore: spaced)
        }
        let value = try accumulate(integerPart, base: 10, column: start + 1)
        if scalars[start] == "0" && value != 0 {
            throw MatchError(column: start + 1,
                             "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")
        }
        return MatchToken(kind: .integer(value), column: start + 1, text: text, spaceBefore: spaced)
    }

    /// `0x…`, `0o…`, `0b…` at `index`: digits of `base`, `_` between them or after the prefix, a
    /// trailing `L`.
    private mutating func prefixedInteger(base: Int128, kind: String, _ spaced: Bool) throws(MatchError) -> MatchToken {
        let n = scalars.count
        let start = index
        var end = start + 2
        while end < n && Self.isIdentifierPart(scalars[end]) { end += 1 }
        index = end
        let text = shown(start, end)
        var digitsEnd = end
        if scalars[end - 1] == "L" || scalars[end - 1] == "l" { digitsEnd -= 1 }
        let digits = (start + 2)..<digitsEnd
        for i in digits where scalars[i] != "_" {
            guard let d = Self.digitValue(scalars[i]), d < base else {
                throw MatchError(column: i + 1, "invalid \(kind) literal '\(text)': unexpected \(Self.describe(scalars[i]))")
            }
        }
        guard digits.contains(where: { scalars[$0] != "_" }) else {
            throw MatchError(column: start + 1, "invalid \(kind) literal '\(text)': no digits")
        }
        if let bad = misplacedUnderscore(digits, afterPrefix: true) {
            throw MatchError(column: bad + 1, "invalid \(kind) literal '\(text)': '_' must separate digits")
        }
        let value = try accumulate(digits, base: base, column: start + 1)
        return MatchToken(kind: .integer(value), column: start + 1, text: text, spaceBefore: spaced)
    }

    /// Moves `i` past `[0-9_]*`; returns where the run ends.
    private func digitRun(from i: inout Int) -> Int {
        while i < scalars.count && (Self.isDigit(scalars[i]) || scalars[i] == "_") { i += 1 }
        return i
    }

    /// The index of the first `_` that does not separate two digits (Python: `_` follows a digit,
    /// or a base prefix when `afterPrefix`, and a digit follows it), if any.
    private func misplacedUnderscore(_ range: Range<Int>, afterPrefix: Bool) -> Int? {
        for i in range where scalars[i] == "_" {
            let before = i > range.lowerBound ? scalars[i - 1] != "_" : afterPrefix
            let after = i + 1 < range.upperBound && scalars[i + 1] != "_"
            if !before || !after { return i }
        }
        return nil
    }

    /// The value of the (valid) digits in `range`, `_` skipped; too large for Int128 is an error.
    private func accumulate(_ range: Range<Int>, base: Int128, column: Int) throws(MatchError) -> Int128 {
        var value: Int128 = 0
        for i in range where scalars[i] != "_" {
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(Self.digitValue(scalars[i]) ?? 0)
            if o1 || o2 { throw MatchError(column: column, "integer literal too large") }
            value = s
        }
        return value
    }

    /// The literal from `start`, through the run of letters and digits at `i`, for a message.
    private func literal(_ start: Int, from i: Int) -> String {
        var end = i
        while end < scalars.count && Self.isIdentifierPart(scalars[end]) { end += 1 }
        return shown(start, end)
    }

    private static func digitValue(_ c: Unicode.Scalar) -> Int128? {
        switch c.value {
        case 0x30...0x39: return Int128(c.value - 0x30)
        case 0x41...0x46: return Int128(c.value - 0x41 + 10)
        case 0x61...0x66: return Int128(c.value - 0x61 + 10)
        default: return nil
        }
    }

    // MARK: - Strings

    /// A string literal whose prefix (if any) starts at `start` and whose opening quote is at
    /// `quote`. `raw`: backslashes are kept (and `\'` does not end the string); `bytes`: `\u`,
    /// `\U` and `\N` are not escapes.
    private mutating func string(from start: Int, quote q: Int, raw: Bool, bytes: Bool,
                                 _ spaced: Bool) throws(MatchError) -> MatchToken {
        let n = scalars.count
        let column = start + 1
        let quote = scalars[q]
        if q + 2 < n && scalars[q + 1] == quote && scalars[q + 2] == quote {
            throw MatchError(column: column, "triple-quoted strings are not supported")
        }
        var out: [UInt8] = []
        var i = q + 1
        while true {
            guard i < n else {
                throw MatchError(column: column, "unterminated string literal")
            }
            let c = scalars[i]
            if c == quote { i += 1; break }
            if c == "\n" || c == "\r" {
                throw MatchError(column: column, "unterminated string literal (a string cannot span lines)")
            }
            if c != "\\" {
                Unicode.UTF8.encode(c) { out.append($0) }
                i += 1
            } else {
                guard i + 1 < n else {
                    throw MatchError(column: column, "unterminated string literal")
                }
                let e = scalars[i + 1]
                if raw {
                    out.append(0x5C)
                    Unicode.UTF8.encode(e) { out.append($0) }
                    i += 2
                } else {
                    i = try escape(at: i, bytes: bytes, into: &out)
                }
            }
            if out.count > MatchLimits.maximumStringBytes {
                throw MatchError(column: column,
                                 "string literal longer than \(MatchLimits.maximumStringBytes) bytes")
            }
        }
        index = i
        return MatchToken(kind: .string(out), column: column, text: shown(start, i), spaceBefore: spaced)
    }

    /// Resolves the escape whose backslash is at `i` (a character follows it); returns the index
    /// after the escape.
    private func escape(at i: Int, bytes: Bool, into out: inout [UInt8]) throws(MatchError) -> Int {
        let n = scalars.count
        let e = scalars[i + 1]
        switch e {
        case "\n": return i + 2  // a backslash at the end of a line continues the string
        case "\r": return i + 2 < n && scalars[i + 2] == "\n" ? i + 3 : i + 2
        case "\\", "'", "\"": out.append(UInt8(e.value)); return i + 2
        case "a": out.append(0x07); return i + 2
        case "b": out.append(0x08); return i + 2
        case "f": out.append(0x0C); return i + 2
        case "n": out.append(0x0A); return i + 2
        case "r": out.append(0x0D); return i + 2
        case "t": out.append(0x09); return i + 2
        case "v": out.append(0x0B); return i + 2
        case "0"..."7":
            var value: UInt32 = 0
            var j = i + 1
            while j < n && j < i + 4, case 0x30...0x37 = scalars[j].value {
                value = value * 8 + (scalars[j].value - 0x30)
                j += 1
            }
            guard value <= 0o377 else {
                throw MatchError(column: i + 1, "invalid escape '\(shown(i, j))': an octal escape is at most \\377")
            }
            out.append(UInt8(value))
            return j
        case "x":
            guard i + 3 < n, let high = Self.digitValue(scalars[i + 2]), let low = Self.digitValue(scalars[i + 3]) else {
                throw MatchError(column: i + 1, "invalid escape '\\x': expected two hexadecimal digits after it")
            }
            out.append(UInt8(high * 16 + low))
            return i + 4
        case "u" where !bytes, "U" where !bytes:
            let count = e == "u" ? 4 : 8
            var value: UInt32 = 0
            for j in (i + 2)..<(i + 2 + count) {
                guard j < n, let d = Self.digitValue(scalars[j]) else {
                    throw MatchError(column: i + 1,
                                     "invalid escape '\\\(e)': expected \(count) hexadecimal digits after it")
                }
                value = value << 4 | UInt32(d)
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw MatchError(column: i + 1,
                                 "invalid escape '\(shown(i, i + 2 + count))': not a Unicode character")
            }
            Unicode.UTF8.encode(scalar) { out.append($0) }
            return i + 2 + count
        case "N" where !bytes:
            throw MatchError(column: i + 1, "named Unicode escapes ('\\N{…}') are not supported")
        default:
            // Python keeps an unknown escape as written: '192\.168' is 192\.168.
            out.append(0x5C)
            Unicode.UTF8.encode(e) { out.append($0) }
            return i + 2
        }
    }

    // MARK: - Characters

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c { case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": return true; default: return false }
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        switch c.value { case 0x41...0x5A, 0x61...0x7A, 0x5F: return true; default: return false }
    }

    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || isDigit(c) }

    /// A character as an error message names it: `'$'`, `'é' (U+00E9)`, or `U+0007` when it
    /// cannot be shown.
    static func describe(_ c: Unicode.Scalar) -> String {
        var hex = String(c.value, radix: 16, uppercase: true)
        if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
        let code = "U+" + hex
        if c == " " { return "a space" }
        if c.value < 0x20 || (c.value >= 0x7F && c.value <= 0xA0) || c.properties.isWhitespace
            || c.properties.generalCategory == .format || c.properties.generalCategory == .unassigned
            || c.properties.generalCategory == .surrogate || c.properties.generalCategory == .privateUse {
            return code
        }
        return c.isASCII ? "'\(Character(c))'" : "'\(Character(c))' (\(code))"
    }

    /// The text between two scalar indexes, shortened for a message.
    private func shown(_ from: Int, _ to: Int) -> String {
        let to = min(to, scalars.count)
        if to - from <= Self.shownLength {
            return String(String.UnicodeScalarView(scalars[from..<to]))
        }
        return String(String.UnicodeScalarView(scalars[from..<(from + Self.shownLength)])) + "…"
    }
}

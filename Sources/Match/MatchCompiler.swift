import Decode
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a syntax tree into predicates: resolves every name against the catalogues, checks that
/// what is compared can be compared, folds literals, compiles regular expressions, and works out
/// how deep packets must be decoded. Every refusal names the column it is about.
struct MatchCompiler {
    private(set) var depth = MatchDepth.transport
    /// A `record.*` field was named.
    private(set) var usesRecord = false
    /// The body leaves compiled so far (`MatchBodyLeaf`): their tests, constants, and number.
    private(set) var leaves = MatchLeafParts()
    /// Off: every comparison is judged on its own (tests compare the two ways).
    var leavesEnabled = true

    // MARK: - Conditions

    mutating func condition(_ s: MatchSyntax) throws(MatchError) -> MatchPredicate {
        switch s {
        case .or, .and:
            // chains of and/or are flattened without recursion: a 100 kB `a or b or …` is fine
            let isOr: Bool = if case .or = s { true } else { false }
            var terms: [MatchPredicate] = []
            var stack = [s]
            while let node = stack.popLast() {
                switch node {
                case .or(let a, let b, _) where isOr: stack += [b, a]
                case .and(let a, let b, _) where !isOr: stack += [b, a]
                default: terms.append(try condition(node))
                }
            }
            return isOr ? MatchOr(terms) : MatchAnd(terms)
        case .not(let a, _):
            return MatchNot(try condition(a))
        case .boolean(let b, _):
            return MatchConstantPredicate(b)
        case .compare(let op, let a, let b, let column):
            return try comparison(op, a, b, column: column)
        case .call(let name, let args, let column) where name == "re.search" || name == "re.match":
            guard args.count == 2 else {
                throw MatchError(column: column, "\(name)() takes a pattern and a field: \(name)(r'…', IP.src)")
            }
            let operand = try self.operand(args[1])
            return MatchRegexPredicate(try regex(args[0], anchored: name == "re.match"), operand, negated: false)
        case .name(let parts, let column):
            switch try MatchNames.resolve(parts, column: column) {
            case .layer(let layers, let d):
                depth = max(depth, d)
                return MatchLayerPredicate(layers)
            case .operand(let o, let d):
                depth = max(depth, d)
                if parts[0].lowercased() == "record" { usesRecord = true }
                return MatchTruthPredicate(o)
            case .word(let w):
                throw MatchError(column: column, "unknown name '\(w)': a field is written LAYER.name (NFS.status, IP.src)")
            }
        default:
            return MatchTruthPredicate(try operand(s))
        }
    }

    private mutating func comparison(_ op: MatchCompareOperator, _ a: MatchSyntax, _ b: MatchSyntax,
                                     column: Int) throws(MatchError) -> MatchPredicate {
        // FIELD == re('…'), re('…') == FIELD, and != for the negation
        if case .call("re", let args, _) = b { return try regexComparison(op, field: a, args: args, at: b) }
        if case .call("re", let args, _) = a { return try regexComparison(op, field: b, args: args, at: a) }
        var lhs = try operand(a)
        var rhs = try operand(b)
        if op == .isIn || op == .isNotIn {
            guard rhs is MatchListOperand || rhs.constant == nil || rhs.kinds == .bytes else {
                throw MatchError(column: rhs.column, "'\(op.rawValue)' needs a list, a field or a string on its right, not \(rhs.label)")
            }
            // `X in [..]` compares X with each element, so the elements are checked like `==`
            if let list = rhs as? MatchListOperand {
                var elements: [MatchOperand] = []
                for element in list.elements {
                    var e = element
                    try check(&lhs, &e)
                    elements.append(e)
                }
                rhs = MatchListOperand(elements, column: list.column)
            } else if lhs.constant != nil {
                try checkWord(lhs, against: rhs)
            }
            return leaf(MatchComparison(op, lhs, rhs))
        }
        try check(&lhs, &rhs)
        if let fast = Self.headerInteger(op, lhs, rhs) { return fast }
        return leaf(MatchComparison(op, lhs, rhs))
    }

    /// A body field against constants becomes a leaf, judged with the others in one pass over
    /// the tape; any other comparison stays as it is.
    private mutating func leaf(_ c: MatchComparison) -> MatchPredicate {
        let slot = leaves.leafCount
        guard leavesEnabled, let leaf = Self.leafTests(c.op, c.lhs, c.rhs, slot: slot) else { return c }
        for var t in leaf.parts.tests {
            t.first += UInt32(leaves.constants.count)
            t.firstWord += UInt32(leaves.words.count)
            leaves.tests.append(t)
        }
        leaves.constants += leaf.parts.constants
        leaves.words += leaf.parts.words
        leaves.leafCount += 1
        return MatchBodyLeaf(slot: slot, layer: leaf.layer, fallback: c, procedureFallback: leaf.procedure)
    }

    /// Checks that `a` and `b` can be compared, turning a quoted address into an address and
    /// checking a bare word against the names the other side can have.
    private func check(_ a: inout MatchOperand, _ b: inout MatchOperand) throws(MatchError) {
        try convertAddress(field: a, &b)
        try convertAddress(field: b, &a)
        try checkWord(b, against: a)
        try checkWord(a, against: b)
        guard Self.comparable(a.kinds, b.kinds) else {
            let (field, other) = a.constant == nil ? (a, b) : (b, a)
            throw MatchError(column: other.column, "\(field.label) is \(field.kinds.words): it cannot be compared with \(other.label)\(Self.hint(field.kinds))")
        }
    }

    /// The fast node for a single-valued integer header field against an integer literal.
    static func headerInteger(_ op: MatchCompareOperator, _ a: MatchOperand, _ b: MatchOperand) -> MatchPredicate? {
        func single(_ o: MatchOperand) -> HeaderField? {
            guard let h = o as? MatchHeaderOperand, !h.field.isRepeated,
                  h.field.type == .integer || h.field.type == .boolean else { return nil }
            return h.field
        }
        if let f = single(a), case .integer(let n)? = b.constant { return MatchHeaderIntegerComparison(f, op, n, flipped: false) }
        if let f = single(b), case .integer(let n)? = a.constant { return MatchHeaderIntegerComparison(f, op, n, flipped: true) }
        return nil
    }

    static func comparable(_ a: MatchKinds, _ b: MatchKinds) -> Bool {
        if !a.isDisjoint(with: .numeric.subtracting(.named)) && !b.isDisjoint(with: .numeric.subtracting(.named)) { return true }
        if a.contains(.named) && b.contains(.named) { return true }
        if a.contains(.named) && b.contains(.integer) || a.contains(.integer) && b.contains(.named) { return true }
        for k in [MatchKinds.bytes, .ip, .link] where a.contains(k) && b.contains(k) { return true }
        return a.contains(.named) && b.contains(.bytes) || a.contains(.bytes) && b.contains(.named)
    }

    static func hint(_ kinds: MatchKinds) -> String {
        if kinds.contains(.ip) { return " (write an address in quotes: '192.168.1.1')" }
        if kinds.contains(.link) { return " (write a MAC address in quotes: '00:11:22:33:44:55')" }
        if kinds == .bytes { return " (write a string in quotes)" }
        return ""
    }

    /// A quoted string compared with an address field becomes that address (IPv4, IPv6 or MAC).
    private func convertAddress(field: MatchOperand, _ other: inout MatchOperand) throws(MatchError) {
        guard field.constant == nil, !field.kinds.isDisjoint(with: [.ip, .link]),
              case .bytes(let text)? = other.constant else { return }
        let s = String(decoding: text, as: UTF8.self)
        let mac = (field as? MatchHeaderOperand).map { [.ethernetSrc, .ethernetDst, .sllAddress].contains($0.field) } ?? false
        if !mac, let ip = Self.ipAddress(s) {
            other = MatchConstantOperand(.ip(ip), column: other.column, label: other.label)
        } else if mac, let value = Self.macAddress(s) {
            other = MatchConstantOperand(.link(value, length: 6), column: other.column, label: other.label)
        } else {
            throw MatchError(column: other.column, "\(other.label) is not \(mac ? "a MAC" : "an IP") address (to match part of \(field.label), use \(field.label) == re('…'))")
        }
    }

    /// A bare word must be a name one of the other side's values can have.
    private func checkWord(_ word: MatchOperand, against field: MatchOperand) throws(MatchError) {
        guard case .name(let w)? = word.constant else { return }
        guard field.constant == nil else {
            throw MatchError(column: word.column, "unknown name '\(w)': a field is written LAYER.name (NFS.status, IP.src)")
        }
        if Self.knows(field, name: w) { return }
        throw MatchError(column: word.column, "unknown name '\(w)' for \(field.label)")
    }

    static func knows(_ field: MatchOperand, name: String) -> Bool {
        switch field {
        case let body as MatchBodyOperand:
            return body.ids.ids.contains { id in
                let table = XDRCatalogue.field(id).names
                return table != 0 && XDRCatalogue.value(table: table, name: name) != nil
            }
        case let op as MatchNFSOpOperand:
            if knows(op.compound, name: name) { return true }
            return (0...21).contains { XDRCatalogue.procedureName(program: 100_003, version: 3, procedure: UInt32($0)) == name
                || XDRCatalogue.procedureName(program: 100_003, version: 2, procedure: UInt32($0)) == name }
        case let header as MatchHeaderOperand:
            return MatchHeaderNumbers.names(header.field).contains { MatchValue.sameName($0, name) }
        case let list as MatchListOperand:
            return list.elements.contains { knows($0, name: name) }
        default:
            return false
        }
    }

    // MARK: - Operands

    mutating func operand(_ s: MatchSyntax) throws(MatchError) -> MatchOperand {
        switch s {
        case .name(let parts, let column):
            switch try MatchNames.resolve(parts, column: column) {
            case .operand(let o, let d):
                depth = max(depth, d)
                if parts[0].lowercased() == "record" { usesRecord = true }
                return o
            case .layer:
                throw MatchError(column: column, "\(parts[0]) is a layer: name one of its fields (\(parts[0]).…), or use it alone as a condition")
            case .word(let w):
                return MatchConstantOperand(.name(w), column: column, label: w)
            }
        case .integer(let v, let column):
            return MatchConstantOperand(.integer(v), column: column, label: String(v))
        case .real(let v, let column):
            return MatchConstantOperand(.real(v), column: column, label: String(v))
        case .string(let bytes, let column):
            return MatchConstantOperand(.bytes(bytes), column: column, label: Self.quoted(bytes))
        case .boolean(let b, let column):
            return MatchConstantOperand(.boolean(b), column: column, label: b ? "True" : "False")
        case .list(let elements, let column):
            var compiled: [MatchOperand] = []
            for e in elements { compiled.append(try operand(e)) }
            return MatchListOperand(compiled, column: column)
        case .bitwise(let op, let a, let b, let column):
            let x = try operand(a), y = try operand(b)
            for o in [x, y] where o.kinds.isDisjoint(with: .numeric) || o.constant.map({ if case .name = $0 { true } else { false } }) == true {
                throw MatchError(column: o.column, "'\(op.rawValue)' works on numbers, and \(o.label) is \(o.kinds.words)")
            }
            if case .integer(let i)? = x.constant, case .integer(let j)? = y.constant {
                guard let v = MatchBitwiseOperand.apply(op, i, j) else {
                    throw MatchError(column: column, "\(x.label) \(op.rawValue) \(y.label) has no value (a negative or too large shift)")
                }
                return MatchConstantOperand(.integer(v), column: x.column, label: String(v))
            }
            return MatchBitwiseOperand(op, x, y, column: column)
        case .unary(let op, let a, let column):
            let x = try operand(a)
            switch x.constant {
            case .integer(let i)?:
                guard let v = MatchUnaryOperand.apply(op, i) else {
                    throw MatchError(column: column, "\(op.rawValue)\(x.label) is too large")
                }
                return MatchConstantOperand(.integer(v), column: column, label: String(v))
            case .real(let r)? where op != .invert:
                return MatchConstantOperand(.real(op == .negate ? -r : r), column: column, label: String(op == .negate ? -r : r))
            default:
                guard !x.kinds.isDisjoint(with: .numeric), x.constant == nil else {
                    throw MatchError(column: column, "'\(op.rawValue)' works on numbers, and \(x.label) is \(x.kinds.words)")
                }
                return MatchUnaryOperand(op, x, column: column)
            }
        case .call(let name, let args, let column):
            switch name {
            case "crc32", "crc16":
                guard args.count == 1 else { throw MatchError(column: column, "\(name)() takes one field: \(name)(NFS.fh)") }
                let x = try operand(args[0])
                guard x.kinds.contains(.bytes) else {
                    throw MatchError(column: x.column, "\(name)() needs bytes (a file handle, a string), and \(x.label) is \(x.kinds.words)")
                }
                return MatchCRCOperand(wide: name == "crc32", x, column: column)
            case "re":
                throw MatchError(column: column, "re('…') is compared with a field: IP.src == re('…')")
            case "re.search", "re.match":
                throw MatchError(column: column, "\(name)() is a condition: it cannot be compared")
            default:
                throw MatchError(column: column, "unknown function '\(name)' (functions: re(), re.search(), re.match(), crc32(), crc16())")
            }
        case .or(_, _, let column), .and(_, _, let column), .not(_, let column), .compare(_, _, _, let column):
            throw MatchError(column: column, "a condition cannot be used as a value here; compare fields with values")
        }
    }

    // MARK: - Regular expressions

    private mutating func regexComparison(_ op: MatchCompareOperator, field: MatchSyntax, args: [MatchSyntax],
                                          at call: MatchSyntax) throws(MatchError) -> MatchPredicate {
        guard op == .equal || op == .notEqual else {
            throw MatchError(column: call.column, "re('…') is compared with '==' or '!=' only")
        }
        guard args.count == 1 else { throw MatchError(column: call.column, "re() takes one pattern: re(r'192\\.168\\..*')") }
        let operand = try self.operand(field)
        return MatchRegexPredicate(try regex(args[0], anchored: false), operand, negated: op == .notEqual)
    }

    private func regex(_ pattern: MatchSyntax, anchored: Bool) throws(MatchError) -> MatchRegex {
        guard case .string(let bytes, let column) = pattern else {
            throw MatchError(column: pattern.column, "a regular expression is a quoted string: r'…'")
        }
        do {
            return try MatchRegex(bytes, anchored: anchored)
        } catch {
            throw MatchError(column: column, "bad regular expression \(Self.quoted(bytes)) at byte \(error.column) of the pattern: \(error.message)")
        }
    }

    static func quoted(_ bytes: [UInt8]) -> String {
        var s = "'"
        for b in bytes.prefix(40) {
            if b == UInt8(ascii: "'") || b < 0x20 || b >= 0x7f {
                s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            } else {
                s.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return s + (bytes.count > 40 ? "…'" : "'")
    }

    // MARK: - Address literals

    static func ipAddress(_ s: String) -> IPAddress? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return IPAddress(ipv4: UInt32(bigEndian: v4.s_addr)) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, s, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 {
            high = high << 8 | UInt64(bytes[i])
            low = low << 8 | UInt64(bytes[i + 8])
        }
        return IPAddress(ipv6High: high, low: low)
    }

    static func macAddress(_ s: String) -> UInt64? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for p in parts {
            guard p.count >= 1, p.count <= 2, let b = UInt8(p, radix: 16) else { return nil }
            value = value << 8 | UInt64(b)
        }
        return value
    }
}

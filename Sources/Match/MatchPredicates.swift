import Decode

/// A compiled condition: true or false for a packet. Immutable once compiled.
class MatchPredicate: @unchecked Sendable {
    func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool { false }
}

final class MatchOr: MatchPredicate, @unchecked Sendable {
    let terms: [MatchPredicate]
    /// The same, unretained (`terms` keeps them): judging retains nothing.
    private let unretained: [Unmanaged<MatchPredicate>]
    init(_ terms: [MatchPredicate]) {
        self.terms = terms
        unretained = terms.map { Unmanaged.passUnretained($0) }
    }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        unretained.withUnsafeBufferPointer { terms in
            for term in terms where term._withUnsafeGuaranteedRef({ $0.test(p, t, &e) }) { return true }
            return false
        }
    }
}

final class MatchAnd: MatchPredicate, @unchecked Sendable {
    let terms: [MatchPredicate]
    private let unretained: [Unmanaged<MatchPredicate>]
    init(_ terms: [MatchPredicate]) {
        self.terms = terms
        unretained = terms.map { Unmanaged.passUnretained($0) }
    }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        unretained.withUnsafeBufferPointer { terms in
            for term in terms where !term._withUnsafeGuaranteedRef({ $0.test(p, t, &e) }) { return false }
            return true
        }
    }
}

final class MatchNot: MatchPredicate, @unchecked Sendable {
    let term: MatchPredicate
    init(_ term: MatchPredicate) { self.term = term }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool { !term.test(p, t, &e) }
}

final class MatchConstantPredicate: MatchPredicate, @unchecked Sendable {
    let value: Bool
    init(_ value: Bool) { self.value = value }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool { value }
}

/// A layer named alone (`NFS`, `tcp`): the packet has it.
final class MatchLayerPredicate: MatchPredicate, @unchecked Sendable {
    let layers: [Layer]
    init(_ layers: [Layer]) { self.layers = layers }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        for layer in layers where p.pointee.has(layer) { return true }
        return false
    }
}

/// An operand used as a condition (`TCP.flags.SYN and …`): any value Python would call true.
final class MatchTruthPredicate: MatchPredicate, @unchecked Sendable {
    let operand: MatchOperand
    init(_ operand: MatchOperand) { self.operand = operand }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        operand.any(p, t, &e) { v, _ in
            switch v {
            case .bytes(let b): !b.isEmpty
            case .real(let r): r != 0
            case .ip, .link: true
            case .named(let name, let number): number.map { $0 != 0 } ?? (name != nil)
            case .enumerated(let number, _): number != 0
            default: v.number.map { $0 != 0 } ?? false
            }
        }
    }
}

/// `a OP b`: holds when some value of `a` and some value of `b` satisfy it (the seed's flat
/// namespace: `NFS.status != 0` holds when any op failed). A field absent from the packet
/// yields nothing, so the comparison is false, as in the seed.
final class MatchComparison: MatchPredicate, @unchecked Sendable {
    let op: MatchCompareOperator
    let lhs: MatchOperand
    let rhs: MatchOperand

    init(_ op: MatchCompareOperator, _ lhs: MatchOperand, _ rhs: MatchOperand) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
    }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        switch op {
        case .isIn:
            return lhs.any(p, t, &e) { a, e in rhs.any(p, t, &e) { b, _ in Self.isIn(a, b, list: rhs) } }
        case .isNotIn:
            return lhs.any(p, t, &e) { a, e in !rhs.any(p, t, &e) { b, _ in Self.isIn(a, b, list: rhs) } }
        default:
            let op = self.op
            return lhs.any(p, t, &e) { a, e in
                rhs.any(p, t, &e) { b, _ in
                    guard let order = MatchValue.order(a, b) else { return false }
                    return Self.holds(op, order)
                }
            }
        }
    }

    /// `a in` one value of the right side: an element of a list literal is compared for
    /// equality; a field's value is a container (a bitmap's bits, a string's bytes).
    @inline(__always)
    static func isIn(_ a: MatchValue, _ b: MatchValue, list: MatchOperand) -> Bool {
        list is MatchListOperand ? MatchValue.order(a, b) == 0 : a.isIn(b)
    }

    @inline(__always)
    static func holds(_ op: MatchCompareOperator, _ order: Int) -> Bool {
        switch op {
        case .equal: order == 0
        case .notEqual: order != 0
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        case .isIn, .isNotIn: false
        }
    }
}

/// `HEADER_FIELD OP INTEGER` for a header field with one integer value (`TCP.flags.SYN == 1`,
/// `TCP.dst_port == 2049`, `RPC.xid == 0x1234`): the common rule, judged without closures.
final class MatchHeaderIntegerComparison: MatchPredicate, @unchecked Sendable {
    let field: HeaderField
    let op: MatchCompareOperator
    let constant: Int128
    let flipped: Bool

    /// `flipped`: the constant is on the left (`1 == TCP.flags.SYN`).
    init(_ field: HeaderField, _ op: MatchCompareOperator, _ constant: Int128, flipped: Bool) {
        self.field = field
        self.op = op
        self.constant = constant
        self.flipped = flipped
    }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        let v: Int128
        switch e.hasRecord ? field.value(at: p, message: e.message, record: e.record)
            : field.value(at: p, message: e.message, record: NoRecord()) {
        case .integer(let n): v = Int128(n)
        case .boolean(let b): v = b ? 1 : 0
        default: return false
        }
        let order = v == constant ? 0 : (v < constant) != flipped ? -1 : 1
        return MatchComparison.holds(op, order)
    }
}

/// `FIELD == re('…')` and `re.search('…', FIELD)`: the pattern found anywhere in the field's text
/// (`re.match` anchors it at the start). `negated` for `FIELD != re('…')`.
///
/// A search costs the text's length times the pattern's program size; a hostile peer chooses the
/// length (a 1 MB WRITE's data). So a search looks at most at the first `searchedBytes` bytes of
/// a field: about `MatchLimits.regexSteps` steps per search, and never fewer than 1 KiB.
final class MatchRegexPredicate: MatchPredicate, @unchecked Sendable {
    let regex: MatchRegex
    let operand: MatchOperand
    let negated: Bool
    let searchedBytes: Int

    init(_ regex: MatchRegex, _ operand: MatchOperand, negated: Bool) {
        self.regex = regex
        self.operand = operand
        self.negated = negated
        searchedBytes = max(1 << 10, MatchLimits.regexSteps / max(1, regex.programSize))
    }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        operand.any(p, t, &e) { v, e in
            let s = e.scratch
            let found = MatchText.withText(v, &s.pointee.text) { text in
                regex.search(UnsafeRawBufferPointer(rebasing: text.prefix(searchedBytes)), scratch: &s.pointee.regex)
            }
            return found != negated
        }
    }
}

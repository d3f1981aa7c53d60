/// The syntax tree of a match expression, as `MatchParser` builds it from the text and
/// `MatchCompiler` checks and compiles it. Every node knows the column it starts at, so that an
/// error found after parsing (an unknown field, a type mismatch) still names its place.
public indirect enum MatchSyntax: Sendable, Equatable {
    /// `a or b`
    case or(MatchSyntax, MatchSyntax, column: Int)
    /// `a and b`
    case and(MatchSyntax, MatchSyntax, column: Int)
    /// `not a`
    case not(MatchSyntax, column: Int)
    /// `a OP b` for `== != < <= > >= in` and `not in`; never chained (`a < b < c` is refused).
    case compare(MatchCompareOperator, MatchSyntax, MatchSyntax, column: Int)
    /// `a OP b` for `| ^ & << >>`.
    case bitwise(MatchBitwiseOperator, MatchSyntax, MatchSyntax, column: Int)
    /// `-a`, `~a`, `+a`.
    case unary(MatchUnaryOperator, MatchSyntax, column: Int)
    /// A dotted name as written: `NFS.argop` → ["NFS", "argop"], `TCP.flags.SYN`, or a bare
    /// word such as `NFS4ERR_NOENT` (one part), `True`/`False` are `.boolean`.
    case name([String], column: Int)
    /// An integer literal: decimal, `0x`, `0o`, `0b`, a trailing `L` accepted. Int128 holds every
    /// 64-bit value either signed or not; a larger literal is a syntax error.
    case integer(Int128, column: Int)
    /// A number with a fraction or exponent (`0.5`, `1e-3`): seconds, for `RPC.latency > 0.5`.
    case real(Double, column: Int)
    /// A quoted string (`'…'`, `"…"`, `r'…'`, `b'…'`) as bytes, escapes (`\xNN`…) resolved.
    case string([UInt8], column: Int)
    case boolean(Bool, column: Int)
    /// `[a, b, …]` (or a parenthesised tuple `(a, b)`).
    case list([MatchSyntax], column: Int)
    /// A call by its dotted name: `re('…')`, `re.search(r'…', IP.src)`, `crc32(NFS.fh)`, `crc16(…)`.
    case call(String, [MatchSyntax], column: Int)

    /// The 1-based column (in characters) the node starts at.
    public var column: Int {
        switch self {
        case .or(_, _, let c), .and(_, _, let c), .not(_, let c), .compare(_, _, _, let c),
             .bitwise(_, _, _, let c), .unary(_, _, let c), .name(_, let c), .integer(_, let c), .real(_, let c),
             .string(_, let c), .boolean(_, let c), .list(_, let c), .call(_, _, let c):
            return c
        }
    }
}

public enum MatchCompareOperator: String, Sendable, Equatable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case isIn = "in", isNotIn = "not in"

    /// The operator with its sides swapped (`1 < x` is `x > 1`).
    var flipped: MatchCompareOperator {
        switch self {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: self
        }
    }
}

public enum MatchBitwiseOperator: String, Sendable, Equatable {
    case or = "|", xor = "^", and = "&", shiftLeft = "<<", shiftRight = ">>"
}

public enum MatchUnaryOperator: String, Sendable, Equatable {
    case negate = "-", invert = "~", plus = "+"
}

/// Why an expression was refused: where (a 1-based column of the text) and what was expected.
/// `description` is the message `pktt` prints after `expression: `.
public struct MatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public let column: Int
    public let message: String

    public init(column: Int, _ message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}

/// Bounds on what an expression may be: a hostile or mistaken expression is refused early,
/// never parsed or compiled into unbounded work.
public enum MatchLimits {
    /// Characters of expression text (a 100 kB expression is still read).
    public static let maximumLength = 131_072
    /// Nesting of parentheses, lists, calls, `not`, unary operators, and the length of a chain of
    /// bitwise or comparison operators (each is a level of the tree). Chains of `and` and `or`
    /// are not nesting: the compiler flattens them, so they may be as long as the text allows.
    public static let maximumDepth = 200
    /// Elements of one list literal.
    public static let maximumListElements = 4_096
    /// Bytes of one string literal.
    public static let maximumStringBytes = 65_536
    /// Steps (bytes searched × pattern program size) one regular-expression search may take:
    /// past it, only a field's first bytes are searched (`MatchRegexPredicate`).
    public static let regexSteps = 1 << 24
}

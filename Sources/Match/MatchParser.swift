// The parser of the match expression language: Python's expression grammar, cut down to what a
// packet match needs, into a `MatchSyntax` tree. Lowest precedence first:
//
//     or_test    := and_test ('or' and_test)*              .or, left-associative
//     and_test   := not_test ('and' not_test)*             .and
//     not_test   := 'not' not_test | comparison            .not
//     comparison := bor (compop bor)?                      .compare, never chained
//     bor        := bxor ('|' bxor)*                       .bitwise
//     bxor       := band ('^' band)*
//     band       := shift ('&' shift)*
//     shift      := unary (('<<' | '>>') unary)*
//     unary      := ('-' | '~' | '+') unary | primary      .unary
//     primary    := NAME ('.' NAME)* ['(' args ')'] | INTEGER | REAL | STRING+ | True | False
//                 | '[' list ']' | '(' expr ')' | '(' list ')'
//
// The binary levels are parsed by precedence climbing, chains of `and`/`or` and runs of prefix
// operators in loops, so that the parser recurses only where the tree nests. Every level that
// nests (parentheses, lists, calls, `not`, a unary operator, each operator of a bitwise chain,
// a comparison) counts against `MatchLimits.maximumDepth`; chains of `and`/`or` do not (the
// compiler flattens them), and a chain of thousands of them is parsed in one loop. The recursion
// of the parser is thus bounded by a constant times `maximumDepth`, whatever the text.
//
// Columns are 1-based and count Unicode scalars (see MatchLexer.swift).

public enum MatchParser {
    /// The syntax tree of `text`, or the first error in it (lexical or grammatical), with its
    /// column.
    public static func parse(_ text: String) throws(MatchError) -> MatchSyntax {
        try checkLength(text)
        var parser = try Parser(text)
        return try parser.parseExpression()
    }

    /// Refuses text longer than `MatchLimits.maximumLength` (Unicode scalars) before any work.
    static func checkLength(_ text: String) throws(MatchError) {
        let limit = MatchLimits.maximumLength
        let bytes = text.utf8.count
        guard bytes > limit else { return }  // never more scalars than UTF-8 bytes
        // A scalar is at most four bytes; else count them (at most 4 × limit bytes to read).
        if bytes > 4 * limit || text.unicodeScalars.count > limit {
            throw MatchError(column: 1, "the expression is longer than \(limit) characters")
        }
    }
}

/// The messages' list of what is supported, for an unsupported operator.
private let supportedOperators = "supported: == != < <= > >= in, not in, and or not, | ^ & << >>"

private struct Parser {
    private var lexer: MatchLexer
    /// The current token (one token of lookahead).
    private var token: MatchToken
    /// The token before, for "after '=='" in messages.
    private var previous: MatchToken?
    /// The nesting level of what is being parsed (see the file's comment).
    private var depth = 0

    init(_ text: String) throws(MatchError) {
        lexer = MatchLexer(text)
        token = try lexer.next()
    }

    private mutating func advance() throws(MatchError) {
        previous = token
        token = try lexer.next()
    }

    /// One level deeper, at the token in `column`.
    private mutating func enter(_ column: Int) throws(MatchError) {
        depth += 1
        if depth > MatchLimits.maximumDepth {
            throw MatchError(column: column, "nested too deep (more than \(MatchLimits.maximumDepth) levels)")
        }
    }

    // MARK: - Expressions

    mutating func parseExpression() throws(MatchError) -> MatchSyntax {
        if token.kind == .end {
            throw MatchError(column: 1, "expected an expression")
        }
        let expression = try parseBinary(0)
        guard token.kind == .end else {
            throw MatchError(column: token.column, "unexpected \(token.described) after the end of the expression")
        }
        return expression
    }

    /// The binary operators' precedences: Python's, `not` (a prefix operator) sitting at 3.
    private enum Binary {
        case or, and
        case compare(MatchCompareOperator)
        case bitwise(MatchBitwiseOperator, precedence: Int)

        var precedence: Int {
            switch self {
            case .or: return 1
            case .and: return 2
            case .compare: return 4
            case .bitwise(_, let p): return p
            }
        }
    }

    /// `not_test` may stand where the precedence asked for is at most this.
    private static let notPrecedence = 3

    private func binaryOperator(_ t: MatchToken) -> Binary? {
        switch t.kind {
        case .keyword("or"): return .or
        case .keyword("and"): return .and
        case .keyword("in"): return .compare(.isIn)
        case .keyword("not"): return .compare(.isNotIn)  // must be followed by `in`
        case .symbol("=="): return .compare(.equal)
        case .symbol("!="): return .compare(.notEqual)
        case .symbol("<"): return .compare(.less)
        case .symbol("<="): return .compare(.lessOrEqual)
        case .symbol(">"): return .compare(.greater)
        case .symbol(">="): return .compare(.greaterOrEqual)
        case .symbol("|"): return .bitwise(.or, precedence: 5)
        case .symbol("^"): return .bitwise(.xor, precedence: 6)
        case .symbol("&"): return .bitwise(.and, precedence: 7)
        case .symbol("<<"): return .bitwise(.shiftLeft, precedence: 8)
        case .symbol(">>"): return .bitwise(.shiftRight, precedence: 8)
        default: return nil
        }
    }

    /// An expression whose binary operators all have at least `minimum` precedence
    /// (precedence climbing): `parseBinary(0)` is a whole `or_test`.
    private mutating func parseBinary(_ minimum: Int) throws(MatchError) -> MatchSyntax {
        var lhs = try parseOperand(minimum)
        let depthBefore = depth
        defer { depth = depthBefore }
        var compared = false
        while true {
            try refuseUnsupportedOperator()
            guard let op = binaryOperator(token), op.precedence >= minimum else { return lhs }
            let column = token.column
            try advance()
            switch op {
            case .or, .and:
                // The whole chain at once. A long one is built balanced: a 100 kB `a or b or …`
                // makes a tree of depth log2(terms), which no stack minds tearing down or
                // comparing. A short one stays left-associative, as Python writes it.
                let isOr = op.precedence == Binary.or.precedence
                let keyword = isOr ? "or" : "and"
                var terms = [lhs]
                var columns = [column]
                while true {
                    terms.append(try parseBinary(isOr ? Binary.and.precedence : Self.notPrecedence))
                    try refuseUnsupportedOperator()
                    guard token.isKeyword(keyword) else { break }
                    columns.append(token.column)
                    try advance()
                }
                lhs = Self.balanced(terms[...], columns[...], isOr: isOr)
            case .compare(let compare):
                if compared {
                    throw MatchError(column: column, "chained comparisons are not supported; join them with 'and'")
                }
                if compare == .isNotIn {
                    guard token.isKeyword("in") else {
                        throw MatchError(column: token.column, "expected 'in' after 'not', found \(token.described)")
                    }
                    try advance()
                }
                compared = true
                try enter(column)
                lhs = .compare(compare, lhs, try parseBinary(op.precedence + 1), column: column)
            case .bitwise(let bitwise, let precedence):
                try enter(column)
                lhs = .bitwise(bitwise, lhs, try parseBinary(precedence + 1), column: column)
            }
        }
    }

    /// Chains up to this many terms are left-associative trees; longer ones balanced.
    static let leftAssociativeTerms = 16

    /// `terms` joined by `or` (or `and`), `columns[i]` the column of the operator after
    /// `terms[i]`, as a tree whose in-order leaves are the terms in order: left-associative when
    /// short, balanced (halves of at most `leftAssociativeTerms`, left-associated) when long.
    private static func balanced(_ terms: ArraySlice<MatchSyntax>, _ columns: ArraySlice<Int>,
                                 isOr: Bool) -> MatchSyntax {
        if terms.count == 1 { return terms[terms.startIndex] }
        if terms.count <= Self.leftAssociativeTerms {
            var tree = terms[terms.startIndex]
            for (term, column) in zip(terms.dropFirst(), columns) {
                tree = isOr ? .or(tree, term, column: column) : .and(tree, term, column: column)
            }
            return tree
        }
        let half = terms.count / 2
        let split = terms.startIndex + half
        let left = balanced(terms[..<split], columns[columns.startIndex..<(columns.startIndex + half - 1)], isOr: isOr)
        let right = balanced(terms[split...], columns[(columns.startIndex + half)...], isOr: isOr)
        let column = columns[columns.startIndex + half - 1]
        return isOr ? .or(left, right, column: column) : .and(left, right, column: column)
    }

    /// Where a binary operator may stand (after a complete operand), refuses Python's operators
    /// and trailers that the language does not have, each with a message of its own.
    private func refuseUnsupportedOperator() throws(MatchError) {
        let column = token.column
        switch token.kind {
        case .symbol("+"), .symbol("-"), .symbol("*"), .symbol("/"), .symbol("//"), .symbol("%"),
             .symbol("**"), .symbol("@"):
            throw MatchError(column: column, "the operator \(token.described) is not supported (\(supportedOperators))")
        case .symbol("="):
            throw MatchError(column: column,
                             "expected '==' to compare, found '=' (assignments and keyword arguments are not supported)")
        case .symbol("<>"):
            throw MatchError(column: column, "the operator '<>' is not supported; use '!='")
        case .symbol("&&"):
            throw MatchError(column: column, "the operator '&&' is not supported; use 'and'")
        case .symbol("||"):
            throw MatchError(column: column, "the operator '||' is not supported; use 'or'")
        case .keyword("is"):
            throw MatchError(column: column, "the operator 'is' is not supported; use '==' or '!='")
        case .keyword("if"):
            throw MatchError(column: column, "conditional expressions ('if … else …') are not supported")
        case .symbol("["):
            throw MatchError(column: column, "subscripts ('[' after a value) are not supported")
        case .symbol("("):
            throw MatchError(column: column, "unexpected '(': only a function name can be called")
        case .symbol("."):
            if token.spaceBefore, case .name? = previous?.kind {
                throw MatchError(column: column, "unexpected '.': a dotted name cannot have spaces around '.'")
            }
            throw MatchError(column: column, "attribute access ('.') is only supported in dotted names")
        default:
            return
        }
    }

    /// An operand of a binary operator of precedence `minimum`: `not …` where `not_test` may
    /// stand, else a unary expression.
    private mutating func parseOperand(_ minimum: Int) throws(MatchError) -> MatchSyntax {
        guard token.isKeyword("not"), minimum <= Self.notPrecedence else { return try parseUnary() }
        var columns: [Int] = []
        while token.isKeyword("not") {
            try enter(token.column)
            columns.append(token.column)
            try advance()
        }
        var operand = try parseBinary(Binary.compare(.equal).precedence)
        for column in columns.reversed() { operand = .not(operand, column: column) }
        depth -= columns.count
        return operand
    }

    /// `('-' | '~' | '+')* primary`, the run of prefix operators read in a loop.
    private mutating func parseUnary() throws(MatchError) -> MatchSyntax {
        var operators: [(MatchUnaryOperator, Int)] = []
        while case .symbol(let s) = token.kind, let op = MatchUnaryOperator(rawValue: s) {
            try enter(token.column)
            operators.append((op, token.column))
            try advance()
        }
        var operand = try parsePrimary()
        for (op, column) in operators.reversed() { operand = .unary(op, operand, column: column) }
        depth -= operators.count
        return operand
    }

    // MARK: - Primaries

    private mutating func parsePrimary() throws(MatchError) -> MatchSyntax {
        let start = token
        switch start.kind {
        case .name(let parts):
            try advance()
            guard token.isSymbol("(") else { return .name(parts, column: start.column) }
            let arguments = try parseSequence(closing: ")", tooMany: "'\(start.text)' has more than \(MatchLimits.maximumListElements) arguments")
            return .call(parts.joined(separator: "."), arguments, column: start.column)
        case .integer(let value):
            try advance()
            return .integer(value, column: start.column)
        case .real(let value):
            try advance()
            return .real(value, column: start.column)
        case .string(var bytes):
            try advance()
            while case .string(let more) = token.kind {  // 'a' 'b' is 'ab', as in Python
                bytes += more
                if bytes.count > MatchLimits.maximumStringBytes {
                    throw MatchError(column: start.column,
                                     "string literal longer than \(MatchLimits.maximumStringBytes) bytes")
                }
                try advance()
            }
            return .string(bytes, column: start.column)
        case .keyword("True"):
            try advance()
            return .boolean(true, column: start.column)
        case .keyword("False"):
            try advance()
            return .boolean(false, column: start.column)
        case .keyword("None"):
            throw MatchError(column: start.column, "'None' is not supported (compare with a number, string or list)")
        case .keyword("lambda"):
            throw MatchError(column: start.column, "lambda expressions are not supported")
        case .symbol("["):
            let elements = try parseSequence(closing: "]", tooMany: "the list has more than \(MatchLimits.maximumListElements) elements")
            return .list(elements, column: start.column)
        case .symbol("("):
            return try parseParenthesis()
        case .symbol("{"):
            throw MatchError(column: start.column, "sets and dictionaries ('{') are not supported; use a list '[…]'")
        default:
            throw expectedValue()
        }
    }

    /// The error for a missing operand: what was expected, after what, and what was found.
    private func expectedValue() -> MatchError {
        var message = "expected a value (a field name, number, string or list)"
        if let previous { message += " after \(previous.described)" }
        message += ", found \(token.described)"
        return MatchError(column: token.column, message)
    }

    /// `( )` (an empty list), `( expr )`, or a tuple `( expr , … )` (a list).
    private mutating func parseParenthesis() throws(MatchError) -> MatchSyntax {
        let open = token
        try enter(open.column)
        try advance()
        if token.isSymbol(")") {
            try advance()
            depth -= 1
            return .list([], column: open.column)
        }
        let first = try parseBinary(0)
        if token.isSymbol(")") {
            try advance()
            depth -= 1
            return first
        }
        guard token.isSymbol(",") else {
            throw MatchError(column: token.column,
                             "expected ')' to close the '(' at column \(open.column), found \(token.described)")
        }
        try advance()
        var elements = [first]
        try parseElements(closing: ")", opening: open, tooMany: "the tuple has more than \(MatchLimits.maximumListElements) elements", into: &elements)
        depth -= 1
        return .list(elements, column: open.column)
    }

    /// `[ a, b, … ]` or `( a, b, … )` at the opening token: the elements (a trailing comma
    /// allowed).
    private mutating func parseSequence(closing: String, tooMany: String) throws(MatchError) -> [MatchSyntax] {
        let open = token
        try enter(open.column)
        try advance()
        var elements: [MatchSyntax] = []
        try parseElements(closing: closing, opening: open, tooMany: tooMany, into: &elements)
        depth -= 1
        return elements
    }

    /// Elements up to and including the closing token; the current token starts an element or
    /// closes (the opening bracket, or a comma, read).
    private mutating func parseElements(closing: String, opening open: MatchToken, tooMany: String,
                                        into elements: inout [MatchSyntax]) throws(MatchError) {
        while true {
            if token.isSymbol(closing) {
                try advance()
                return
            }
            if elements.count >= MatchLimits.maximumListElements {
                throw MatchError(column: token.column, tooMany)
            }
            elements.append(try parseBinary(0))
            if token.isSymbol(",") {
                try advance()
                continue
            }
            guard token.isSymbol(closing) else {
                throw MatchError(column: token.column,
                                 "expected ',' or '\(closing)' to close the '\(open.text)' at column \(open.column), found \(token.described)")
            }
        }
    }
}

// The match expression parser: precedence, every literal form, escapes, lists and calls, every
// error with its column, the limits (depth, length, list and string sizes), long `or` chains, and
// fuzzed text that must give a tree or a MatchError, never a crash.
import Testing
@testable import Match

// MARK: - Helpers

private func parse(_ text: String) -> MatchSyntax? {
    do { return try MatchParser.parse(text) } catch { return nil }
}

private func failure(_ text: String) -> MatchError? {
    do {
        _ = try MatchParser.parse(text)
        return nil
    } catch {
        return error
    }
}

private func name(_ dotted: String, _ column: Int) -> MatchSyntax {
    .name(dotted.split(separator: ".").map(String.init), column: column)
}

private func int(_ value: Int128, _ column: Int) -> MatchSyntax { .integer(value, column: column) }

private func str(_ text: String, _ column: Int) -> MatchSyntax { .string(Array(text.utf8), column: column) }

private func bytes(_ text: String) -> [UInt8]? {
    guard case .string(let b, _)? = parse(text) else { return nil }
    return b
}

private func value(_ text: String) -> Int128? {
    guard case .integer(let v, _)? = parse(text) else { return nil }
    return v
}

/// Walks a tree without recursion (a long `or` chain is thousands of levels deep): the number of
/// nodes, and whether every column lies in 1...limit.
private func census(_ root: MatchSyntax, columnsUpTo limit: Int) -> (nodes: Int, columnsInRange: Bool) {
    var stack = [root]
    var nodes = 0
    var inRange = true
    while let node = stack.popLast() {
        nodes += 1
        if node.column < 1 || node.column > limit { inRange = false }
        switch node {
        case .or(let a, let b, _), .and(let a, let b, _), .compare(_, let a, let b, _), .bitwise(_, let a, let b, _):
            stack.append(a)
            stack.append(b)
        case .not(let a, _), .unary(_, let a, _):
            stack.append(a)
        case .list(let items, _), .call(_, let items, _):
            stack.append(contentsOf: items)
        case .name, .integer, .real, .string, .boolean:
            break
        }
    }
    return (nodes, inRange)
}

private let tooDeep = "nested too deep (more than 200 levels)"
private let expectedValue = "expected a value (a field name, number, string or list)"
private let supported = "supported: == != < <= > >= in, not in, and or not, | ^ & << >>"

@Suite struct MatchParserTests {

    // MARK: - Precedence

    @Test func bitwiseBindsTighterThanComparison() {
        #expect(parse("NFS.attr_request & 0x4000000000000000L != 0") ==
            .compare(.notEqual,
                     .bitwise(.and, name("NFS.attr_request", 1), int(0x4000_0000_0000_0000, 20), column: 18),
                     int(0, 43), column: 40))
        #expect(parse("a == 1 | 2") ==
            .compare(.equal, name("a", 1), .bitwise(.or, int(1, 6), int(2, 10), column: 8), column: 3))
    }

    @Test func notBindsLooserThanComparisonTighterThanAnd() {
        #expect(parse("not a == 1 and b") ==
            .and(.not(.compare(.equal, name("a", 5), int(1, 10), column: 7), column: 1), name("b", 16), column: 12))
        #expect(parse("not not a") == .not(.not(name("a", 9), column: 5), column: 1))
        #expect(parse("a and not b") == .and(name("a", 1), .not(name("b", 11), column: 7), column: 3))
        #expect(parse("a or not b") == .or(name("a", 1), .not(name("b", 10), column: 6), column: 3))
    }

    @Test func andBindsTighterThanOr() {
        #expect(parse("a or b and c") == .or(name("a", 1), .and(name("b", 6), name("c", 12), column: 8), column: 3))
        #expect(parse("a and b or c") == .or(.and(name("a", 1), name("b", 7), column: 3), name("c", 12), column: 9))
    }

    @Test func chainsAreLeftAssociative() {
        #expect(parse("a or b or c") == .or(.or(name("a", 1), name("b", 6), column: 3), name("c", 11), column: 8))
        #expect(parse("a and b and c") ==
            .and(.and(name("a", 1), name("b", 7), column: 3), name("c", 13), column: 9))
        #expect(parse("a | b | c") ==
            .bitwise(.or, .bitwise(.or, name("a", 1), name("b", 5), column: 3), name("c", 9), column: 7))
        #expect(parse("a << 1 >> 2") ==
            .bitwise(.shiftRight, .bitwise(.shiftLeft, name("a", 1), int(1, 6), column: 3), int(2, 11), column: 8))
    }

    @Test func bitwisePrecedenceLevels() {
        // | below ^ below & below << >>
        #expect(parse("a | b ^ c & d << e") ==
            .bitwise(.or, name("a", 1),
                     .bitwise(.xor, name("b", 5),
                              .bitwise(.and, name("c", 9),
                                       .bitwise(.shiftLeft, name("d", 13), name("e", 18), column: 15),
                                       column: 11),
                              column: 7),
                     column: 3))
        #expect(parse("a << b & c ^ d | e") ==
            .bitwise(.or,
                     .bitwise(.xor,
                              .bitwise(.and, .bitwise(.shiftLeft, name("a", 1), name("b", 6), column: 3), name("c", 10), column: 8),
                              name("d", 14), column: 12),
                     name("e", 18), column: 16))
    }

    @Test func unaryOperators() {
        #expect(parse("-1 == ~x") ==
            .compare(.equal, .unary(.negate, int(1, 2), column: 1), .unary(.invert, name("x", 8), column: 7), column: 4))
        #expect(parse("- -+1") == .unary(.negate, .unary(.negate, .unary(.plus, int(1, 5), column: 4), column: 3), column: 1))
        #expect(parse("-a & b") == .bitwise(.and, .unary(.negate, name("a", 2), column: 1), name("b", 6), column: 4))
        #expect(parse("-9223372036854775808") == .unary(.negate, int(9_223_372_036_854_775_808, 2), column: 1))
    }

    @Test func parenthesesGroup() {
        #expect(parse("(a or b) and c") == .and(.or(name("a", 2), name("b", 7), column: 4), name("c", 14), column: 10))
        #expect(parse("((a))") == name("a", 3))
        #expect(parse("(a == 1) == True") ==
            .compare(.equal, .compare(.equal, name("a", 2), int(1, 7), column: 4), .boolean(true, column: 13), column: 10))
        #expect(parse("~(a | b)") == .unary(.invert, .bitwise(.or, name("a", 3), name("b", 7), column: 5), column: 1))
    }

    @Test func comparisonOperators() {
        let cases: [(String, MatchCompareOperator)] = [
            ("==", .equal), ("!=", .notEqual), ("<", .less), ("<=", .lessOrEqual), (">", .greater),
            (">=", .greaterOrEqual), ("in", .isIn),
        ]
        for (text, op) in cases {
            #expect(parse("x \(text) y") == .compare(op, name("x", 1), name("y", 4 + text.count), column: 3))
        }
        #expect(parse("x not in y") == .compare(.isNotIn, name("x", 1), name("y", 10), column: 3))
        #expect(parse("x not  in y") == .compare(.isNotIn, name("x", 1), name("y", 11), column: 3))
        #expect(parse("a==1") == .compare(.equal, name("a", 1), int(1, 4), column: 2))
    }

    // MARK: - Names and booleans

    @Test func names() {
        #expect(parse("NFS.opputfh.status") == .name(["NFS", "opputfh", "status"], column: 1))
        #expect(parse("  NFS4ERR_NOENT") == .name(["NFS4ERR_NOENT"], column: 3))
        #expect(parse("_x1.y_2") == .name(["_x1", "y_2"], column: 1))
        #expect(parse("TCP.flags.SYN == True") ==
            .compare(.equal, name("TCP.flags.SYN", 1), .boolean(true, column: 18), column: 15))
        #expect(parse("False") == .boolean(false, column: 1))
        #expect(parse("not True") == .not(.boolean(true, column: 5), column: 1))
        // Keyword-like words that are not keywords are names.
        #expect(parse("match.print") == .name(["match", "print"], column: 1))
        #expect(parse("rb") == name("rb", 1))
        #expect(parse("r == b") == .compare(.equal, name("r", 1), name("b", 6), column: 3))
    }

    // MARK: - Integers

    @Test func integerForms() {
        #expect(value("0") == 0)
        #expect(value("00") == 0)
        #expect(value("0_0") == 0)
        #expect(value("7") == 7)
        #expect(value("1_000_000") == 1_000_000)
        #expect(value("0x1F") == 31)
        #expect(value("0XfF") == 255)
        #expect(value("0x_ff") == 255)
        #expect(value("0o17") == 15)
        #expect(value("0O1_7") == 15)
        #expect(value("0b1010") == 10)
        #expect(value("0B_1") == 1)
        #expect(value("0x4000000000000000L") == 0x4000_0000_0000_0000)
        #expect(value("10l") == 10)
        #expect(value("0L") == 0)
        #expect(value("0xffffffffffffffff") == 18_446_744_073_709_551_615)
        #expect(value("170141183460469231731687303715884105727") == Int128.max)
        #expect(value("0x7fffffffffffffffffffffffffffffff") == Int128.max)
        #expect(parse("  42 ") == int(42, 3))
    }

    @Test func integerErrors() {
        #expect(failure("170141183460469231731687303715884105728") == MatchError(column: 1, "integer literal too large"))
        #expect(failure("x == 0x80000000000000000000000000000000") == MatchError(column: 6, "integer literal too large"))
        #expect(failure("x == 1" + String(repeating: "0", count: 9_999)) == MatchError(column: 6, "integer literal too large"))
        #expect(failure("0123") == MatchError(column: 1,
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"))
        #expect(failure("0x") == MatchError(column: 1, "invalid hexadecimal literal '0x': no digits"))
        #expect(failure("0xL") == MatchError(column: 1, "invalid hexadecimal literal '0xL': no digits"))
        #expect(failure("0b102") == MatchError(column: 5, "invalid binary literal '0b102': unexpected '2'"))
        #expect(failure("0o8") == MatchError(column: 3, "invalid octal literal '0o8': unexpected '8'"))
        #expect(failure("0xfg") == MatchError(column: 4, "invalid hexadecimal literal '0xfg': unexpected 'g'"))
        #expect(failure("a == 12abc") == MatchError(column: 8, "invalid decimal literal '12abc': unexpected 'a'"))
        #expect(failure("1LL") == MatchError(column: 2, "invalid decimal literal '1LL': unexpected 'L'"))
        #expect(failure("1__0") == MatchError(column: 2, "invalid decimal literal '1__0': '_' must separate digits"))
        #expect(failure("1_") == MatchError(column: 2, "invalid decimal literal '1_': '_' must separate digits"))
        #expect(failure("0x__1") == MatchError(column: 3, "invalid hexadecimal literal '0x__1': '_' must separate digits"))
        #expect(failure("2j") == MatchError(column: 1, "complex numbers are not supported"))
    }

    // MARK: - Real numbers

    private func real(_ text: String) -> Double? {
        guard case .real(let v, _)? = parse(text) else { return nil }
        return v
    }

    @Test func realForms() {
        #expect(parse("RPC.latency > 0.5") == .compare(.greater, name("RPC.latency", 1), .real(0.5, column: 15), column: 13))
        #expect(real("0.5") == 0.5)
        #expect(real("1.") == 1)
        #expect(real(".5") == 0.5)
        #expect(real("1e-3") == 0.001)
        #expect(real("1E+3") == 1000)
        #expect(real("1e5") == 100_000)
        #expect(real("1_0.2_5") == 10.25)
        #expect(real("01.5") == 1.5)
        #expect(real("1.5e2") == 150)
        #expect(real("1.e1") == 10)
        #expect(real("0e0") == 0)
        #expect(real("1e1_0") == 1e10)
        #expect(parse("-0.25") == .unary(.negate, .real(0.25, column: 2), column: 1))
        #expect(parse("x in [1., .5]") ==
            .compare(.isIn, name("x", 1), .list([.real(1, column: 7), .real(0.5, column: 11)], column: 6), column: 3))
    }

    @Test func realErrors() {
        #expect(failure("1e400") == MatchError(column: 1, "real number literal too large"))
        #expect(failure("x > 1e") == MatchError(column: 6, "invalid decimal literal '1e': the exponent has no digits"))
        #expect(failure("1e+") == MatchError(column: 2, "invalid decimal literal '1e': the exponent has no digits"))
        #expect(failure("1.5L") == MatchError(column: 4, "invalid decimal literal '1.5L': unexpected 'L'"))
        #expect(failure("x == 1.x") == MatchError(column: 8, "invalid decimal literal '1.x': unexpected 'x'"))
        #expect(failure("1_.5") == MatchError(column: 2, "invalid decimal literal '1_.5': '_' must separate digits"))
        #expect(failure("1._5") == MatchError(column: 3, "invalid decimal literal '1._5': '_' must separate digits"))
        #expect(failure("1.5j") == MatchError(column: 1, "complex numbers are not supported"))
        #expect(failure("1.5.2") == MatchError(column: 4, "unexpected '.2' after the end of the expression"))
        #expect(failure("0x1.5") == MatchError(column: 4, "unexpected '.5' after the end of the expression"))
    }

    // MARK: - Strings

    @Test func stringForms() {
        #expect(parse("'abc'") == str("abc", 1))
        #expect(parse("\"abc\"") == str("abc", 1))
        #expect(parse("''") == str("", 1))
        #expect(parse("\"it's\"") == str("it's", 1))
        #expect(parse("'say \"hi\"'") == str("say \"hi\"", 1))
        #expect(parse("'a' \"b\"  'c'") == str("abc", 1))      // adjacent literals concatenate
        #expect(parse("x == 'a''b'") == .compare(.equal, name("x", 1), str("ab", 6), column: 3))
        #expect(parse("u'x'") == str("x", 1))
        #expect(parse("'é'") == .string([0xC3, 0xA9], column: 1))  // UTF-8
        #expect(parse("'日本'") == .string([0xE6, 0x97, 0xA5, 0xE6, 0x9C, 0xAC], column: 1))
    }

    @Test func stringEscapes() {
        #expect(bytes(#"'a\x27b\x22c\x00'"#) == [0x61, 0x27, 0x62, 0x22, 0x63, 0x00])
        #expect(bytes(#"'\\\'\"\n\r\t\0\a\b\f\v'"#) == [0x5C, 0x27, 0x22, 0x0A, 0x0D, 0x09, 0x00, 0x07, 0x08, 0x0C, 0x0B])
        #expect(bytes(#"'\xff\xAB'"#) == [0xFF, 0xAB])               // one byte each
        #expect(bytes(#"'\101\0101\7\377'"#) == [0x41, 0x08, 0x31, 0x07, 0xFF])
        #expect(bytes(#"'\u00e9\U0001F600'"#) == [0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80])
        #expect(bytes(#"'192\.168\.1\..*'"#) == Array(#"192\.168\.1\..*"#.utf8))  // unknown escapes kept
        #expect(bytes(#"'\d\w\q'"#) == Array(#"\d\w\q"#.utf8))
        #expect(bytes("'a\\\nb'") == Array("ab".utf8))                    // backslash-newline continues
        #expect(bytes(#"b'\x41\n'"#) == [0x41, 0x0A])
        #expect(bytes(#"B'\u00e9'"#) == Array(#"\u00e9"#.utf8))           // not an escape in bytes
        #expect(bytes(#"b'\N{DASH}'"#) == Array(#"\N{DASH}"#.utf8))
    }

    @Test func rawStrings() {
        #expect(bytes(#"r'192\.168\.1\.\d*'"#) == Array(#"192\.168\.1\.\d*"#.utf8))
        #expect(bytes(#"R"\n\x41""#) == Array(#"\n\x41"#.utf8))
        #expect(bytes(#"r'\''"#) == Array(#"\'"#.utf8))    // \' does not end a raw string
        #expect(bytes(#"r'\\'"#) == Array(#"\\"#.utf8))
        #expect(bytes(#"rb'\x41'"#) == Array(#"\x41"#.utf8))
        #expect(bytes(#"Br'\d'"#) == Array(#"\d"#.utf8))
        #expect(bytes(#"bR"x""#) == [0x78])
        #expect(bytes(#"RB'x' r'\d'"#) == Array(#"x\d"#.utf8))
    }

    @Test func stringErrors() {
        #expect(failure("'abc") == MatchError(column: 1, "unterminated string literal"))
        #expect(failure("x == \"abc") == MatchError(column: 6, "unterminated string literal"))
        #expect(failure("x == 'abc\"") == MatchError(column: 6, "unterminated string literal"))
        #expect(failure(#"r'abc\'"#) == MatchError(column: 1, "unterminated string literal"))
        #expect(failure(#"'abc\"#) == MatchError(column: 1, "unterminated string literal"))
        #expect(failure("'a\nb'") == MatchError(column: 1, "unterminated string literal (a string cannot span lines)"))
        #expect(failure(#"'\x4'"#) == MatchError(column: 2, #"invalid escape '\x': expected two hexadecimal digits after it"#))
        #expect(failure(#"x == 'ab\xZZ'"#) == MatchError(column: 9, #"invalid escape '\x': expected two hexadecimal digits after it"#))
        #expect(failure(#"'\x"#) == MatchError(column: 2, #"invalid escape '\x': expected two hexadecimal digits after it"#))
        #expect(failure(#"'\u12'"#) == MatchError(column: 2, #"invalid escape '\u': expected 4 hexadecimal digits after it"#))
        #expect(failure(#"'\U0011000'"#) == MatchError(column: 2, #"invalid escape '\U': expected 8 hexadecimal digits after it"#))
        #expect(failure(#"'\U00110000'"#) == MatchError(column: 2, #"invalid escape '\U00110000': not a Unicode character"#))
        #expect(failure(#"'\ud800'"#) == MatchError(column: 2, #"invalid escape '\ud800': not a Unicode character"#))
        #expect(failure(#"'\N{DASH}'"#) == MatchError(column: 2, #"named Unicode escapes ('\N{…}') are not supported"#))
        #expect(failure(#"'ab\777'"#) == MatchError(column: 4, #"invalid escape '\777': an octal escape is at most \377"#))
        #expect(failure("'''x'''") == MatchError(column: 1, "triple-quoted strings are not supported"))
        #expect(failure("x == \"\"\"x\"\"\"") == MatchError(column: 6, "triple-quoted strings are not supported"))
        #expect(failure("f'x'") == MatchError(column: 1, "f-strings are not supported"))
        #expect(failure("x == rf'x'") == MatchError(column: 6, "f-strings are not supported"))
    }

    @Test func stringLengthLimit() {
        let limit = MatchLimits.maximumStringBytes
        #expect(bytes("'" + String(repeating: "a", count: limit) + "'")?.count == limit)
        #expect(failure("'" + String(repeating: "a", count: limit + 1) + "'") ==
            MatchError(column: 1, "string literal longer than \(limit) bytes"))
        #expect(failure("x == '" + String(repeating: "é", count: limit / 2 + 1) + "'") ==
            MatchError(column: 6, "string literal longer than \(limit) bytes"))
        let half = "'" + String(repeating: "a", count: limit / 2 + 1) + "'"
        #expect(failure("x == " + half + " " + half) == MatchError(column: 6, "string literal longer than \(limit) bytes"))
    }

    // MARK: - Lists, tuples, calls

    @Test func lists() {
        #expect(parse("a in [1, 2]") == .compare(.isIn, name("a", 1), .list([int(1, 7), int(2, 10)], column: 6), column: 3))
        #expect(parse("[]") == .list([], column: 1))
        #expect(parse("[ 'x', ]") == .list([str("x", 3)], column: 1))
        #expect(parse("[[1], [], a or b]") ==
            .list([.list([int(1, 3)], column: 2), .list([], column: 7), .or(name("a", 11), name("b", 16), column: 13)], column: 1))
        #expect(parse("[-1, ~0]") == .list([.unary(.negate, int(1, 3), column: 2), .unary(.invert, int(0, 7), column: 6)], column: 1))
    }

    @Test func tuples() {
        #expect(parse("a not in (1, 2)") ==
            .compare(.isNotIn, name("a", 1), .list([int(1, 11), int(2, 14)], column: 10), column: 3))
        #expect(parse("()") == .list([], column: 1))
        #expect(parse("(1,)") == .list([int(1, 2)], column: 1))
        #expect(parse("(1, 2,)") == .list([int(1, 2), int(2, 5)], column: 1))
        #expect(parse("(1)") == int(1, 2))
    }

    @Test func calls() {
        #expect(parse("re.search(r'x', IP.src)") ==
            .call("re.search", [str("x", 11), name("IP.src", 17)], column: 1))
        #expect(parse("crc32(NFS.fh) == 0x0f581ee9") ==
            .compare(.equal, .call("crc32", [name("NFS.fh", 7)], column: 1), int(0x0F58_1EE9, 18), column: 15))
        #expect(parse("IP.src == re('192.168.1.*')") ==
            .compare(.equal, name("IP.src", 1), .call("re", [str("192.168.1.*", 14)], column: 11), column: 8))
        #expect(parse("f()") == .call("f", [], column: 1))
        #expect(parse("f(a,)") == .call("f", [name("a", 3)], column: 1))
        #expect(parse("f (a)") == .call("f", [name("a", 4)], column: 1))
        #expect(parse("not crc16(x) & 1") ==
            .not(.bitwise(.and, .call("crc16", [name("x", 11)], column: 5), int(1, 16), column: 14), column: 1))
        #expect(parse("f(g(1), [2])") ==
            .call("f", [.call("g", [int(1, 5)], column: 3), .list([int(2, 10)], column: 9)], column: 1))
    }

    // MARK: - Errors

    @Test func emptyAndTrailing() {
        #expect(failure("") == MatchError(column: 1, "expected an expression"))
        #expect(failure("   \t\n ") == MatchError(column: 1, "expected an expression"))
        #expect(failure("a == 1 b") == MatchError(column: 8, "unexpected 'b' after the end of the expression"))
        #expect(failure("a == 1)") == MatchError(column: 7, "unexpected ')' after the end of the expression"))
        #expect(failure("a, b") == MatchError(column: 2, "unexpected ',' after the end of the expression"))
        #expect(failure("a 'x'") == MatchError(column: 3, "unexpected 'x' after the end of the expression"))
        #expect(failure("a else b") == MatchError(column: 3, "unexpected 'else' after the end of the expression"))
        #expect(failure("a == 1 xyz") == MatchError(column: 8, "unexpected 'xyz' after the end of the expression"))
    }

    @Test func missingOperands() {
        #expect(failure("a ==") == MatchError(column: 5, "\(expectedValue) after '==', found the end of the expression"))
        #expect(failure("a == )") == MatchError(column: 6, "\(expectedValue) after '==', found ')'"))
        #expect(failure("a and") == MatchError(column: 6, "\(expectedValue) after 'and', found the end of the expression"))
        #expect(failure("or a") == MatchError(column: 1, "\(expectedValue), found 'or'"))
        #expect(failure("== 1") == MatchError(column: 1, "\(expectedValue), found '=='"))
        #expect(failure("*a") == MatchError(column: 1, "\(expectedValue), found '*'"))
        #expect(failure("a == not b") == MatchError(column: 6, "\(expectedValue) after '==', found 'not'"))
        #expect(failure("a | not b") == MatchError(column: 5, "\(expectedValue) after '|', found 'not'"))
        #expect(failure("-not a") == MatchError(column: 2, "\(expectedValue) after '-', found 'not'"))
        #expect(failure("not") == MatchError(column: 4, "\(expectedValue) after 'not', found the end of the expression"))
        #expect(failure("not in x") == MatchError(column: 5, "\(expectedValue) after 'not', found 'in'"))
        #expect(failure("[1,,2]") == MatchError(column: 4, "\(expectedValue) after ',', found ','"))
        #expect(failure("(,)") == MatchError(column: 2, "\(expectedValue) after '(', found ','"))
        #expect(failure("a == (") == MatchError(column: 7, "\(expectedValue) after '(', found the end of the expression"))
        #expect(failure("x in [") == MatchError(column: 7, "\(expectedValue) after '[', found the end of the expression"))
    }

    @Test func unclosedBrackets() {
        #expect(failure("(a") == MatchError(column: 3, "expected ')' to close the '(' at column 1, found the end of the expression"))
        #expect(failure("(a b)") == MatchError(column: 4, "expected ')' to close the '(' at column 1, found 'b'"))
        #expect(failure("(a, b") == MatchError(column: 6, "expected ',' or ')' to close the '(' at column 1, found the end of the expression"))
        #expect(failure("[1, 2") == MatchError(column: 6, "expected ',' or ']' to close the '[' at column 1, found the end of the expression"))
        #expect(failure("x in [1 2]") == MatchError(column: 9, "expected ',' or ']' to close the '[' at column 6, found '2'"))
        #expect(failure("f(1 2)") == MatchError(column: 5, "expected ',' or ')' to close the '(' at column 2, found '2'"))
        #expect(failure("[1)") == MatchError(column: 3, "expected ',' or ']' to close the '[' at column 1, found ')'"))
    }

    @Test func unsupportedOperators() {
        for op in ["+", "-", "*", "/", "//", "%", "**", "@"] {
            #expect(failure("a \(op) 1") == MatchError(column: 3, "the operator '\(op)' is not supported (\(supported))"))
        }
        #expect(failure("NFS.length + 10 > 5") == MatchError(column: 12, "the operator '+' is not supported (\(supported))"))
        #expect(failure("a = 1") == MatchError(column: 3,
            "expected '==' to compare, found '=' (assignments and keyword arguments are not supported)"))
        #expect(failure("f(x=1)") == MatchError(column: 4,
            "expected '==' to compare, found '=' (assignments and keyword arguments are not supported)"))
        #expect(failure("a <> b") == MatchError(column: 3, "the operator '<>' is not supported; use '!='"))
        #expect(failure("a && b") == MatchError(column: 3, "the operator '&&' is not supported; use 'and'"))
        #expect(failure("a || b") == MatchError(column: 3, "the operator '||' is not supported; use 'or'"))
        #expect(failure("a is None") == MatchError(column: 3, "the operator 'is' is not supported; use '==' or '!='"))
        #expect(failure("a is not b") == MatchError(column: 3, "the operator 'is' is not supported; use '==' or '!='"))
        #expect(failure("a if b else c") == MatchError(column: 3, "conditional expressions ('if … else …') are not supported"))
        #expect(failure("x[0]") == MatchError(column: 2, "subscripts ('[' after a value) are not supported"))
        #expect(failure("f(x)(y)") == MatchError(column: 5, "unexpected '(': only a function name can be called"))
        #expect(failure("'x'(1)") == MatchError(column: 4, "unexpected '(': only a function name can be called"))
        #expect(failure("(a).b") == MatchError(column: 4, "attribute access ('.') is only supported in dotted names"))
        #expect(failure("'x'.lower()") == MatchError(column: 4, "attribute access ('.') is only supported in dotted names"))
        #expect(failure("True.x") == MatchError(column: 5, "attribute access ('.') is only supported in dotted names"))
        #expect(failure("a not b") == MatchError(column: 7, "expected 'in' after 'not', found 'b'"))
        #expect(failure("a not") == MatchError(column: 6, "expected 'in' after 'not', found the end of the expression"))
    }

    @Test func unsupportedValues() {
        #expect(failure("None") == MatchError(column: 1, "'None' is not supported (compare with a number, string or list)"))
        #expect(failure("a == None") == MatchError(column: 6, "'None' is not supported (compare with a number, string or list)"))
        #expect(failure("lambda x: x") == MatchError(column: 1, "lambda expressions are not supported"))
        #expect(failure("x in {1}") == MatchError(column: 6, "sets and dictionaries ('{') are not supported; use a list '[…]'"))
    }

    @Test func chainedComparisonsRefused() {
        let message = "chained comparisons are not supported; join them with 'and'"
        #expect(failure("a < b < c") == MatchError(column: 7, message))
        #expect(failure("1 < x <= 3") == MatchError(column: 7, message))
        #expect(failure("a == b != c") == MatchError(column: 8, message))
        #expect(failure("a in b not in c") == MatchError(column: 8, message))
        #expect(failure("not a == b == c") == MatchError(column: 12, message))
        #expect(failure("a | b == c == d") == MatchError(column: 12, message))
        #expect(failure("a == b | c == d") == MatchError(column: 12, message))
        #expect(failure("x and a < b > c") == MatchError(column: 13, message))
        // Parenthesised, a comparison is an operand like any other.
        #expect(parse("(a < b) < c") != nil)
        #expect(parse("a < b and b < c") != nil)
    }

    @Test func badNames() {
        #expect(failure("NFS.in == 1") == MatchError(column: 5, "'in' is a keyword, not a name: it cannot be part of 'NFS.in'"))
        #expect(failure("NFS. x") == MatchError(column: 5, "expected a name after 'NFS.', found a space"))
        #expect(failure("NFS.1") == MatchError(column: 5, "expected a name after 'NFS.', found '1'"))
        #expect(failure("a.b.") == MatchError(column: 5, "expected a name after 'a.b.', found the end of the expression"))
        #expect(failure("NFS .x") == MatchError(column: 5, "unexpected '.': a dotted name cannot have spaces around '.'"))
        #expect(failure("NFS..x") == MatchError(column: 5, "expected a name after 'NFS.', found '.'"))
    }

    @Test func unexpectedCharacters() {
        #expect(failure("a $ b") == MatchError(column: 3, "unexpected character '$'"))
        #expect(failure("a == 1 ?") == MatchError(column: 8, "unexpected character '?'"))
        #expect(failure("!a") == MatchError(column: 1, "unexpected character '!' (use 'not' to negate, '!=' to compare)"))
        #expect(failure("a # comment") == MatchError(column: 3, "unexpected character '#' (comments are not supported)"))
        #expect(failure("é == 1") == MatchError(column: 1, "unexpected character 'é' (U+00E9)"))
        #expect(failure("x == ‘a’") == MatchError(column: 6, "unexpected character '‘' (U+2018) (quote strings with ' or \")"))
        #expect(failure("a \u{7} b") == MatchError(column: 3, "unexpected character U+0007"))
        #expect(failure("a\u{A0}== 1") == MatchError(column: 2, "unexpected character U+00A0"))
        #expect(failure("a \\\n== 1") == MatchError(column: 3, "unexpected character '\\'"))
    }

    @Test func columnsCountUnicodeScalars() {
        #expect(parse("'é' == x") == .compare(.equal, .string([0xC3, 0xA9], column: 1), name("x", 8), column: 5))
        // "é" written as e + COMBINING ACUTE ACCENT: one Character, two scalars, two columns.
        #expect(parse("'e\u{301}' == x") == .compare(.equal, .string([0x65, 0xCC, 0x81], column: 1), name("x", 9), column: 6))
        #expect(failure("'😀' $") == MatchError(column: 5, "unexpected character '$'"))
    }

    @Test func whitespaceIsFree() {
        #expect(parse("\n\ta\r\n==\u{0C}1\n") == .compare(.equal, name("a", 3), int(1, 9), column: 6))
    }

    // MARK: - Limits

    @Test func depthLimitOfParentheses() {
        let ok = String(repeating: "(", count: 200) + "a" + String(repeating: ")", count: 200)
        #expect(parse(ok) == name("a", 201))
        let over = String(repeating: "(", count: 201) + "a" + String(repeating: ")", count: 201)
        #expect(failure(over) == MatchError(column: 201, tooDeep))
        let huge = String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000)
        #expect(failure(huge) == MatchError(column: 201, tooDeep))
        #expect(failure(String(repeating: "(", count: 10_000)) == MatchError(column: 201, tooDeep))
    }

    @Test func depthLimitOfListsCallsAndPrefixes() {
        #expect(failure(String(repeating: "[", count: 10_000)) == MatchError(column: 201, tooDeep))
        #expect(failure(String(repeating: "f(", count: 10_000)) == MatchError(column: 402, tooDeep))
        #expect(failure(String(repeating: "not ", count: 10_000) + "a") == MatchError(column: 801, tooDeep))
        #expect(failure(String(repeating: "-", count: 10_000) + "1") == MatchError(column: 201, tooDeep))
        #expect(failure(String(repeating: "~", count: 10_000) + "1") == MatchError(column: 201, tooDeep))
        #expect(failure(String(repeating: "- ", count: 10_000) + "1") == MatchError(column: 401, tooDeep))
        #expect(failure(String(repeating: "(not -", count: 10_000)) == MatchError(column: 402, tooDeep))
        #expect(parse(String(repeating: "-", count: 200) + "1") != nil)
        #expect(parse(String(repeating: "not ", count: 200) + "a") != nil)
    }

    @Test func depthLimitOfBitwiseChains() {
        let ok = Array(repeating: "a", count: 201).joined(separator: " | ")   // 200 operators
        #expect(parse(ok) != nil)
        let over = Array(repeating: "a", count: 202).joined(separator: " | ")
        #expect(failure(over) == MatchError(column: 4 * 201 - 1, tooDeep))
        let long = Array(repeating: "a", count: 10_000).joined(separator: " & ")
        #expect(failure(long) == MatchError(column: 4 * 201 - 1, tooDeep))
        // A comparison is a level of its own.
        let parenthesised = String(repeating: "(", count: 199) + "a == 1" + String(repeating: ")", count: 199)
        #expect(parse(parenthesised) != nil)
        let deeper = String(repeating: "(", count: 200) + "a == 1" + String(repeating: ")", count: 200)
        #expect(failure(deeper) == MatchError(column: 203, tooDeep))
    }

    @Test func andOrChainsDoNotCountTowardDepth() {
        let notChain = Array(repeating: "not a", count: 5_000).joined(separator: " or ")
        #expect(parse(notChain) != nil)
        let parenChain = Array(repeating: "(a | b)", count: 5_000).joined(separator: " and ")
        #expect(parse(parenChain) != nil)
        let nested = String(repeating: "(", count: 199) + Array(repeating: "a", count: 1_000).joined(separator: " or ")
            + String(repeating: ")", count: 199)
        #expect(parse(nested) != nil)
    }

    @Test func longOrChainParsesQuickly() throws {
        let text = (0..<10_000).map { "a == \($0)" }.joined(separator: " or ")
        #expect(text.count > 100_000 && text.count <= MatchLimits.maximumLength)
        let clock = ContinuousClock()
        var tree: MatchSyntax?
        let elapsed = clock.measure { tree = parse(text) }
        #expect(elapsed < .seconds(1))
        let root = try #require(tree)
        // A long chain is balanced: shallow, its terms in order, each operator's column kept.
        var terms: [MatchSyntax] = []
        var columns: [Int] = []
        var deepest = 0
        var stack: [(MatchSyntax, Int)] = [(root, 0)]
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            if case .or(let lhs, let rhs, let column) = node {
                columns.append(column)
                stack += [(rhs, depth + 1), (lhs, depth + 1)]
            } else {
                terms.append(node)
            }
        }
        #expect(terms.count == 10_000 && columns.count == 9_999)
        #expect(deepest < 40)
        #expect(terms.first == .compare(.equal, name("a", 1), int(0, 6), column: 3))
        #expect(terms.last == .compare(.equal, name("a", text.count - 8), int(9_999, text.count - 3), column: text.count - 6))
        #expect(columns.max() == text.count - 11)
        let andChain = (0..<9_000).map { "a != \($0)" }.joined(separator: " and ")
        var andTree: MatchSyntax?
        #expect(clock.measure { andTree = parse(andChain) } < .seconds(1))
        #expect(andTree != nil)
    }

    @Test func lengthLimit() {
        let limit = MatchLimits.maximumLength
        #expect(parse(String(repeating: " ", count: limit - 1) + "a") == name("a", limit))
        #expect(failure(String(repeating: " ", count: limit) + "a") ==
            MatchError(column: 1, "the expression is longer than \(limit) characters"))
        #expect(failure(String(repeating: "é", count: limit + 1)) ==
            MatchError(column: 1, "the expression is longer than \(limit) characters"))
        #expect(failure(String(repeating: "a", count: 4 * limit + 1)) ==
            MatchError(column: 1, "the expression is longer than \(limit) characters"))
        // Characters, not bytes: a text of `limit` scalars, most of them two bytes, is read.
        let wide = "x == '" + String(repeating: "é", count: 30_000) + "'"
        let padded = wide + String(repeating: " ", count: limit - wide.unicodeScalars.count)
        #expect(padded.utf8.count > limit)
        #expect(parse(padded) != nil)
    }

    @Test func listElementLimit() {
        let limit = MatchLimits.maximumListElements
        let ok = "[" + String(repeating: "1,", count: limit) + "]"
        guard case .list(let items, _)? = parse(ok) else { Issue.record("no list"); return }
        #expect(items.count == limit)
        let over = "[" + String(repeating: "1,", count: limit + 1) + "]"
        #expect(failure(over) == MatchError(column: 2 * (limit + 1), "the list has more than \(limit) elements"))
        let tuple = "(" + String(repeating: "1,", count: limit + 1) + ")"
        #expect(failure(tuple) == MatchError(column: 2 * (limit + 1), "the tuple has more than \(limit) elements"))
        let call = "f(" + String(repeating: "1,", count: limit + 1) + ")"
        #expect(failure(call) == MatchError(column: 2 * (limit + 1) + 1, "'f' has more than \(limit) arguments"))
    }

    // MARK: - Lexer

    @Test func lexerTokensAndColumns() throws {
        let tokens = try MatchLexer.tokens("NFS.fh==b'\\x01' not in[0x1L]")
        #expect(tokens.map(\.kind) == [
            .name(["NFS", "fh"]), .symbol("=="), .string([1]), .keyword("not"), .keyword("in"), .symbol("["),
            .integer(1), .symbol("]"), .end,
        ])
        #expect(tokens.map(\.column) == [1, 7, 9, 17, 21, 23, 24, 28, 29])
        #expect(tokens.map(\.spaceBefore) == [false, false, false, true, true, false, false, false, false])
        let long = try MatchLexer.tokens("'" + String(repeating: "x", count: 100) + "'")
        #expect(long[0].text == "'" + String(repeating: "x", count: 39) + "…")
    }

    // MARK: - Fuzzing

    @Test func fuzzedTextGivesATreeOrAnError() {
        let pieces = [
            "NFS.argop", "IP.src", "TCP.flags.SYN", "a", "x_1", "re.search", "re", "crc32", "0", "1", "0x1F", "0o7",
            "0b1", "1_0", "99999999999999999999999999999999999999999", "0x4000000000000000L", "'a'", "\"b\"",
            "r'\\d'", "b'\\x41'", "'\\x4'", "'\\u00e9'", "'", "\"", "r'", "==", "!=", "<", "<=", ">", ">=", "in",
            "not", "and", "or", "is", "None", "True", "False", "lambda", "if", "else", "|", "^", "&", "<<", ">>", "-",
            "~", "+", "*", "/", "//", "%", "**", "=", "<>", "&&", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";",
            " ", "  ", "\t", "\n", "$", "#", "\\", "é", "😀", "\u{0}", "\u{301}", "1.5", "1e3", "f'", "'''",
        ]
        var rng = SplitMix64(state: 0x5EED_1234_ABCD_0001)
        var trees = 0
        var errors = 0
        for round in 0..<4_000 {
            var text = ""
            let count = Int.random(in: 0...30, using: &rng)
            for _ in 0..<count {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0:
                    // A random scalar (any plane, control characters included).
                    let v = UInt32.random(in: 0..<(round % 2 == 0 ? 0x80 : 0x11_0000), using: &rng)
                    if let s = Unicode.Scalar(v) { text.unicodeScalars.append(s) }
                case 1:
                    // Random bytes, repaired into a string as any text would be.
                    let raw = (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    text += String(decoding: raw, as: UTF8.self)
                default:
                    text += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                    if Bool.random(using: &rng) { text += " " }
                }
            }
            let end = text.unicodeScalars.count + 1
            do {
                let tree = try MatchParser.parse(text)
                trees += 1
                let (_, inRange) = census(tree, columnsUpTo: end)
                #expect(inRange, "columns out of range for \(text.debugDescription)")
            } catch {
                errors += 1
                #expect((1...end).contains(error.column), "error column \(error.column) for \(text.debugDescription)")
                #expect(!error.message.isEmpty && !error.message.hasSuffix("."))
                #expect(error.message.first.map { !$0.isUppercase } ?? false)
            }
            // Deterministic: the same text, the same answer.
            #expect(Result { () throws(MatchError) in try MatchParser.parse(text) } ==
                    Result { () throws(MatchError) in try MatchParser.parse(text) })
        }
        #expect(trees > 20 && errors > 3_000)
    }

    @Test func mutatedExpressionsGiveATreeOrAnError() {
        let seeds = [
            "NFS.attr_request & 0x4000000000000000L != 0", "not a == 1 and b", "re.search(r'x', IP.src)",
            "crc32(NFS.fh) == 0x0f581ee9", "IP.src == re('192.168.1.*')", "a not in (1, 2,) or [b, -3] == c",
            "'a\\x27b\\x22c\\x00' == NFS.name", "TCP.flags.SYN == True and (x | y ^ z & ~w << 2) >= 0b1_0",
        ]
        var rng = SplitMix64(state: 42)
        var parsed = 0
        for _ in 0..<3_000 {
            var scalars = Array(seeds[Int.random(in: 0..<seeds.count, using: &rng)].unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...scalars.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where at < scalars.count: scalars.remove(at: at)
                case 1:
                    let donor = Array(seeds[Int.random(in: 0..<seeds.count, using: &rng)].unicodeScalars)
                    let from = Int.random(in: 0..<donor.count, using: &rng)
                    scalars.insert(contentsOf: donor[from..<min(donor.count, from + Int.random(in: 1...6, using: &rng))], at: at)
                default:
                    scalars.insert(Unicode.Scalar(UInt8.random(in: 0...127, using: &rng)), at: at)
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            do {
                let tree = try MatchParser.parse(text)
                parsed += 1
                #expect(census(tree, columnsUpTo: scalars.count + 1).columnsInRange)
            } catch {
                #expect((1...(scalars.count + 1)).contains(error.column))
            }
        }
        #expect(parsed > 100)
    }

    @Test func generatedExpressionsParseWithTheirPrecedence() {
        var generator = ExpressionGenerator(rng: SplitMix64(state: 0xC0FFEE))
        for _ in 0..<3_000 {
            let (text, expected) = generator.expression(level: 0, budget: 5)
            do {
                let tree = try MatchParser.parse(text)
                #expect(canonical(tree) == expected, "\(text.debugDescription)")
            } catch {
                Issue.record("\(text.debugDescription): \(error)")
            }
        }
    }
}

/// A tree written with every operation in parentheses, to compare parses by their structure.
private func canonical(_ node: MatchSyntax) -> String {
    switch node {
    case .or(let a, let b, _): return "(\(canonical(a)) or \(canonical(b)))"
    case .and(let a, let b, _): return "(\(canonical(a)) and \(canonical(b)))"
    case .not(let a, _): return "(not \(canonical(a)))"
    case .compare(let op, let a, let b, _): return "(\(canonical(a)) \(op.rawValue) \(canonical(b)))"
    case .bitwise(let op, let a, let b, _): return "(\(canonical(a)) \(op.rawValue) \(canonical(b)))"
    case .unary(let op, let a, _): return "(\(op.rawValue)\(canonical(a)))"
    case .name(let parts, _): return parts.joined(separator: ".")
    case .integer(let v, _): return "#\(v)"
    case .real(let v, _): return "#\(v)"
    case .string(let b, _): return "s" + b.map { String($0, radix: 16) }.joined(separator: ":")
    case .boolean(let v, _): return "\(v)"
    case .list(let items, _): return "[" + items.map(canonical).joined(separator: ", ") + "]"
    case .call(let f, let args, _): return f + "(" + args.map(canonical).joined(separator: ", ") + ")"
    }
}

/// Random expressions of the language, as text (varied spacing and literal forms, parentheses
/// where precedence needs them and sometimes where it does not) and in `canonical` form.
private struct ExpressionGenerator {
    var rng: SplitMix64

    // Levels: 0 or, 1 and, 2 not, 3 comparison, 4 |, 5 ^, 6 &, 7 << >>, 8 unary, 9 primary.
    private static let chains: [Int: [(String, String)]] = [
        0: [("or", "or")], 1: [("and", "and")], 4: [("|", "|")], 5: [("^", "^")], 6: [("&", "&")],
        7: [("<<", "<<"), (">>", ">>")],
    ]
    private static let comparisons = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    private static let names = ["a", "NFS.argop", "TCP.flags.SYN", "IP.src", "x_1", "NFS4ERR_NOENT", "rb", "r"]
    private static let strings: [(String, [UInt8])] = [
        ("'a'", [0x61]), ("\"b c\"", [0x62, 0x20, 0x63]), ("r'\\d'", [0x5C, 0x64]), ("b'\\x41'", [0x41]),
        ("'\\x27\\n'", [0x27, 0x0A]), ("''", []), ("'é'", [0xC3, 0xA9]), ("'a' 'b'", [0x61, 0x62]),
    ]

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    /// Space around a symbol: none, one or two.
    mutating func space() -> String { pick(["", " ", "  "]) }

    /// Space around a word (at least one).
    mutating func gap() -> String { pick([" ", " ", "  ", "\t", "\n"]) }

    mutating func expression(level: Int, budget: Int) -> (String, String) {
        let chosen = budget <= 0 ? 9 : Int.random(in: level...9, using: &rng)
        let budget = budget - 1
        switch chosen {
        case 0, 1, 4, 5, 6, 7:
            var (text, canon) = expression(level: chosen + 1, budget: budget)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let (op, name) = pick(Self.chains[chosen]!)
                let (t, c) = expression(level: chosen + 1, budget: budget)
                let around = chosen <= 1 ? gap() : space()
                text += around + op + (chosen <= 1 ? gap() : space()) + t
                canon = "(\(canon) \(name) \(c))"
            }
            return (text, canon)
        case 2:
            let (t, c) = expression(level: 2, budget: budget)
            return ("not" + gap() + t, "(not \(c))")
        case 3:
            let (lt, lc) = expression(level: 4, budget: budget)
            let (rt, rc) = expression(level: 4, budget: budget)
            let op = pick(Self.comparisons)
            let word = op.first!.isLetter
            let op2 = op == "not in" ? "not" + gap() + "in" : op
            return (lt + (word ? gap() : space()) + op2 + (word ? gap() : space()) + rt, "(\(lc) \(op) \(rc))")
        case 8:
            let op = pick(["-", "~", "+"])
            let (t, c) = expression(level: 8, budget: budget)
            return (op + space() + t, "(\(op)\(c))")
        default:
            return primary(budget: budget)
        }
    }

    mutating func primary(budget: Int) -> (String, String) {
        switch Int.random(in: 0..<(budget > 0 ? 10 : 6), using: &rng) {
        case 0, 1:
            let n = pick(Self.names)
            return (n, n)
        case 2:
            let v = Int128(UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng))
            let text: String
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: text = "0x" + String(v, radix: 16)
            case 1: text = "0o" + String(v, radix: 8)
            case 2: text = "0b" + String(v, radix: 2)
            case 3: text = "\(v)L"
            default: text = "\(v)"
            }
            return (text, "#\(v)")
        case 3:
            let (t, b) = pick(Self.strings)
            return (t, "s" + b.map { String($0, radix: 16) }.joined(separator: ":"))
        case 4:
            let (t, v) = pick([("0.5", 0.5), ("1e3", 1000.0), (".25", 0.25), ("2.", 2.0)])
            return (t, "#\(v)")
        case 5:
            let v = chance(50)
            return (v ? "True" : "False", "\(v)")
        case 6, 7:
            let (t, c) = expression(level: 0, budget: budget)
            return ("(" + space() + t + space() + ")", c)
        case 8:
            var texts: [String] = []
            var canons: [String] = []
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let (t, c) = expression(level: 0, budget: budget)
                texts.append(t)
                canons.append(c)
            }
            let trailing = !texts.isEmpty && chance(30) ? "," : ""
            if chance(50) || texts.count == 1 && trailing.isEmpty {
                return ("[" + texts.joined(separator: "," + space()) + trailing + "]", "[" + canons.joined(separator: ", ") + "]")
            }
            let comma = texts.count == 1 ? "," : trailing
            return ("(" + texts.joined(separator: "," + space()) + comma + ")", "[" + canons.joined(separator: ", ") + "]")
        default:
            let f = pick(["re", "re.search", "crc32"])
            var texts: [String] = []
            var canons: [String] = []
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                let (t, c) = expression(level: 0, budget: budget)
                texts.append(t)
                canons.append(c)
            }
            return (f + "(" + texts.joined(separator: ", ") + ")", f + "(" + canons.joined(separator: ", ") + ")")
        }
    }
}

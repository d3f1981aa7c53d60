// Tests of the linear-time regular-expression engine behind `re('…')` and `re.search(…)`.
// Expected results are Python's: each (pattern, subject, found) and each error's column and
// message below was produced by CPython 3.11 `re.search` / `re.error.pos + 1` on bytes.
import Testing
@testable import Match

private func compile(_ pattern: String) throws(MatchError) -> MatchRegex {
    try MatchRegex(Array(pattern.utf8))
}

private func search(_ pattern: String, _ subject: String) throws -> Bool {
    try compile(pattern).search(Array(subject.utf8))
}


struct MatchRegexTests {
    /// Python `re.search(pattern, subject) is not None`, pattern and subject as bytes.
    static let pythonCases: [(String, String, Bool)] = [
            (#"192\.168\.1\..*"#, "192.168.1.7", true),
            (#"192\.168\.1\..*"#, "192.168.10.7", false),
            (#"192.168.1.*"#, "192.168.10.7", true),
            (#"192\.168\.1\.\d*"#, "10.192.168.1.5", true),
            (#"^10\."#, "10.0.0.1", true),
            (#"^10\."#, "110.0.0.1", false),
            (#"\.1$"#, "10.0.0.1", true),
            (#"\.1$"#, "10.0.0.10", false),
            (#"\.1$"#, "10.0.0.1\n", true),
            (#"\.1\Z"#, "10.0.0.1\n", false),
            (#"\.1$"#, "10.0.0.1\n\n", false),
            (#"^$"#, "", true),
            (#"^$"#, "\n", true),
            (#"^$"#, "a", false),
            (#"\A10"#, "10", true),
            (#"[abc]"#, "xbz", true),
            (#"[abc]"#, "xyz", false),
            (#"[^abc]"#, "abc", false),
            (#"[^abc]"#, "ab\n", true),
            (#"[a-z0-9]+"#, "-_-", false),
            (#"[]a]"#, "]", true),
            (#"[^]a]"#, "]a", false),
            (#"[a-]"#, "-", true),
            (#"[-a]"#, "-", true),
            (#"[\d.]+$"#, "1.2", true),
            (#"[\w]"#, "-", false),
            (#"\d{3}"#, "12a345", true),
            (#"\d{3}"#, "12a34", false),
            (#"\D"#, "123", false),
            (#"\s"#, "a\tb", true),
            (#"\S"#, " \t", false),
            (#"\W"#, "abc_1", false),
            (#"[\s\d]"#, "ab c", true),
            (#"[^\W\d]"#, "12_", true),
            (#"[a\-z]"#, "b", false),
            (#"[.]"#, "a", false),
            (#"a.c"#, "a\nc", false),
            (#"(?s)a.c"#, "a\nc", true),
            (#"a.c"#, "abc", true),
            (#"cat|dog"#, "hotdog", true),
            (#"^(cat|dog)$"#, "cats", false),
            (#"a(|b)c"#, "ac", true),
            (#"x|"#, "", true),
            (#"a{3}"#, "aa", false),
            (#"a{3}"#, "baaa", true),
            (#"^a{2,3}$"#, "aaaa", false),
            (#"^a{2,3}$"#, "aaa", true),
            (#"^a{,2}$"#, "", true),
            (#"^a{2,}$"#, "a", false),
            (#"^a{0}$"#, "", true),
            (#"x{}"#, "x{}", true),
            (#"x{a}"#, "x{a}", true),
            (#"x{1,a}"#, "x{1,a}", true),
            (#"^x{,}$"#, "xx", true),
            (#"^(ab){2}$"#, "abab", true),
            (#"a+?b"#, "aaab", true),
            (#"^a{1,2}?$"#, "aa", true),
            (#"^a??$"#, "", true),
            (#"(?i)hello"#, "HeLLo world", true),
            (#"hello"#, "HELLO", false),
            (#"(?i)[a-c]+$"#, "xABC", true),
            (#"(?i)[^a]"#, "A", false),
            (#"(?i:a)b"#, "Ab", true),
            (#"(?i:a)b"#, "AB", false),
            (#"(?i)(?-i:a)b"#, "aB", true),
            (#"(?i)(?-i:a)b"#, "AB", false),
            (#"(?i)\x41"#, "a", true),
            (#"\bfoo\b"#, "a foo.", true),
            (#"\bfoo\b"#, "afoo", false),
            (#"\Bfoo"#, "afoo", true),
            (#"\B"#, "", false),
            (#"\b"#, "", false),
            (#"\b"#, "a", true),
            (#"(?m)^b$"#, "a\nb\nc", true),
            (#"^b$"#, "a\nb\nc", false),
            (#"\x41"#, "A", true),
            (#"\101"#, "A", true),
            (#"\0"#, "\u{0}", true),
            (#"\t"#, "\t", true),
            (#"\\"#, "\\", true),
            (#"\*"#, "*", true),
            (#"a\.b"#, "axb", false),
            (#"[\b]"#, "\u{8}", true),
            (#"\a"#, "\u{7}", true),
            (#"\n"#, "\n", true),
            (#"[\x41-\x43]"#, "B", true),
            (#"\012"#, "\n", true),
            (#"(?x) a b # comment"# + "\n" + #" c"#, "abc", true),
            (#"(?x)a\ b"#, "a b", true),
            (#"a(?#xyz)b"#, "ab", true),
            (#"(?P<oct>\d+)\.(?P<x>\d+)"#, "10.2", true),
            (#""#, "", true),
            (#""#, "anything", true),
            (#"()"#, "", true),
            (#"(?:)*"#, "x", true),
            (#"(a*)*"#, "b", true),
            (#"(|a)*$"#, "aaa", true),
            (#"(a*)+b"#, "aaac", false),
            (#"(?:\b)*x"#, "x", true),
            (#"(?:$)*a"#, "a", true),
            (#"café"#, "café", true),
            (#"[\x80-\xff]"#, "café", true),
            (#"^[\x00-\x7f]*$"#, "café", false),
    ]

    @Test func agreesWithPython() throws {
        for (pattern, subject, expected) in Self.pythonCases {
            let found = try search(pattern, subject)
            #expect(found == expected, "re.search(\(pattern.debugDescription), \(subject.debugDescription))")
        }
    }

    /// Python's `re.error`: position + 1 and message.
    static let pythonErrors: [(String, Int, String)] = [
            (#"(abc"#, 1, #"missing ), unterminated subpattern"#),
            (#"abc)"#, 4, #"unbalanced parenthesis"#),
            (#"*a"#, 1, #"nothing to repeat"#),
            (#"a**"#, 3, #"multiple repeat"#),
            (#"a{2}*"#, 5, #"multiple repeat"#),
            (#"^*"#, 2, #"nothing to repeat"#),
            (#"[z-a]"#, 2, #"bad character range z-a"#),
            (#"a{3,2}"#, 3, #"min repeat greater than max repeat"#),
            (#"abc\"#, 4, #"bad escape (end of pattern)"#),
            (#"[abc"#, 1, #"unterminated character set"#),
            (#"\q"#, 1, #"bad escape \q"#),
            (#"\x4"#, 1, #"incomplete escape \x4"#),
            (#"a(?i)"#, 2, #"global flags not at the start of the expression"#),
            (#"(?P<1>a)"#, 5, #"bad character in group name '1'"#),
            (#"(?P<n>a)(?P<n>b)"#, 13, #"redefinition of group name 'n' as group 2; was group 1"#),
            (#"[\d-z]"#, 2, #"bad character range \d-z"#),
            (#"\1"#, 2, #"invalid group reference 1"#),
            (#"(?Q)"#, 2, #"unknown extension ?Q"#),
            (#"\777"#, 1, #"octal escape value \777 outside of range 0-0o377"#),
            (#"x|*"#, 3, #"nothing to repeat"#),
            (#"(?"#, 3, #"unexpected end of pattern"#),
            (#"a{1,2}{3}"#, 7, #"multiple repeat"#),
            (#"(?i"#, 4, #"missing -, : or )"#),
            (#"[]"#, 1, #"unterminated character set"#),
            (#"\d+?*"#, 5, #"multiple repeat"#),
    ]

    @Test func errorsAsPython() {
        for (pattern, column, message) in Self.pythonErrors {
            #expect(throws: MatchError(column: column, message), "\(pattern.debugDescription)") {
                try compile(pattern)
            }
        }
    }

    /// Constructs Python accepts that cannot be matched in linear time (or are not implemented):
    /// refused, naming where they start.
    @Test func unsupportedConstructs() {
        let cases: [(String, Int, String)] = [
            ("(?=a)", 1, "lookahead"), ("x(?!a)", 2, "lookahead"), ("(?<=a)b", 1, "lookbehind"),
            ("(?<!a)b", 1, "lookbehind"), ("(?>a+)", 1, "atomic group"), ("a*+", 2, "possessive"),
            ("a{1,3}+", 2, "possessive"), ("(a)(?(1)b|c)", 4, "conditional group"),
            (#"(a)\1"#, 4, "backreference"), ("(?P<n>a)(?P=n)", 9, "backreference"),
            ("(?L)a", 3, "locale flag"), ("(?u)a", 4, "cannot use 'u' flag with a bytes pattern"),
        ]
        for (pattern, column, what) in cases {
            do {
                _ = try compile(pattern)
                Issue.record("\(pattern) compiled")
            } catch {
                #expect(error.column == column, "\(pattern): \(error)")
                #expect(error.message.contains(what), "\(pattern): \(error)")
            }
        }
    }

    @Test func boundsOnPatterns() throws {
        // Nesting: 100 groups deep is fine, 101 is refused where the 101st opens; 10,000 `(` are
        // refused without recursing 10,000 deep.
        let deep = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        #expect(try search(deep, "xa"))
        #expect(throws: MatchError(column: 101, "too deeply nested (more than 100 groups)")) {
            try compile(String(repeating: "(", count: 101) + String(repeating: ")", count: 101))
        }
        #expect(throws: MatchError.self) { try compile(String(repeating: "(", count: 4_000)) }
        #expect(throws: MatchError(column: 4_097, "pattern too long (more than 4096 bytes)")) {
            try compile(String(repeating: "(", count: 10_000))
        }
        // Counted repetition is expanded, within bounds.
        #expect(throws: MatchError(column: 2, "pattern too complex (repeat count above 1000)")) {
            try compile("a{1001}")
        }
        #expect(throws: MatchError(column: 10, "pattern too complex (more than 20000 instructions)")) {
            try compile("(a{1000}){1000}")
        }
        #expect(throws: MatchError.self) { try compile("a{99999999999999999999999999}") }
        let big = try compile("(?:a{1000}){19}")
        #expect(big.programSize <= MatchRegex.Limits.maximumProgram)
        #expect(try compile("a{1000}").programSize == 1_001)
        #expect(try search("^a{1000}$", String(repeating: "a", count: 1_000)))
        #expect(try !search("^a{1000}$", String(repeating: "a", count: 999)))
        // Many empty alternatives stay within bounds too.
        #expect(try search(String(repeating: "|", count: 4_000), ""))
    }

    @Test func anchoredIsPythonMatch() throws {
        let r = try MatchRegex(Array("(?i)nfs".utf8), anchored: true)
        #expect(r.search(Array("NFS4".utf8)))
        #expect(!r.search(Array("xnfs".utf8)))
        #expect(try MatchRegex(Array("".utf8), anchored: true).search([]))
        #expect(try MatchRegex(Array("b|".utf8), anchored: true).search(Array("ab".utf8)))
        #expect(try !MatchRegex(Array("b".utf8), anchored: true).search(Array("ab".utf8)))
    }

    @Test func bytesNotCharacters() throws {
        // Subjects are bytes: NUL and high bytes are ordinary, UTF-8 is just its bytes.
        let r = try MatchRegex([0x61, 0x00, 0xFF, 0x2E, 0x2A])  // "a\0\xff.*"
        #expect(r.search([0x78, 0x61, 0x00, 0xFF]))
        #expect(!r.search([0x61, 0x00, 0xFE]))
        #expect(try search(#"^.{5}$"#, "café"))  // 5 bytes
        // Case folding is ASCII only (Python's rule for bytes): Latin-1 É does not match é.
        #expect(try !compile(#"(?i)\xc9"#).search([0xE9]))
        #expect(try compile(#"(?i)\xc9"#).search([0xC9]))
    }

    /// The classic exponential cases for backtracking engines, on 100,000 `a`s and a `!`: each
    /// is one pass here.
    @Test func catastrophicPatternsAreLinear() throws {
        let subject = [UInt8](repeating: 0x61, count: 100_000) + [0x21]
        let cases: [(String, Bool)] = [
            ("(a+)+$", false), ("(a|a)*b", false), ("(a|aa)+$", false), ("(.*a){20}", true),
            ("(.*a){20}$", false), ("(a*)*b", false), (#"(\w+\s?)+$"#, false), ("(?:a?){30}a{30}$", false), ("(?:a?){30}a{30}", true),
        ]
        var scratch = MatchRegex.Scratch()
        let clock = ContinuousClock()
        for (pattern, expected) in cases {
            let r = try compile(pattern)
            var found = false
            let elapsed = clock.measure {
                found = subject.withUnsafeBytes { r.search($0, scratch: &scratch) }
            }
            #expect(found == expected, "\(pattern)")
            #expect(elapsed < .seconds(2), "\(pattern) took \(elapsed)")
        }
    }

    @Test func scratchIsReusedAcrossExpressions() throws {
        let small = try compile("b+c")
        let large = try compile("(?:x|y){500}z")
        var scratch = MatchRegex.Scratch()
        let subjects = ["abbc", "xy", "", String(repeating: "xy", count: 250) + "z", "bc"].map { Array($0.utf8) }
        for _ in 0..<3 {
            for s in subjects {
                let a = s.withUnsafeBytes { small.search($0, scratch: &scratch) }
                let b = s.withUnsafeBytes { large.search($0, scratch: &scratch) }
                #expect(a == small.search(s))
                #expect(b == large.search(s))
            }
        }
    }

    @Test func oneExpressionManyThreads() async throws {
        let r = try compile(#"^10\.0\.\d+\.\d+$"#)
        let results = await withTaskGroup(of: Int.self) { group in
            for t in 0..<4 {
                group.addTask {
                    var scratch = MatchRegex.Scratch()
                    var hits = 0
                    for k in 0..<1_000 {
                        let text = Array("10.\(t % 2).\(k % 256).\(k % 7)".utf8)
                        if text.withUnsafeBytes({ r.search($0, scratch: &scratch) }) { hits += 1 }
                    }
                    return hits
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == [0, 0, 1_000, 1_000])
    }

    /// Random patterns over the metacharacters: each compiles or throws (with a column inside
    /// the pattern), and what compiles runs on random subjects without trapping.
    @Test func randomPatternsNeverTrap() {
        let tokens = ["a", "b", "A", "(", ")", "(?:", "(?i)", "(?x)", "(?P<n>", "|", "*", "+", "?",
                      "{", "}", "{2}", "{0,3}", "{,5}", "{3,}", "[", "[^", "]", "^", "$", "-", "\\",
                      #"\b"#, #"\B"#, #"\d"#, #"\w"#, #"\s"#, #"\x4"#, #"\x41"#, #"\0"#, #"\1"#, #"\777"#,
                      ".", #"\A"#, #"\Z"#, "#", "\n", " ", "(?#", "(?-i:", "(?s:", "*?", "(?=", ",", "é"]
        var rng = SplitMix64(state: 20_240_601)
        var scratch = MatchRegex.Scratch()
        var compiled = 0
        for _ in 0..<3_000 {
            var pattern: [UInt8] = []
            let length = rng.below(16)
            for _ in 0..<length {
                if rng.below(30) == 0 {
                    pattern.append(UInt8(rng.below(256)))
                } else {
                    pattern += Array(tokens[rng.below(tokens.count)].utf8)
                }
            }
            do {
                let r = try MatchRegex(pattern)
                compiled += 1
                for _ in 0..<4 {
                    let subject = (0..<rng.below(24)).map { _ in
                        rng.below(4) == 0 ? UInt8(rng.below(256)) : Array("abA \n_9".utf8)[rng.below(7)]
                    }
                    _ = subject.withUnsafeBytes { r.search($0, scratch: &scratch) }
                }
            } catch {
                #expect(error.column >= 1 && error.column <= pattern.count + 1, "\(pattern): \(error)")
            }
        }
        #expect(compiled > 300)
    }

    /// Random well-formed patterns (nested groups, alternation, counted repeats, anchors) on
    /// longer subjects: each search finishes in time linear in the subject.
    @Test func randomWellFormedPatterns() throws {
        var rng = SplitMix64(state: 7)
        let atoms = ["a", "b", ".", #"\d"#, #"\w"#, "[ab]", "[^a]", #"\b"#, "$", "^", "(?i:A)"]
        let quantifiers = ["*", "+", "?", "{2}", "{1,3}", "{,4}", "{2,}", "*?"]
        func tree(_ depth: Int) -> String {
            let r = rng.below(10)
            if depth > 4 || r < 3 { return atoms[rng.below(atoms.count)] }
            if r < 6 { return (0..<(1 + rng.below(3))).map { _ in tree(depth + 1) }.joined() }
            if r < 8 { return "(" + (0..<(1 + rng.below(3))).map { _ in tree(depth + 1) }.joined(separator: "|") + ")" }
            return "(?:" + tree(depth + 1) + ")" + quantifiers[rng.below(quantifiers.count)]
        }
        var scratch = MatchRegex.Scratch()
        let subject = (0..<5_000).map { _ in Array("ab 1\nA".utf8)[rng.below(6)] }
        let clock = ContinuousClock()
        for _ in 0..<150 {
            let r = try compile(tree(0))
            let elapsed = clock.measure { _ = subject.withUnsafeBytes { r.search($0, scratch: &scratch) } }
            #expect(elapsed < .seconds(2))
        }
    }

    /// A pattern that is only bytes (after `^`) is searched without the machine: the same answers.
    @Test func literalPatterns() throws {
        let cases: [(String, Bool, [String: Bool])] = [
            ("^10\\.", false, ["10.1.2.3": true, "110.1.2.3": false, "10": false, "": false]),
            ("77", false, ["10.77.0.1": true, "7": false, "1077": true]),
            ("", false, ["": true, "x": true]),
            ("abc", true, ["abcd": true, "xabc": false]),
            ("a.c", false, ["abc": true]),
            ("(?i)abc", false, ["ABC": true]),
            ("abc$", false, ["xabc": true, "abcx": false]),
        ]
        for (pattern, anchored, subjects) in cases {
            let regex = try MatchRegex(Array(pattern.utf8), anchored: anchored)
            for (subject, expected) in subjects {
                #expect(regex.search(Array(subject.utf8)) == expected, "\(pattern) on \(subject)")
            }
        }
        #expect(try MatchRegex(Array("^10\\.".utf8)).literal == Array("10.".utf8))
        #expect(try MatchRegex(Array("a.c".utf8)).literal == nil)
        #expect(try MatchRegex(Array("abc$".utf8)).literal == nil)
        #expect(try MatchRegex(Array("(?i)abc".utf8)).literal == nil)
    }
}

import Decode
import Foundation
import Testing
@testable import Match

/// Expressions as an attacker (or a careless script) writes them: each one is an error or an
/// answer, in bounded time, never a crash or a hang.
@Suite("Match expressions: hostile input")
struct MatchHostileTests {
    static var empty: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    static func judge(_ text: String) -> Bool? {
        guard let e = try? MatchExpression(text) else { return nil }
        var scratch = MatchScratch()
        return e.matches(Packet(), tape: Tape(), message: empty, scratch: &scratch)
    }

    @Test("10,000-deep nesting of parentheses, not, minus and lists: an error naming the column")
    func deepNesting() {
        for text in [String(repeating: "(", count: 10_000) + "TCP.flags.SYN" + String(repeating: ")", count: 10_000),
                     String(repeating: "not ", count: 10_000) + "TCP",
                     "TCP.src_port == " + String(repeating: "-", count: 10_000) + "1",
                     "1 in " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)] {
            do {
                _ = try MatchExpression(text)
                Issue.record("compiled: \(text.prefix(20))…")
            } catch {
                #expect(error.message.contains("nested too deep"), "\(error)")
            }
        }
    }

    @Test("Huge literals are errors, not traps")
    func hugeLiterals() {
        #expect(Self.judge("TCP.src_port == " + String(repeating: "9", count: 100_000)) == nil)
        #expect(Self.judge("TCP.src_port == 0x" + String(repeating: "f", count: 40)) == nil)
        #expect(Self.judge("1 << 100000 == 0") == nil)
        #expect(Self.judge("IP.src == '" + String(repeating: "a", count: 70_000) + "'") == nil)
        #expect(Self.judge("TCP.src_port == 1e999") == nil)
    }

    @Test("A 100 kB expression compiles and is judged quickly")
    func longExpression() throws {
        let text = (0..<5_000).map { "TCP.src_port == \($0)" }.joined(separator: " or ")
        #expect(text.utf8.count > 100_000)
        let clock = ContinuousClock()
        var compiled: MatchExpression?
        let elapsed = clock.measure { compiled = try? MatchExpression(text) }
        let e = try #require(compiled)
        #expect(elapsed < .seconds(10))
        var scratch = MatchScratch()
        var p = Packet()
        p.layers.add(.tcp)
        p.tcp.srcPort = 4_999
        #expect(e.matches(p, tape: Tape(), message: Self.empty, scratch: &scratch))
        p.tcp.srcPort = 5_000
        #expect(!e.matches(p, tape: Tape(), message: Self.empty, scratch: &scratch))
    }

    @Test("Catastrophic regular expressions on a long field: linear time")
    func catastrophicRegex() throws {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 60_000) + [UInt8(ascii: "!")]
        for pattern in [#"(a+)+$"#, #"(a|a)*b"#, #"(a|aa)+$"#, #"(.*a){12}$"#] {
            let e = try MatchExpression("re.search(r'\(pattern)', RPC.cred.machinename)")
            // the field's text comes from the message: build an AUTH_SYS call whose machine name is `long`
            var p = Packet()
            p.layers.add(.rpc)
            p.rpc.messageType = 0
            p.rpc.credential.flavor = 1
            p.rpc.credential.machineName = ByteRange(offset: 0, count: long.count)
            var scratch = MatchScratch()
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                _ = long.withUnsafeBytes { e.matches(p, tape: Tape(), message: $0, scratch: &scratch) }
            }
            #expect(elapsed < .seconds(5), "\(pattern): \(elapsed)")
        }
    }

    @Test("A regular expression on a 4 MB field searches a bounded prefix: bounded time, whatever the pattern")
    func hugeField() throws {
        var long = [UInt8](repeating: UInt8(ascii: "a"), count: 4 << 20)
        long[10] = UInt8(ascii: "!")
        for (pattern, found) in [(#"(?:a{1000}){19}!"#, false), (#"a!"#, true), (#"^a{10}!"#, true), (#"zzz"#, false)] {
            let e = try MatchExpression("re.search(r'\(pattern)', RPC.cred.machinename)")
            var p = Packet()
            p.layers.add(.rpc)
            p.rpc.credential.flavor = 1
            p.rpc.credential.machineName = ByteRange(offset: 0, count: long.count)
            var scratch = MatchScratch()
            let clock = ContinuousClock()
            var matched = false
            let elapsed = clock.measure {
                matched = long.withUnsafeBytes { e.matches(p, tape: Tape(), message: $0, scratch: &scratch) }
            }
            #expect(matched == found, "\(pattern)")
            #expect(elapsed < .seconds(10), "\(pattern): \(elapsed)")
        }
    }

    @Test("Thousands of fuzzed expressions through the compiler: a program or an error with a column")
    func fuzzed() {
        var rng = SplitMix64(state: 0x5EED)
        let pieces = ["NFS.status", "NFS.argop", "IP.src", "TCP.flags.SYN", "RPC.xid", "RPC.latency", "MOUNT.dirpath",
                      "NFS.opputfh.status", "crc32(", "re(", "re.search(", "'10.0.0.1'", "r'^a.*'", "0x1F", "0o7", "1e3",
                      "[", "]", "(", ")", ",", "==", "!=", "<", ">=", "in", "not", "and", "or", "&", "|", "^", "<<",
                      ">>", "-", "~", "NFS4ERR_NOENT", "True", "'\\x00'", "62", "NFS.attributes", "NFS.fh", "\"x\""]
        var compiled = 0
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 12 + 1) {
                if rng.next() % 10 == 0 {
                    text.unicodeScalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: rng.next() % 128)))
                } else {
                    text += pieces[Int(rng.next() % UInt64(pieces.count))] + " "
                }
            }
            do {
                let e = try MatchExpression(text)
                var scratch = MatchScratch()
                _ = e.matches(Packet(), tape: Tape(), message: Self.empty, scratch: &scratch)
                compiled += 1
            } catch {
                #expect(error.column >= 1 && error.column <= text.unicodeScalars.count + 1, "\(text): \(error)")
            }
        }
        #expect(compiled > 50)
    }
}

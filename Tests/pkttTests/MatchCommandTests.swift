import Foundation
import Testing

/// `pktt match` as a user runs it, on cases of `Tests/Fixtures/match/agreement.tsv` (tshark's
/// frames for each expression, written by `scripts/match-truth`).
@Suite("pktt match")
struct MatchCommandTests {
    struct Case {
        var name: String, capture: String, expression: String
        var frames: Set<Int>
    }

    /// The named rows of agreement.tsv (name, capture, pktt, tshark, frames; `#` lines are comments).
    static func cases(_ names: Set<String>) throws -> [Case] {
        let text = try String(contentsOf: CLI.fixtures.appendingPathComponent("match/agreement.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst().compactMap { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count == 5, names.contains(c[0]) else { return nil }
            return Case(name: c[0], capture: c[1], expression: c[2], frames: Set(c[4].split(separator: ",").compactMap { Int($0) }))
        }
    }

    /// One case per depth the command decodes to: TCP flags (with frames that have no TCP),
    /// the RPC latency (calls paired with replies), an NFS body field.
    static let names: Set<String> = ["not-ack", "rpc-latency", "nfs4-fh-crc32"]

    @Test("--json: the frames of the packets shown are the frames tshark selects; --count counts them")
    func framesAsTshark() throws {
        let cases = try Self.cases(Self.names)
        #expect(cases.count == Self.names.count, "agreement.tsv lacks some of \(Self.names.sorted())")
        let repository = CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        for c in cases {
            let file = repository.appendingPathComponent(c.capture).path
            let shown = try CLI.run(["match", "--json", c.expression, file])
            #expect(shown.status == 0 && shown.stderr.isEmpty, "\(c.name): exit \(shown.status) \(shown.stderr)")
            let lines = shown.stdout.split(separator: "\n")
            var frames = Set<Int>()
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let frame = (object?["record"] as? [String: Any])?["frame"] as? Int
                #expect(frame != nil, "\(c.name): a line without record.frame: \(line.prefix(120))")
                if let frame { frames.insert(frame) }
            }
            let extra = frames.subtracting(c.frames).sorted(), missing = c.frames.subtracting(frames).sorted()
            #expect(extra.isEmpty && missing.isEmpty,
                    "\(c.name): \(c.expression): pktt alone \(extra.prefix(8)), tshark alone \(missing.prefix(8))")
            // --count decodes only as deep as the expression needs: the same packets
            let counted = try CLI.run(["match", "--count", c.expression, file])
            #expect(counted.status == 0 && counted.stdout == "\(lines.count)\n", "\(c.name): --count \(counted.stdout)")
        }
    }

    @Test("A bad expression: exit 2, the column on stderr, nothing on stdout", arguments: [
        ("TCP.flags.SYN ==", 17),
        ("NFS.bogus == 1", 1),
        ("IP.src == 10", 11),
        ("(RPC.xid == 1", 14),
    ])
    func badExpression(_ expression: String, column: Int) throws {
        let result = try CLI.run(["match", "--json", expression, CLI.fixture("nfs4/lab-nfsv41.pcap")])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("pktt: expression: column \(column): "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}

import Foundation
import Testing
@testable import Match
@testable import PacketTrace

/// Body comparisons are judged as leaves, all in one pass over the tape, and a rule set skips
/// expressions whose layers a packet lacks: on real captures, every expression must select the
/// same packets, and find its match in the same tape entry, as when each comparison walks the
/// tape on its own.
@Suite("MatchRuleSet: one pass for all rules, the same answers as one rule at a time")
struct MatchRuleSetTests {
    static let captures = [
        "nfs4/lab-nfsv41.pcap", "nfs4/lab-nfsv40.pcap", "nfs4/suricata-nfs4-01-pnfs.pcap",
        "nfs3/lab-nfsv3-procedures.pcap", "nfs3/lab-nfs-errors.pcap", "nfs3/nfsv2-udp.pcap",
        "nfs3/zeek-getattr-bad-ftype.pcap", "nfs3/zeek-write-bad-stable-how.pcap", "nfs3/nfsacl-getsetacl.cap",
        "samples/nfsv3-handshake.pcap",
    ]

    static let expressions = [
        "NFS.status != 0", "NFS.status == NFS4ERR_NOENT", "NFS.status == NFS3ERR_NOENT", "NFS.status == 2",
        "0 != NFS.status", "10000 < NFS.status", "NFS.status >= 2", "NFS.status in [2, 10006, NFS4ERR_STALE]",
        "NFS.status not in [0]", "NFS.status not in [0, 2]", "NFS.argop == 38", "NFS.argop in [OP_OPEN, OP_CLOSE]",
        "NFS.resop == 25", "NFS.op in [18, 4]", "NFS.op == 1", "NFS.op == GETATTR", "NFS.op == OP_GETATTR",
        "crc32(NFS.fh) != 0", "crc16(NFS.fh) > 30000", "crc32(NFS.stateid) != 0", "crc32(NFS.fh) in [1, 2]",
        "MOUNT.status != 0", "MOUNT.status == MNT3_OK", "NFS.type == NF3DIR", "NFS.type == 0x42424242",
        "NFS.count > 1000", "NFS.stable == FILE_SYNC", "NFS.stable == 7", "NFS.attrmask != 0", "NFS.seqid > 1",
        "NFS.argop == 32 and NFS.status != 0", "not NFS.status == 0", "NFS.status != 0 or TCP.flags.SYN == 1",
        "NFS.argop == 38 and RPC.latency > 0.0001", "UDP.dst_port == 111", "TCP.flags.RST == 1",
        "RPC.latency > 0.001", "IP.src == re('^10\\.')", "re.search(r'\\.1$', IP.dst)", "IP.src == re('77')",
        "IP.src != re('^192')", "NFS.version == 3 and NFS.status == 0", "NLM.stat != 0", "PORTMAP.port > 0",
        "RPC.program == 100005 and RPC.procedure == 1", "NFS", "NFS.minorversion == 1",
    ]

    /// Per packet of `path`: for each expression, whether it matched and in which tape entry.
    static func judge(_ path: String, _ judge: (Pktt, inout MatchScratch) -> [Int?]) throws -> [[Int?]] {
        let trace = try Pktt(files: [Fixtures.path(path)], rewindable: false)
        var scratch = MatchScratch()
        var out: [[Int?]] = []
        while try trace.next() { out.append(judge(trace, &scratch)) }
        return out
    }

    @Test("leaves, rule sets and one comparison at a time agree on every packet", arguments: captures)
    func agree(_ path: String) throws {
        let slow = try Self.expressions.map { try MatchExpression($0, leaves: false) }
        let fast = try Self.expressions.map { try MatchExpression($0) }
        #expect(fast.contains { $0.leaves != nil } && slow.allSatisfy { $0.leaves == nil })
        let rules = MatchRuleSet(fast)
        // -1: no match; else the matched entry, or -2 for a match without one
        func answer(_ matched: Bool, _ scratch: MatchScratch) -> Int? { matched ? scratch.matchedEntry ?? -2 : nil }
        let bySlow = try Self.judge(path) { trace, scratch in
            slow.map { answer(trace.matches($0, scratch: &scratch), scratch) }
        }
        let byFast = try Self.judge(path) { trace, scratch in
            fast.map { answer(trace.matches($0, scratch: &scratch), scratch) }
        }
        let bySet = try Self.judge(path) { trace, scratch in
            var row = [Int?](repeating: nil, count: rules.expressions.count)
            trace.matches(rules, scratch: &scratch) { row[$0] = $1 ?? -2 }
            return row
        }
        #expect(bySlow.count > 0)
        var matched = 0
        for (index, (s, (f, r))) in zip(bySlow, zip(byFast, bySet)).enumerated() {
            for (k, text) in Self.expressions.enumerated() where s[k] != f[k] || s[k] != r[k] {
                Issue.record("\(path) packet \(index): '\(text)' one at a time \(String(describing: s[k])), leaves \(String(describing: f[k])), rule set \(String(describing: r[k]))")
            }
            matched += s.compactMap { $0 }.count
        }
        #expect(matched > 0)
    }

    @Test("the leaves are what the rules of an admin compile to")
    func leavesCompiled() throws {
        for text in ["NFS.status != 0", "NFS.status == NFS4ERR_STALE", "NFS.op in [18, 4]", "crc32(NFS.fh) == 0x0f581ee9",
                     "NFS.argop == 32 and NFS.status != 0", "1 < NFS.count"] {
            #expect(try MatchExpression(text).leaves != nil, "\(text)")
        }
        // a word against `!=` compares names: judged on its own
        #expect(try MatchExpression("NFS.status != NFS4ERR_STALE").leaves == nil)
        #expect(try MatchExpression("NFS.opputfh.status == 0").leaves == nil)
    }

    @Test("a rule set skips the expressions whose layers a packet lacks")
    func needs() throws {
        func needs(_ text: String) throws -> [Layer] {
            let set = LayerSet(rawValue: try MatchExpression(text).needs)
            return Layer.allCases.filter { set.has($0) }
        }
        #expect(try needs("MOUNT.status != 0") == [.mount])
        #expect(try needs("TCP.flags.SYN == 1 and TCP.dst_port == 2049") == [.tcp])
        #expect(try needs("UDP.dst_port == 111 or TCP.dst_port == 111") == [])
        #expect(try needs("NFS.status != 0 and RPC.latency > 0.1") == [.rpc, .nfs])
        #expect(try needs("not MOUNT.status != 0") == [])
        #expect(try needs("IP.src == re('^10')") == [])
        #expect(try needs("NFS.status not in [0] or NFS.argop == 1") == [.nfs])
    }
}

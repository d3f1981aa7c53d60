import Decode
import Testing
@testable import Match

/// Names, types and functions checked when an expression is compiled: every refusal names the
/// column and what was expected, and what compiles knows how deep packets must be decoded.
@Suite("Match expressions: compiling")
struct MatchCompilerTests {
    static func error(_ text: String) -> MatchError? {
        do {
            _ = try MatchExpression(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("The names of every layer resolve, case-insensitive on the layer")
    func names() throws {
        for text in ["TCP.flags.SYN == 1", "tcp.flags.SYN == 1", "IP.src == '10.0.0.1'", "ip.dst == 'fd77::1'",
                     "ETHERNET.src == '00:11:22:33:44:55'", "VLAN.id == 10", "SLL.protocol == 0x800",
                     "UDP.dst_port == 2049", "RPC.xid == 0x1234", "RPC.latency > 0.5", "RPC.type == 1",
                     "RPC.type == 'reply'", "RPC.cred.uid == 0", "NFS.argop == 38", "NFS.resop in [22, 9]",
                     "NFS.op == 18", "NFS.status == NFS4ERR_NOENT", "NFS.status == 'NFS4ERR_NOENT'",
                     "NFS.status != 0", "NFS.sequenceid == 25", "NFS.opputfh.status == 0", "NFS.stateid == 'abc'",
                     "crc32(NFS.fh) == 0x0f581ee9", "crc16(NFS.fh) == 1", "62 in NFS.attributes",
                     "NFS.attr_request & 0x4000000000000000L != 0", "MOUNT.dirpath == '/export'",
                     "PORTMAP.prog == 100003", "NLM.stat == 0", "NSM.mon_name == 'x'", "NFS.version == 4",
                     "NFS.minorversion == 1", "NFS", "not NFS and TCP", "RPC.status == 'success'",
                     "IP.src == re('192\\.168\\..*')", "re.search(r'^10\\.', IP.src)", "re.match(r'10', IP.dst)"] {
            #expect(throws: Never.self, "\(text)") { _ = try MatchExpression(text) }
        }
    }

    @Test("Depth: transport fields need no RPC, RPC fields no bodies")
    func depth() throws {
        #expect(try MatchExpression("TCP.flags.SYN == 1 and IP.src == '10.0.0.1'").depth == .transport)
        #expect(try MatchExpression("TCP.flags.SYN == 1 or RPC.xid == 5").depth == .rpc)
        #expect(try MatchExpression("RPC.xid == 5 and NFS.status != 0").depth == .body)
        #expect(try MatchExpression("MOUNT").depth == .body)
    }

    @Test("An unknown field names its column and the closest name")
    func unknownField() {
        let e = Self.error("RPC.xid == 1 and NFS.argopp == 38")
        #expect(e?.column == 18)
        #expect(e?.message == "unknown field 'NFS.argopp' (did you mean NFS.argop?)")
        #expect(Self.error("TCP.flags.SYNN == 1")?.message == "unknown field 'TCP.flags.SYNN' (did you mean TCP.flags.SYN?)")
        #expect(Self.error("IP.nothinglikeit == 1")?.message == "unknown field 'IP.nothinglikeit'")
        #expect(Self.error("FOO.bar == 1")?.message.hasPrefix("unknown layer 'FOO'") == true)
    }

    @Test("Type mismatches and unknown names are refused where they are")
    func types() {
        let e = Self.error("IP.src == 5")
        #expect(e?.column == 11)
        #expect(e?.message.contains("IP.src is an address") == true)
        #expect(Self.error("IP.src == 'not an address'")?.column == 11)
        #expect(Self.error("TCP.src_port == 'abc'")?.column == 17)
        #expect(Self.error("NFS.status == NFS4ERR_NOENTT")?.message == "unknown name 'NFS4ERR_NOENTT' for NFS.status")
        #expect(Self.error("NFS4ERR_NOENT")?.column == 1)
        #expect(Self.error("IP.flags == 1")?.message.hasPrefix("IP.flags is a group of fields") == true)
        #expect(Self.error("NFS == 1")?.message.hasPrefix("NFS is a layer") == true)
        #expect(Self.error("IP.src == re('(')")?.column == 14)
        #expect(Self.error("IP.src < re('x')")?.message == "re('…') is compared with '==' or '!=' only")
        #expect(Self.error("len(IP.src) == 4")?.message.hasPrefix("unknown function 'len'") == true)
        #expect(Self.error("TCP.src_port in 5")?.column == 17)
        #expect(Self.error("1 << 200 == 0")?.message.contains("no value") == true)
    }

    @Test("Literals fold: bit operations, negation, hex with L")
    func folding() throws {
        #expect(try MatchExpression("0x4000000000000000L & (1 << 62) != 0").root is MatchComparison)
        let e = try MatchExpression("-1 == -1")
        var scratch = MatchScratch()
        #expect(e.matches(Packet(), tape: Tape(), message: UnsafeRawBufferPointer(start: nil, count: 0), scratch: &scratch))
        let f = try MatchExpression("(1 << 62) | 1 == 0x4000000000000001 and not 3 in [1, 2] and 2 not in [1]")
        #expect(f.matches(Packet(), tape: Tape(), message: UnsafeRawBufferPointer(start: nil, count: 0), scratch: &scratch))
    }

    @Test("A field absent from a packet makes its comparison false, '!=' too")
    func absent() throws {
        var scratch = MatchScratch()
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        for text in ["TCP.src_port == 1", "TCP.src_port != 1", "NFS.status != 0", "IP.src != '1.2.3.4'", "TCP.flags.SYN"] {
            #expect(try !MatchExpression(text).matches(Packet(), tape: Tape(), message: empty, scratch: &scratch), "\(text)")
        }
        #expect(try MatchExpression("not TCP.src_port == 1").matches(Packet(), tape: Tape(), message: empty, scratch: &scratch))
    }
}

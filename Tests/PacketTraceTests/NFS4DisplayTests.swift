import Decode
import Foundation
import PacketTrace
import Testing

/// The one-line display of NFSv4 compounds: the op list (`SEQUENCE;PUTFH;GETATTR`, for the
/// procedure column) and the summary NFStest 3.2 picks (`NFStestCompound`), from the op formats of
/// xdr/nfs4.x. The pNFS capture's lines are also in NFStest's own output for it
/// (`nfstest-lines/suricata-verify/nfs4-01/input.pcap.txt`).
@Suite struct NFS4DisplayTests {
    /// "OPS  SUMMARY" for every NFSv4 message of a capture, by "frame xid call|reply".
    static func lines(_ capture: String) throws -> [(key: String, ops: String, summary: String)] {
        try NFS4CaptureTests.messages(capture).map { m in
            var ops = TextBuffer()
            TapeSummary.appendOperations(m.tape, program: m.program, version: 4, procedure: m.procedure,
                                         isReply: m.reply, to: &ops)
            var summary = TextBuffer()
            m.body.withUnsafeBytes { raw in
                TapeSummary.append(m.tape, bytes: raw, program: m.program, version: 4, procedure: m.procedure,
                                   isReply: m.reply, to: &summary)
            }
            return (m.key, ops.take(), summary.take())
        }
    }

    static func line(_ lines: [(key: String, ops: String, summary: String)], _ key: String) -> String? {
        lines.first { $0.key == key }.map { "\($0.ops) \($0.summary)" }
    }

    /// The seed's shapes: `SEQUENCE;PUTFH;GETATTR FH:… request:0x…`, `…;OPEN;GETFH DH:…/name acc: deny:`,
    /// the OPEN reply's `stid:SEQID,0xCRC32 … FH:…` (the file handle GETFH returns after it; two
    /// blanks between them when there is no delegation, as NFStest writes it).
    @Test func nfsv40Compounds() throws {
        let lines = try Self.lines("nfs4/lab-nfsv40.pcap")
        #expect(Self.line(lines, "8 0x0d8a3f76 call") == "SETCLIENTID ")
        #expect(Self.line(lines, "12 0x0d8a3f78 call") == "PUTROOTFH;LOOKUP;GETATTR;GETFH DH:/export")
        #expect(Self.line(lines, "13 0x0d8a3f78 reply") == "PUTROOTFH;LOOKUP;GETATTR;GETFH FH:0xfc426439")
        #expect(Self.line(lines, "14 0x0d8a3f79 call")
                == "PUTFH;GETATTR;GETFH;READDIR DH:0xfc426439 cookie:0 verf:0x0000000000000000 count:8192")
        #expect(Self.line(lines, "15 0x0d8a3f79 reply") == "PUTFH;GETATTR;GETFH;READDIR verf:0x0000000000000000 eof:TRUE")
        #expect(Self.line(lines, "48 0x0d8c3f89 call") == "PUTFH;GETATTR;ACCESS;OPEN;GETFH DH:0xfc426439/hello.txt acc:0x01 deny:0x00")
        #expect(Self.line(lines, "49 0x0d8c3f89 reply") == "PUTFH;GETATTR;ACCESS;OPEN;GETFH stid:1,0xf2d74aad  FH:0xc0343153")
        #expect(Self.line(lines, "50 0x0d8c3f8a call") == "PUTFH;OPEN_CONFIRM stid:1,0xf2d74aad seqid:1")
        #expect(Self.line(lines, "53 0x0d8c3f8b reply") == "PUTFH;GETATTR ")
        #expect(Self.line(lines, "54 0x0d8c3f8c call") == "PUTFH;READ FH:0xc0343153 stid:2,0xf2d74aad off:0 len:23")
        #expect(Self.line(lines, "55 0x0d8c3f8c reply") == "PUTFH;READ eof:TRUE count:23")
        #expect(Self.line(lines, "179 0x0d903f98 call") == "PUTFH;WRITE FH:0x4adf76a1 stid:2,0x1deaef4d off:0 len:1500 UNSTABLE4")
        #expect(Self.line(lines, "181 0x0d903f98 reply") == "PUTFH;WRITE count:1500 verf:0x2c55086b00000000 UNSTABLE4")
    }

    @Test func nfsv41SessionsAndPNFS() throws {
        let lines = try Self.lines("nfs4/suricata-nfs4-01-pnfs.pcap")
        #expect(Self.line(lines, "7 0x8ad3d427 call") == "EXCHANGE_ID flags:0x00000101 SP4_NONE")
        #expect(Self.line(lines, "8 0x8ad3d427 reply") == "EXCHANGE_ID clientid:0xe0148200000002d2 seqid:1 flags:0x00060100 SP4_NONE")
        #expect(Self.line(lines, "22 0x8fd3d427 call")
                == "SEQUENCE;PUTFH;GETATTR FH:0xa1aaceee request:0x8000000000000002065")
        #expect(Self.line(lines, "57 0x9fd3d427 reply")
                == "SEQUENCE;PUTFH;OPEN;GETFH;ACCESS;GETATTR stid:1,0xb1031912 wr_deleg_stid:1,0x96645428 FH:0xb31ba80c")
        #expect(Self.line(lines, "58 0xa0d3d427 call")
                == "SEQUENCE;PUTFH;LAYOUTGET FH:0xb31ba80c RW off:0 len:umax64 stid:0,0x96645428")
        #expect(Self.line(lines, "61 0xa1d3d427 reply") == "SEQUENCE;GETDEVICEINFO ")
        #expect(Self.line(lines, "72 0xa6d3d427 call")
                == "SEQUENCE;PUTFH;LAYOUTRETURN FH:0xb31ba80c ANY off:0 len:umax64 stid:1,0x0dc11847")
        // the callback program's NULL (program 0x40000000 here) has no ops
        #expect(Self.line(lines, "11 0x05c06095 call") == " ")
    }

    /// Each op's own summary, and the main op the seed's priority picks.
    @Test func everyOpOfACompound() throws {
        let ms = try NFS4CaptureTests.messages("nfs4/suricata-nfs4-01-pnfs.pcap")
        let m = try #require(ms.first { $0.key == "58 0xa0d3d427 call" })
        let compound = try #require(NFSCompoundAnalysis.analyse(tape: m.tape, program: 100_003, version: 4,
                                                                procedure: 1, isReply: false))
        let texts = (0..<compound.elementCount).map { index in
            var out = TextBuffer()
            m.body.withUnsafeBytes { raw in
                TapeSummary.appendOperation(m.tape, bytes: raw, compound: compound, index: index, to: &out)
            }
            return out.take()
        }
        #expect(texts[0] == "")  // SEQUENCE shows nothing, as in NFStest
        #expect(texts[1] == "FH:0xb31ba80c")
        #expect(compound.mainIndex == 2)
        #expect(compound.mainOp == NFSv4Operation.layoutget)
        #expect(XDRCompound.nfs4OpName(50) == "LAYOUTGET")
    }
}

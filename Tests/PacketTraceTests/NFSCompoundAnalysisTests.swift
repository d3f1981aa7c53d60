import Decode
import Foundation
import PacketTrace
import Testing

/// `NFSCompoundAnalysis`, the one place a compound's main op, failed op and per-op file handles
/// are worked out, on real captures and against tshark's reading of the same messages.
@Suite struct NFSCompoundAnalysisTests {
    static func analysis(_ m: NFS4CaptureTests.Message) -> NFSCompoundAnalysis? {
        NFSCompoundAnalysis.analyse(tape: m.tape, program: m.program, version: 4, procedure: m.procedure,
                                    isReply: m.reply)
    }

    static func ops(_ m: NFS4CaptureTests.Message, _ a: NFSCompoundAnalysis) -> [NFSCompoundFileHandles.Op] {
        var walk = a.fileHandles(m.tape)
        var out: [NFSCompoundFileHandles.Op] = []
        while let op = walk.next() { out.append(op) }
        return out
    }

    static func hash(_ m: NFS4CaptureTests.Message, _ at: Int?) -> String? {
        at.map { i in m.body.withUnsafeBytes { String(format: "0x%08x", CRC32.checksum($0, m.tape[i].byteRange)) } }
    }

    /// The failed op is the first op tshark gives a status other than NFS4_OK, every handle the
    /// analysis gives an op is one tshark shows in that message, and the op list is tshark's.
    @Test(arguments: NFS4CaptureTests.compared)
    func agreesWithTshark(_ capture: String, _ expected: String) throws {
        let messages = try NFS4CaptureTests.messages(capture)
        let byKey = Dictionary(try NFS4CaptureTests.expected(expected).map {
            ("\($0.frame) \($0.xid) \($0.reply ? "reply" : "call")", $0)
        }, uniquingKeysWith: { a, _ in a })
        var compounds = 0, failed = 0, handles = 0
        for m in messages {
            guard let a = Self.analysis(m), let e = byKey[m.key] else { continue }
            compounds += 1
            let walked = Self.ops(m, a)
            #expect(walked.count == a.elementCount)
            #expect(walked.compactMap(\.op) == e.ops, "\(capture) \(m.key)")
            if m.reply, let status = e.status.first, status != 0 {
                failed += 1
                // tshark: the compound's status, then each op's
                #expect(a.failedIndex == e.status.dropFirst().firstIndex { $0 != 0 }.map { $0 - 1 },
                        "\(capture) \(m.key)")
                #expect(a.failedOp == a.failedIndex.map { e.ops[$0] })
            } else {
                #expect(a.failedIndex == nil && a.failedOp == nil, "\(capture) \(m.key)")
            }
            let shown = Set(e.fields.filter { $0.first == "nfs.fh.hash" }.map { $0[1] })
            for op in walked {
                for h in [op.current, op.result, op.reached].compactMap({ Self.hash(m, $0) }) {
                    handles += 1
                    #expect(shown.contains(h), "\(capture) \(m.key) op \(op.index): \(h) not in \(shown)")
                }
            }
            #expect(a.mainIndex.map { walked[$0].element } == a.mainElement)
        }
        #expect(compounds > 0)
        print("compound analysis vs tshark \(capture): \(compounds) compounds, \(failed) failed, \(handles) handles")
    }

    /// PUTFH;LOOKUP;LOOKUP;GETATTR;GETFH;READDIR (lab-nfsv40.pcap frames 28 and 29): the call shows
    /// the directory PUTFH puts; the reply does not echo it, so the first ops have no handle, and
    /// the GETFH shows the object the LOOKUPs reached for every op from the last LOOKUP on.
    @Test func aPathWalkedByLookups() throws {
        let ms = try NFS4CaptureTests.messages("nfs4/lab-nfsv40.pcap")
        let call = try #require(ms.first { $0.key == "28 0x0d8a3f7d call" })
        let reply = try #require(ms.first { $0.key == "29 0x0d8a3f7d reply" })
        let c = try #require(Self.analysis(call)), r = try #require(Self.analysis(reply))
        // the last of the highest priority: the second LOOKUP, as NFStest picks it
        #expect(c.mainOp == NFSv4Operation.lookup && c.mainIndex == 2)
        #expect(r.mainOp == NFSv4Operation.lookup && r.mainIndex == 2)
        #expect(r.status(reply.tape) == 0 && r.failedOp == nil)

        let callOps = Self.ops(call, c)
        let dir = "0xfc426439"
        #expect(callOps.map { Self.hash(call, $0.current) } == [dir, dir, nil, nil, nil, nil])
        #expect(callOps.map { Self.hash(call, $0.result) } == [dir, nil, nil, nil, nil, nil])

        let replyOps = Self.ops(reply, r)
        let object = "0xe72cded4"
        #expect(replyOps.map { Self.hash(reply, $0.current) } == [nil, nil, nil, object, object, object])
        #expect(replyOps.map { Self.hash(reply, $0.result) } == [nil, nil, object, object, object, object])
        // the first LOOKUP's own object is never shown, but the path it is part of ends on the GETFH's
        #expect(replyOps.map { Self.hash(reply, $0.reached) } == [object, object, object, object, object, object])
    }

    /// The op constants are the protocol's numbers: their names are those of `nfs_opnum4` in xdr/nfs4.x.
    @Test func opNumbersAreTheRFCs() {
        let named: [(Int64, String)] = [
            (NFSv4Operation.access, "ACCESS"), (NFSv4Operation.getfh, "GETFH"), (NFSv4Operation.lookup, "LOOKUP"),
            (NFSv4Operation.open, "OPEN"), (NFSv4Operation.putfh, "PUTFH"), (NFSv4Operation.putpubfh, "PUTPUBFH"),
            (NFSv4Operation.putrootfh, "PUTROOTFH"), (NFSv4Operation.restorefh, "RESTOREFH"),
            (NFSv4Operation.savefh, "SAVEFH"), (NFSv4Operation.secinfoNoName, "SECINFO_NO_NAME"),
            (NFSv4Operation.sequence, "SEQUENCE"), (NFSv4Operation.reclaimComplete, "RECLAIM_COMPLETE"),
            (NFSv4Operation.clone, "CLONE"), (NFSv4Operation.removexattr, "REMOVEXATTR"),
            (NFSv4Operation.create, "CREATE"), (NFSv4Operation.lookupp, "LOOKUPP"),
            (NFSv4Operation.openattr, "OPENATTR"), (NFSv4Operation.secinfo, "SECINFO"),
            (NFSv4Operation.illegal, "ILLEGAL"),
        ]
        for (op, name) in named { #expect(XDRCompound.nfs4OpName(UInt32(op)) == name) }
    }
}

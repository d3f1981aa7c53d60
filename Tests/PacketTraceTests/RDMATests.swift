import Foundation
import Testing
import Decode
@testable import PacketTrace

/// One RPC message as pktt reads it: frame, xid, call or reply, program/version/procedure and
/// the reply's latency in nanoseconds (0 on a call).
private struct Message: Equatable, CustomStringConvertible {
    var frame: Int
    var xid: UInt32
    var call: Bool
    var ppv: [UInt32]
    var latency: Int64
    var callFrame = 0

    var description: String {
        "frame \(frame) xid \(String(xid, radix: 16)) \(call ? "call" : "reply") \(ppv) \(latency) ns from \(callFrame)"
    }
}

private func messages(_ path: String) throws -> (list: [Message], trace: Pktt) {
    let trace = try Pktt(files: [path])
    var list: [Message] = []
    while try trace.next() {
        let p = trace.packet
        guard p.has(.rpc) else { continue }
        list.append(Message(frame: trace.record.frame, xid: p.rpc.xid, call: p.rpc.isCall,
                            ppv: [p.rpc.program, p.rpc.version, p.rpc.procedure],
                            latency: p.rpc.isCall ? 0 : p.rpc.latency, callFrame: p.rpc.isCall ? 0 : p.rpc.callFrame))
    }
    return (list, trace)
}

/// Writes a classic pcap (microseconds) of `linkType` holding `frames`, 100 µs apart.
private func writePcap(_ frames: [[UInt8]], linkType: UInt32) throws -> String {
    var out: [UInt8] = []
    func le32(_ v: UInt32) { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    le32(0xa1b2_c3d4); out += [2, 0, 4, 0]; le32(0); le32(0); le32(65535); le32(linkType)
    for (i, frame) in frames.enumerated() {
        le32(1_700_000_000); le32(UInt32(i * 100)); le32(UInt32(frame.count)); le32(UInt32(frame.count))
        out += frame
    }
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("pktt-rdma-\(UUID().uuidString).pcap").path
    try Data(out).write(to: URL(fileURLWithPath: path))
    return path
}

private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

/// A native IB packet in an ERF record: LRH (LNH 2, `slid` → `dlid`), BTH, `transport`, ICRC, VCRC.
private func ibRecord(opcode: UInt8, slid: UInt16, dlid: UInt16, qp: UInt32, psn: UInt32, _ transport: [UInt8]) -> [UInt8] {
    precondition(transport.count % 4 == 0)
    let words = (8 + 12 + transport.count + 4) / 4
    var b: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 21, 0x04]
    b += [UInt8((16 + words * 4 + 2) >> 8), UInt8((16 + words * 4 + 2) & 0xff), 0, 0,
          UInt8((words * 4 + 2) >> 8), UInt8((words * 4 + 2) & 0xff)]
    b += [0, 2, UInt8(dlid >> 8), UInt8(dlid & 0xff), UInt8(words >> 8), UInt8(words & 0xff), UInt8(slid >> 8), UInt8(slid & 0xff)]
    b += [opcode, 0x40, 0xff, 0xff] + be32(qp & 0xff_ffff) + be32(0x8000_0000 | psn)
    b += transport
    b += [0xde, 0xad, 0xbe, 0xef, 0xab, 0xcd]
    return b
}

/// RPC-over-RDMA RDMA_MSG header with empty lists.
private func rdmaMsg(_ xid: UInt32) -> [UInt8] { be32(xid) + be32(1) + be32(32) + be32(0) + be32(0) + be32(0) + be32(0) }

@Suite("RPC over RDMA through Pktt")
struct RDMATraceTests {
    @Test("Native InfiniBand in ERF (linux-nfs list capture): the messages tshark finds, paired on addresses and xid; the RDMA_NOMSG reply read back from its reply chunk")
    func infiniBandCapture() throws {
        let (list, trace) = try messages(Fixtures.path("rdma/ib-erf-nfs4.pcap"))
        // tshark: frames 1 call, 3 reply, 5 call, 11 call (it leaves the replies unpaired and does
        // not read the reply chunk of frame 9). Latency from the pcap records' microsecond times;
        // tshark's frame times come from the ERF timestamps (208.002 us here), within 2 us.
        #expect(list == [
            Message(frame: 1, xid: 0x9c88_0d2b, call: true, ppv: [100003, 4, 1], latency: 0),
            Message(frame: 3, xid: 0x9c88_0d2b, call: false, ppv: [100003, 4, 1], latency: 208_000, callFrame: 1),
            Message(frame: 5, xid: 0xb188_0d2b, call: true, ppv: [100003, 4, 1], latency: 0),
            Message(frame: 9, xid: 0xb188_0d2b, call: false, ppv: [100003, 4, 1], latency: 231_000, callFrame: 5),
            Message(frame: 11, xid: 0xb288_0d2b, call: true, ppv: [100003, 4, 1], latency: 0),
        ], "\(list)")
        #expect(trace.statistics.count(of: .erf) == 12)
        #expect(trace.statistics.count(of: .infiniband) == 12)
        #expect(trace.statistics.count(of: .rpcordma) == 5)
        #expect(trace.statistics.decodeErrors == 0)
        let s = trace.rdmaStatistics
        #expect(s.sends == 5 && s.inlineMessages == 4 && s.replyChunkMessages == 1 && s.undecodedMessages == 0)
    }

    @Test("RoCEv2 (linux-nfs list capture): calls and replies against tshark, RDMA_NOMSG reply from the RDMA WRITE of its reply chunk")
    func roceCapture() throws {
        let (list, trace) = try messages(Fixtures.path("rdma/rocev2-nfs4.pcap"))
        // tshark -Y rpc.xid: frame, xid, type, program/version/procedure, rpc.time.
        #expect(list == [
            Message(frame: 6, xid: 0x6fda_755c, call: true, ppv: [100003, 4, 0], latency: 0),
            Message(frame: 8, xid: 0x6fda_755c, call: false, ppv: [100003, 4, 0], latency: 221_000, callFrame: 6),
            Message(frame: 10, xid: 0x70da_755c, call: true, ppv: [100003, 4, 1], latency: 0),
            Message(frame: 14, xid: 0x70da_755c, call: false, ppv: [100003, 4, 1], latency: 565_000, callFrame: 10),
            Message(frame: 16, xid: 0x71da_755c, call: true, ppv: [100003, 4, 1], latency: 0),
            Message(frame: 18, xid: 0x71da_755c, call: false, ppv: [100003, 4, 1], latency: 439_000, callFrame: 16),
            Message(frame: 20, xid: 0x72da_755c, call: true, ppv: [100003, 4, 1], latency: 0),
        ], "\(list)")
        #expect(trace.rdmaStatistics.replyChunkMessages == 1)
        #expect(trace.rdmaStatistics.notRPCoRDMA == 3)  // the UD SEND Only MADs of connection setup
    }

    @Test("A SEND First/Middle/Last message is put together on its QP; the reply pairs; a lost Middle drops the message")
    func sendReassembly() throws {
        var call = rdmaMsg(0x1234)
        call += be32(0x1234) + be32(0) + be32(2) + be32(100003) + be32(3) + be32(0)  // NFSv3 NULL call
        call += be32(0) + be32(0) + be32(0) + be32(0)
        let reply = rdmaMsg(0x1234) + be32(0x1234) + be32(1) + be32(0) + be32(0) + be32(0) + be32(0)
        let parts = [Array(call[0..<24]), Array(call[24..<48]), Array(call[48...])]
        let frames = [
            ibRecord(opcode: 0, slid: 8, dlid: 24, qp: 0x111, psn: 10, parts[0]),
            ibRecord(opcode: 1, slid: 8, dlid: 24, qp: 0x111, psn: 11, parts[1]),
            ibRecord(opcode: 2, slid: 8, dlid: 24, qp: 0x111, psn: 12, parts[2]),
            ibRecord(opcode: 4, slid: 24, dlid: 8, qp: 0x107, psn: 500, reply),
            // A second message whose Middle was lost: its Last is not taken.
            ibRecord(opcode: 0, slid: 8, dlid: 24, qp: 0x111, psn: 13, parts[0]),
            ibRecord(opcode: 2, slid: 8, dlid: 24, qp: 0x111, psn: 15, parts[2]),
        ]
        let path = try writePcap(frames, linkType: LinkType.erf)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (list, trace) = try messages(path)
        #expect(list == [
            Message(frame: 3, xid: 0x1234, call: true, ppv: [100003, 3, 0], latency: 0),
            Message(frame: 4, xid: 0x1234, call: false, ppv: [100003, 3, 0], latency: 100_000, callFrame: 3),
        ], "\(list)")
        let s = trace.rdmaStatistics
        #expect(s.reassembledSends == 1 && s.sends == 2 && s.inlineMessages == 2)
        #expect(s.orphanSendPackets == 2)
        // The completing Last and the Only: a First holds 24 bytes of the 28-byte header.
        #expect(trace.statistics.count(of: .rpcordma) == 2)
    }

    @Test("One-line and JSON show the RDMA layers")
    func display() throws {
        let trace = try Pktt(files: [Fixtures.path("rdma/ib-erf-nfs4.pcap")])
        var line = OneLineFormatter()
        var json = JSONPacketFormatter()
        var lines: [String] = []
        var objects: [[String: Any]] = []
        while try trace.next() {
            var out = TextBuffer()
            line.append(trace, to: &out)
            lines.append(out.take())
            var j = TextBuffer()
            json.append(trace, to: &j)
            objects.append(try JSONSerialization.jsonObject(with: Data(j.take().utf8)) as! [String: Any])
        }
        // NFStest's IB lines (nfstest-lines/linux-nfs-ml/20210218-1fdb3f60/sniffer.pcap.txt)
        #expect(lines[0].contains("LID:8     -> LID:24     NFS   v4.2 call  xid:0x9c880d2b SEQUENCE;PUTFH;LOOKUP;GETFH;GETATTR DH:0xcf120e68/sysfs"))
        #expect(lines[1].hasSuffix("LID:24    -> LID:8      IB    RC_Acknowledge QP=0x0107 PSN=6415007 \n"))
        #expect(lines[6].contains("LID:24    -> LID:8      IB    RC_RDMA_WRITE_Only QP=0x0107 PSN=16134597 size=360 rkey=0x40004922 dmalen=360"))
        let ib = objects[0]["infiniband"] as? [String: Any]
        #expect(ib?["opcode"] as? Int == 4 && ib?["dest_qp"] as? Int == 0x111 && ib?["psn"] as? Int == 0x61e29f)
        #expect((ib?["lrh"] as? [String: Any])?["slid"] as? Int == 8)
        let erf = objects[0]["erf"] as? [String: Any]
        #expect(erf?["type"] as? Int == 21)
        let h = objects[0]["rpcordma"] as? [String: Any]
        #expect(h?["xid"] as? Int == 0x9c88_0d2b && h?["vers"] as? Int == 1 && h?["credit"] as? Int == 128)
        #expect(h?["proc"] as? Int == 0 && h?["read_segments"] as? Int == 0 && h?["reply_chunk"] as? Int == 0)
        #expect(objects[0]["rpc"] != nil)
        let reth = (objects[6]["infiniband"] as? [String: Any])?["reth"] as? [String: Any]
        #expect(reth?["dma_length"] as? Int == 360)
    }
}

import Testing
import Decode
@testable import Track

/// A client stream of three calls: a small one, one with a 3000-byte body, one in two fragments.
func clientStream() -> (bytes: [UInt8], calls: [[UInt8]]) {
    let a = RPCBytes.call(xid: 1, procedure: 1, body: RPCBytes.be32(42))
    let b = RPCBytes.call(xid: 2, procedure: 7, body: (0..<3000).map { UInt8(truncatingIfNeeded: $0) })
    let c = RPCBytes.call(xid: 3, procedure: 4, body: Array(repeating: 0xab, count: 200))
    let bytes = RPCBytes.record(a) + RPCBytes.record(b) + RPCBytes.record(c, fragments: [60, 0])
    return (bytes, [a, b, c])
}

/// Sends `stream` from the client after a handshake, cut at `cuts` (segment boundaries).
func feedStream(_ stream: [UInt8], cuts: [Int], into h: inout RPCHarness, isn: UInt32 = 1000) {
    h.feed(RPCBytes.tcp(fromClient: true, seq: isn, payload: [], flags: 0x02))
    var start = 0
    for end in cuts + [stream.count] where end > start {
        h.feed(RPCBytes.tcp(fromClient: true, seq: isn + 1 + UInt32(start), payload: Array(stream[start..<end])))
        start = end
    }
}

@Suite("RPC over TCP: record marking")
struct RPCStreamTests {
    func messages(_ h: RPCHarness) -> [[UInt8]] { h.seen.map(\.body) }

    @Test("Whole, byte by byte and in random splits, the stream gives the same messages")
    func anySplit() {
        let (stream, _) = clientStream()
        var whole = RPCHarness()
        feedStream(stream, cuts: [], into: &whole)
        #expect(whole.seen.map(\.xid) == [1, 2, 3])
        #expect(whole.seen.map(\.fragments) == [1, 1, 2])
        #expect(whole.seen[1].body == (0..<3000).map { UInt8(truncatingIfNeeded: $0) })
        #expect(whole.seen[2].body == Array(repeating: 0xab, count: 200))

        var bytewise = RPCHarness()
        feedStream(stream, cuts: Array(1..<stream.count), into: &bytewise)
        #expect(messages(bytewise) == messages(whole))

        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let cuts = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int.random(in: 1..<stream.count, using: &rng) }.sorted()
            var h = RPCHarness()
            feedStream(stream, cuts: Array(Set(cuts)).sorted(), into: &h)
            #expect(messages(h) == messages(whole), "cuts \(cuts)")
        }
    }

    @Test("No strict prefix of a record yields it: the message comes in the frame that completes it")
    func completesInLastSegment() {
        let (stream, _) = clientStream()
        let firstEnd = 4 + RPCBytes.call(xid: 1, body: RPCBytes.be32(42)).count
        var h = RPCHarness()
        feedStream(stream, cuts: [10, firstEnd - 1, firstEnd + 500, firstEnd + 2000], into: &h)
        // frame 1 SYN; 2: 10 bytes; 3: the rest of call 1 but one byte; 4: that byte and 500 more ...
        #expect(h.seen.map(\.frame) == [4, 6, 6])
    }

    @Test("Several records in one segment are several messages of the same frame")
    func manyPerSegment() {
        var stream: [UInt8] = []
        for xid in 1...20 { stream += RPCBytes.record(RPCBytes.call(xid: UInt32(xid))) }
        var h = RPCHarness()
        feedStream(stream, cuts: [], into: &h)
        #expect(h.seen.count == 20 && Set(h.seen.map(\.frame)) == [2])
        #expect(h.tracker.streamStatistics.records == 20)
    }

    @Test("Retransmitted and overlapping segments are ignored; out-of-order ones are put in place")
    func retransmissionsAndReordering() {
        let (stream, _) = clientStream()
        var reference = RPCHarness()
        feedStream(stream, cuts: [], into: &reference)

        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1000, payload: [], flags: 0x02))
        let seg = { (from: Int, to: Int) in RPCBytes.tcp(fromClient: true, seq: 1001 + UInt32(from), payload: Array(stream[from..<to])) }
        h.feed(seg(0, 1000))
        h.feed(seg(2000, 3000))        // ahead: queued
        h.feed(seg(0, 1000))           // retransmission
        h.feed(seg(500, 2100))         // fills the hole, overlaps both sides
        h.feed(seg(3000, stream.count))
        h.feed(seg(2500, 2600))        // old
        #expect(messages(h) == messages(reference))
        #expect(h.tracker.streamStatistics.outOfOrderSegments == 1)
        #expect(h.tracker.streamStatistics.retransmittedSegments >= 3)
        #expect(h.tracker.streamStatistics.gaps == 0)
    }

    @Test("A lost segment: the record it cut is given up, the stream resyncs on the next record")
    func gap() {
        var stream: [UInt8] = []
        for xid in 1...6 { stream += RPCBytes.record(RPCBytes.call(xid: UInt32(xid), body: Array(repeating: 1, count: 400))) }
        let size = stream.count / 6
        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1000, payload: [], flags: 0x02))
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1001, payload: Array(stream[0..<(size + 100)])))
        // stream[size+100 ..< 3*size] never arrives; later segments pile up until the hole is given up.
        var at = 3 * size
        while at < stream.count {
            let end = min(at + 128, stream.count)
            h.feed(RPCBytes.tcp(fromClient: true, seq: 1001 + UInt32(at), payload: Array(stream[at..<end])))
            at = end
        }
        // Flush the queue: a tiny limit would have declared it sooner; here the rest is queued.
        var strict = RPCHarness(tracker: RPCTracker(limits: { var l = RPCStreamLimits(); l.maximumQueuedSegments = 2; return l }()))
        strict.feed(RPCBytes.tcp(fromClient: true, seq: 1000, payload: [], flags: 0x02))
        strict.feed(RPCBytes.tcp(fromClient: true, seq: 1001, payload: Array(stream[0..<(size + 100)])))
        at = 3 * size
        while at < stream.count {
            let end = min(at + 128, stream.count)
            strict.feed(RPCBytes.tcp(fromClient: true, seq: 1001 + UInt32(at), payload: Array(stream[at..<end])))
            at = end
        }
        // Call 2 began before the hole: it comes out truncated; call 3 lay wholly in the hole.
        #expect(strict.seen.map(\.xid) == [1, 2, 4, 5, 6])
        #expect(strict.seen[1].missing > 0 && strict.seen[2].missing == 0)
        #expect(strict.tracker.streamStatistics.gaps == 1)
        #expect(strict.tracker.streamStatistics.gapBytes == 2 * size - 100)
        #expect(strict.tracker.streamStatistics.truncatedRecords == 1)
        #expect(strict.tracker.streamStatistics.resyncs == 1)
        #expect(h.seen.map(\.xid) == [1])  // still waiting for the hole
    }

    @Test("Joined mid-stream, inside a record: the first whole record after it is found")
    func midStream() {
        var stream: [UInt8] = []
        for xid in 1...4 { stream += RPCBytes.record(RPCBytes.call(xid: UInt32(xid), body: Array(repeating: 0x80, count: 300))) }
        let size = stream.count / 4
        var h = RPCHarness()
        // No SYN; the capture starts 150 bytes into the first record.
        h.feed(RPCBytes.tcp(fromClient: true, seq: 5000, payload: Array(stream[150..<(2 * size)])))
        h.feed(RPCBytes.tcp(fromClient: true, seq: 5000 + UInt32(2 * size - 150), payload: Array(stream[(2 * size)...])))
        #expect(h.seen.map(\.xid) == [2, 3, 4])
        #expect(h.tracker.streamStatistics.resyncs == 1)
        #expect(h.tracker.streamStatistics.skippedBytes == size - 150)
    }

    @Test("Segments cut by the snaplen stay in sync from the record marks; messages come out truncated")
    func snaplen() {
        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1000, payload: [], flags: 0x02))
        var seq: UInt32 = 1001
        for xid in 1...5 {
            let record = RPCBytes.record(RPCBytes.call(xid: UInt32(xid), procedure: 7, body: Array(repeating: 9, count: 1000)))
            let frame = RPCBytes.tcp(fromClient: true, seq: seq, payload: record)
            // snaplen 96: Ethernet 14 + IP 20 + TCP 20 + 42 bytes of the segment
            h.feed(Array(frame.prefix(96)), originalLength: frame.count)
            seq += UInt32(record.count)
        }
        #expect(h.seen.map(\.xid) == [1, 2, 3, 4, 5])
        #expect(h.seen.allSatisfy { $0.missing > 0 && $0.procedure == 7 })
        #expect(h.tracker.streamStatistics.resyncs == 0)
    }
}

@Suite("Call and reply pairing")
struct RPCPairingTests {
    @Test("A reply gets its call's program, procedure and latency; a repeated call is a retransmission")
    func udpPairing() {
        var h = RPCHarness()
        h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 7, procedure: 4)), time: 1_000)
        h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 7, procedure: 4)), time: 5_000)
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 7)), time: 11_000)
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 7)), time: 12_000)
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 99)), time: 13_000)
        #expect(h.seen.count == 5)
        #expect(!h.seen[0].retransmission && h.seen[1].retransmission)
        #expect(h.seen[2].callSeen && h.seen[2].procedure == 4 && h.seen[2].latency == 10_000)
        #expect(h.seen[3].callSeen && h.seen[3].latency == 11_000)  // a duplicate reply, timed from the same call
        #expect(!h.seen[4].callSeen)
        let s = h.tracker.xids.statistics
        #expect(s.calls == 2 && s.retransmissions == 1 && s.duplicateReplies == 1 && s.orphanReplies == 1)
    }

    @Test("The same xid on two connections is two calls")
    func xidPerConnection() {
        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1, payload: RPCBytes.record(RPCBytes.call(xid: 5, procedure: 1)), clientPort: 700), time: 100)
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1, payload: RPCBytes.record(RPCBytes.call(xid: 5, procedure: 3)), clientPort: 701), time: 200)
        h.feed(RPCBytes.tcp(fromClient: false, seq: 1, payload: RPCBytes.record(RPCBytes.reply(xid: 5)), clientPort: 701), time: 1_200)
        h.feed(RPCBytes.tcp(fromClient: false, seq: 1, payload: RPCBytes.record(RPCBytes.reply(xid: 5)), clientPort: 700), time: 2_100)
        #expect(h.seen.map(\.retransmission) == [false, false, false, false])
        #expect(h.seen[2].procedure == 3 && h.seen[2].latency == 1_000)
        #expect(h.seen[3].procedure == 1 && h.seen[3].latency == 2_000)
    }

    @Test("A reused xid after its reply is a new call, paired in order")
    func sequentialReuse() {
        var h = RPCHarness()
        for (i, procedure) in [1, 3, 4].enumerated() {
            let t = Int64(i) * 1_000
            h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 9, procedure: UInt32(procedure))), time: t)
            h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 9)), time: t + 10)
        }
        #expect(h.seen.filter { !$0.isCall }.map(\.procedure) == [1, 3, 4])
        #expect(h.seen.allSatisfy { !$0.retransmission })
    }

    @Test("On an unknown port a call is recognised by its header, a reply only when its call was seen")
    func unknownPort() {
        var h = RPCHarness()
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 1), clientPort: 900, serverPort: 40_000))
        #expect(h.seen.isEmpty)
        h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 2, program: 100_021), clientPort: 900, serverPort: 40_000))
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 2), clientPort: 900, serverPort: 40_000))
        #expect(h.seen.map(\.xid) == [2, 2] && h.seen[1].program == 100_021)
        // Not RPC at all: DNS-like bytes on another port.
        h.feed(RPCBytes.udp(fromClient: true, payload: [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 0, 0, 1, 0, 1, 0, 0, 0],
                            clientPort: 5353, serverPort: 53))
        #expect(h.seen.count == 2)
    }
}

@Suite("RPC over TCP: losses the capture cannot repair")
struct RPCStreamLossTests {
    @Test("An acknowledgment past a hole gives it up at once: what waited behind it comes out, timed by its own frame")
    func ackedUnseen() {
        var stream: [UInt8] = []
        for xid in 1...4 { stream += RPCBytes.record(RPCBytes.call(xid: UInt32(xid), body: Array(repeating: 3, count: 200))) }
        let size = stream.count / 4
        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1000, payload: [], flags: 0x02), time: 0)
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1001, payload: Array(stream[0..<size])), time: 10)
        // call 2 is never captured; calls 3 and 4 wait behind the hole
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1001 + UInt32(2 * size), payload: Array(stream[(2 * size)...])), time: 30)
        #expect(h.seen.map(\.xid) == [1])
        // the server acknowledges everything: the hole will never be filled
        var ack = RPCBytes.tcp(fromClient: false, seq: 1, payload: [], flags: 0x10)
        let ackAt = 14 + 20 + 8
        ack.replaceSubrange(ackAt..<(ackAt + 4), with: RPCBytes.be32(1001 + UInt32(stream.count)))
        h.feed(ack, time: 40)
        #expect(h.seen.map(\.xid) == [1, 3, 4])
        #expect(h.tracker.streamStatistics.gaps == 1)
        // their replies are timed from the frame that carried the calls (time 30), not the ACK
        h.feed(RPCBytes.tcp(fromClient: false, seq: 1, payload: RPCBytes.record(RPCBytes.reply(xid: 3))), time: 130)
        #expect(h.seen.last?.callSeen == true && h.seen.last?.latency == 100)
    }

    @Test("A SYN inside data already seen is a stray copy: the stream keeps its place")
    func straySYN() {
        var stream: [UInt8] = []
        for xid in 1...3 { stream += RPCBytes.record(RPCBytes.call(xid: UInt32(xid))) }
        let size = stream.count / 3
        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1000, payload: [], flags: 0x02))
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1001, payload: Array(stream[0..<size])))
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1001, payload: Array(stream[0..<size]), flags: 0x1a))  // SYN+PSH+ACK
        h.feed(RPCBytes.tcp(fromClient: true, seq: 1001 + UInt32(size), payload: Array(stream[size...])))
        #expect(h.seen.map(\.xid) == [1, 2, 3])
        #expect(h.tracker.streamStatistics.gaps == 0)
    }

    @Test("A call repeated after its reply is a retransmission; its reply is a duplicate timed from the first call")
    func retransmittedAfterReply() {
        var h = RPCHarness()
        h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 4, procedure: 6, body: [0, 0, 0, 1])), time: 0)
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 4)), time: 100)
        h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 4, procedure: 6, body: [0, 0, 0, 1])), time: 5_000)
        h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 4)), time: 5_100)
        #expect(h.seen.map(\.retransmission) == [false, false, true, false])
        #expect(h.seen[3].callSeen && h.seen[3].latency == 5_100)
        #expect(h.tracker.xids.statistics.duplicateReplies == 1)
    }
}

@Suite("Ports learned and tables bounded")
struct RPCPortsAndBoundsTests {
    @Test("A port handed out by PORTMAP GETPORT makes its connection RPC at once, even joined on a reply")
    func learnedPort() {
        // GETPORT(prog 100021 NLM, vers 4, prot TCP, port 0) and its reply: port 40001
        let getport = RPCBytes.call(xid: 11, program: 100_000, version: 2, procedure: 3,
                                    body: RPCBytes.be32(100_021) + RPCBytes.be32(4) + RPCBytes.be32(6) + RPCBytes.be32(0))
        let answer = RPCBytes.reply(xid: 11, body: RPCBytes.be32(40_001))
        // A reply on port 40001 whose call the capture missed: taken as RPC only if the port is known.
        let lateReply = RPCBytes.tcp(fromClient: false, seq: 9, payload: RPCBytes.record(RPCBytes.reply(xid: 77)),
                                     clientPort: 700, serverPort: 40_001)
        var without = RPCHarness()
        without.feed(lateReply)
        #expect(without.seen.isEmpty)

        var with = RPCHarness()
        with.feed(RPCBytes.udp(fromClient: true, payload: getport, clientPort: 600, serverPort: 111))
        with.feed(RPCBytes.udp(fromClient: false, payload: answer, clientPort: 600, serverPort: 111))
        #expect(with.tracker.learnedPorts == 1)
        with.feed(lateReply)
        #expect(with.seen.map(\.xid) == [11, 11, 77])
        #expect(!with.seen[2].callSeen)
    }

    @Test("Unanswered calls are dropped past the count limit and past the age limit, and counted")
    func bounded() {
        var h = RPCHarness(tracker: RPCTracker(xidLimits: .init(maximumCalls: 100, maximumAgeNanoseconds: 60_000_000_000)))
        for xid in 0..<1_000 {
            h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: UInt32(xid))), time: Int64(xid) * 1_000)
        }
        #expect(h.tracker.xids.count <= 100)
        #expect(h.tracker.xids.statistics.evictedForSpace >= 900)
        // Two minutes later every remaining call is too old.
        h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 5_000)), time: 120_000_000_000)
        #expect(h.tracker.xids.count == 1)
        #expect(h.tracker.xids.statistics.expiredUnanswered > 0)
    }
}

@Suite("RPCSEC_GSS bodies")
struct RPCSecGSSBodyTests {
    /// An NFSv3 GETATTR call with an RPCSEC_GSS credential of `service`, its body wrapped as
    /// RFC 2203 section 5.3.2 has it for integrity.
    func gssCall(xid: UInt32, service: UInt32) -> [UInt8] {
        let be = RPCBytes.be32
        let handle: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let cred = be(1) + be(0) + be(7) + be(service) + be(UInt32(handle.count)) + handle
        var m = be(xid) + be(0) + be(2) + be(100_003) + be(3) + be(1)
        m += be(6) + be(UInt32(cred.count)) + cred
        m += be(6) + be(16) + [UInt8](repeating: 0xee, count: 16)  // the verifier's MIC
        let args = be(8) + [UInt8](repeating: 0x42, count: 8)  // GETATTR3args: nfs_fh3 of 8 bytes
        switch service {
        case 2:
            let databody = be(7) + args  // seq_num, then the arguments
            m += be(UInt32(databody.count)) + databody + be(16) + [UInt8](repeating: 0xcc, count: 16)
        case 3:
            m += be(24) + [UInt8](repeating: 0x99, count: 24)  // encrypted: opaque to pktt
        default:
            m += args
        }
        return m
    }

    func decode(_ frames: [[UInt8]]) -> [(Packet, Tape)] {
        var tracker = RPCTracker()
        var out: [(Packet, Tape)] = []
        for (n, bytes) in frames.enumerated() {
            var p = Packet()
            bytes.withUnsafeBytes { b in
                PacketDecoder.decode(b, linkType: LinkType.ethernet, originalLength: bytes.count, into: &p)
                tracker.begin(&p, bytes: b, time: Int64(n) * 1_000, frame: n + 1, fileIndex: 0)
                while tracker.nextMessage(&p, bytes: b, time: Int64(n) * 1_000, frame: n + 1, index: n, fileIndex: 0) != nil {
                    out.append((p, tracker.tape))
                }
            }
        }
        return out
    }

    @Test("Integrity: the arguments inside rpc_gss_integ_data decode, with their sequence number")
    func integrity() {
        let seen = decode([RPCBytes.udp(fromClient: true, payload: gssCall(xid: 1, service: 2))])
        #expect(seen.count == 1)
        let (p, tape) = seen[0]
        #expect(p.has(.nfs) && p.error == nil)
        #expect(p.rpc.gssIntegritySequence == 7)
        #expect(tape.count > 0 && !tape.incomplete)
    }

    @Test("Privacy: the body stays opaque, and the reply is still paired and timed")
    func privacy() {
        let reply = RPCBytes.be32(1) + RPCBytes.be32(1) + RPCBytes.be32(0) + RPCBytes.be32(6) + RPCBytes.be32(16)
            + [UInt8](repeating: 0xdd, count: 16) + RPCBytes.be32(0) + RPCBytes.be32(32) + [UInt8](repeating: 0x77, count: 32)
        let seen = decode([RPCBytes.udp(fromClient: true, payload: gssCall(xid: 1, service: 3)),
                           RPCBytes.udp(fromClient: false, payload: reply)])
        #expect(seen.count == 2)
        #expect(!seen[0].0.has(.nfs) && seen[0].0.error == nil)
        #expect(seen[1].0.rpc.callSeen && seen[1].0.rpc.latency == 1_000 && seen[1].0.rpc.procedure == 1)
        #expect(!seen[1].0.has(.nfs) && seen[1].0.error == nil)
    }
}

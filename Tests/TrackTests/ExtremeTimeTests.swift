import Testing
import Decode
@testable import Track

@Suite("Times from the wire never trap Track")
struct ExtremeTimeTests {
    static let times: [Int64] = [.min, .min + 1, -1_000_000_000, -1, 0, 1, 1_700_000_000_000_000_000, .max - 1, .max]

    @Test("Calls and replies at every pair of extreme times: latency saturates, pairing holds")
    func pairing() {
        for callTime in Self.times {
            for replyTime in Self.times {
                var h = RPCHarness()
                h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 5, procedure: 0)), time: callTime)
                h.feed(RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 5)), time: replyTime)
                // A second call far away in time makes the xid table sweep.
                h.feed(RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 6, procedure: 0)), time: replyTime)
                #expect(h.seen.count == 3)
                #expect(h.seen[1].callSeen)
                let (exact, overflow) = replyTime.subtractingReportingOverflow(callTime)
                #expect(h.seen[1].latency == (overflow ? (replyTime > callTime ? .max : .min) : exact))
            }
        }
    }

    @Test("TCP directions and sequence tracking at extreme times make room without trapping")
    func makingRoom() {
        var limits = Limits()
        limits.maximumDirections = 4
        var h = RPCHarness(tracker: RPCTracker(limits))
        var sequences = TCPSequenceTracker(maximumConnections: 4)
        for (n, time) in (Self.times + Self.times.reversed()).enumerated() {
            let frame = tcpFrame(fromClient: true, clientPort: UInt16(20_000 + n), seq: 1, ack: 1, flags: 0x18,
                                 payload: RPCBytes.record(RPCBytes.call(xid: UInt32(n), procedure: 0)))
            h.feed(frame, time: time)
            var p = Packet()
            frame.withUnsafeBytes { PacketDecoder.decode($0, linkType: LinkType.ethernet, originalLength: frame.count, into: &p) }
            sequences.track(&p, time: time)
        }
        #expect(h.seen.count == 2 * Self.times.count)
        #expect(h.tracker.directionCount <= 4)
        #expect(sequences.count <= 4)
    }
}

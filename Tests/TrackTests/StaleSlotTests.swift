import Testing
import Decode
@testable import Track

/// A frame of a client (10.0.0.2:`clientPort`) ↔ server (10.0.0.1:2049) connection with any
/// sequence and acknowledgment numbers.
func tcpFrame(fromClient: Bool, clientPort: UInt16, seq: UInt32, ack: UInt32, flags: UInt16,
              payload: [UInt8]) -> [UInt8] {
    var f = RPCBytes.tcp(fromClient: fromClient, seq: seq, payload: payload, flags: flags, clientPort: clientPort)
    f.replaceSubrange(42..<46, with: RPCBytes.be32(ack))  // 14 Ethernet + 20 IP + 8 into TCP
    return f
}

@Suite("Flow-table slots never outlive a mutation")
struct StaleSlotTests {
    /// 63 client directions to 2049 with one call each fill the direction table to just under
    /// its growth point. A new client connects and calls; the server's first data acknowledges
    /// 1000 bytes the capture never saw, so the client's hole is given up at once — while the
    /// server's own direction is inserted, which grows and rehashes the table. The client then
    /// goes on after the hole. The released work must find its direction again.
    @Test("A hole given up while the table grows: every client port 600–1023")
    func holeReleasedWhileTableGrows() {
        for port in UInt16(600)...1023 {
            var h = RPCHarness()
            var n: UInt32 = 0
            for other in UInt16(40_000)..<40_063 {
                n += 1
                let call = RPCBytes.record(RPCBytes.call(xid: 0x1000 + n, procedure: 0))
                h.feed(tcpFrame(fromClient: true, clientPort: other, seq: 1, ack: 1, flags: 0x18, payload: call))
            }
            let isn: UInt32 = 5000
            h.feed(tcpFrame(fromClient: true, clientPort: port, seq: isn, ack: 0, flags: 0x02, payload: []))
            let call = RPCBytes.record(RPCBytes.call(xid: 7, procedure: 1, body: RPCBytes.be32(1)))
            h.feed(tcpFrame(fromClient: true, clientPort: port, seq: isn + 1, ack: 1, flags: 0x18, payload: call))
            let afterCall = isn + 1 + UInt32(call.count)
            let reply = RPCBytes.record(RPCBytes.reply(xid: 7))
            h.feed(tcpFrame(fromClient: false, clientPort: port, seq: 1, ack: afterCall + 1000, flags: 0x18, payload: reply))
            let next = RPCBytes.record(RPCBytes.call(xid: 8, procedure: 1, body: RPCBytes.be32(2)))
            h.feed(tcpFrame(fromClient: true, clientPort: port, seq: afterCall + 1000, ack: 1 + UInt32(reply.count),
                            flags: 0x18, payload: next))
            let seen = h.seen.suffix(3)
            #expect(h.seen.count == 66, "port \(port)")
            #expect(seen.map(\.xid) == [7, 7, 8], "port \(port)")
            #expect(seen.map(\.isCall) == [true, false, true], "port \(port)")
            #expect(seen.dropFirst().first?.callSeen == true, "port \(port)")
            #expect(h.tracker.streamStatistics.gaps == 1, "port \(port)")
        }
    }

    @Test("A slot taken before an insertion is refreshed, not reused")
    func refreshedAfterGrowth() {
        var table = FlowTable<FlowKey, Int>(minimumCapacity: 4)
        func key(_ n: Int) -> FlowKey {
            FlowKey(src: IPAddress(ipv4: UInt32(n)), dst: IPAddress(ipv4: 1), srcPort: 1, dstPort: 2049, proto: 6)
        }
        let (first, _) = table.slot(for: key(0), create: { 42 })
        for n in 1..<100 { _ = table.slot(for: key(n), create: { n }) }
        #expect(first.generation != table.generation)
        let again = table.refreshed(first, key: key(0))
        #expect(again.map { table[slot: $0] } == 42)
        table.removeValue(forKey: key(0))
        #expect(table.refreshed(first, key: key(0)) == nil)
    }
}

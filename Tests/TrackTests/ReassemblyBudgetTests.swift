import Testing
import Decode
@testable import Track

@Suite("Reassembly memory: one budget across all directions")
struct ReassemblyBudgetTests {
    /// `flows` clients each open a record announcing 16 MiB and send `perFlow` bytes of it,
    /// interleaved so every one is partial at once.
    func partialRecords(flows: Int, perFlow: Int, limits: Limits, check: (RPCTracker) -> Void) -> RPCHarness {
        var h = RPCHarness(tracker: RPCTracker(limits))
        let first = RPCBytes.be32(0x8000_0000 | (16 << 20)) + RPCBytes.call(xid: 1, procedure: 7)
        for f in 0..<flows {
            h.feed(tcpFrame(fromClient: true, clientPort: UInt16(10_000 + f), seq: 0, ack: 0, flags: 0x02, payload: []))
        }
        var sent = [Int](repeating: 0, count: flows)
        while sent.contains(where: { $0 < perFlow }) {
            for f in 0..<flows where sent[f] < perFlow {
                let payload = sent[f] == 0 ? first + [UInt8](repeating: 0, count: 1448 - first.count)
                    : [UInt8](repeating: 0, count: min(1448, perFlow - sent[f]))
                h.feed(tcpFrame(fromClient: true, clientPort: UInt16(10_000 + f), seq: 1 + UInt32(sent[f]), ack: 1,
                                flags: 0x18, payload: payload))
                sent[f] += payload.count
                check(h.tracker)
            }
        }
        return h
    }

    @Test("Many flows with partial records stay within the budget; the oldest give theirs up, counted",
          arguments: [(400, 70_000), (40, 1_160_000)])
    func manyPartialRecords(flows: Int, perFlow: Int) {
        var limits = Limits()
        limits.reassemblyBudgetBytes = 4 << 20
        let perDirection = 2 * (limits.stream.maximumRecordBytes + limits.stream.maximumQueuedBytes)
        var peak = 0
        let h = partialRecords(flows: flows, perFlow: perFlow, limits: limits) { t in
            peak = max(peak, t.reassemblyBytes)
        }
        // Unbounded this was flows × perFlow (28 MB and 46 MB).
        #expect(peak <= limits.reassemblyBudgetBytes + perDirection)
        #expect(h.tracker.reassemblyBytes <= limits.reassemblyBudgetBytes)
        #expect(h.tracker.budgetEvictions > 0)
        #expect(h.tracker.streamStatistics.droppedRecords > 0)
        #expect(h.tracker.streamStatistics.gaps >= h.tracker.streamStatistics.droppedRecords)
    }

    @Test("A direction whose partial record was given up resyncs on its next record")
    func evictedDirectionResyncs() {
        var limits = Limits()
        limits.reassemblyBudgetBytes = 256 << 10
        var h = partialRecords(flows: 20, perFlow: 30_000, limits: limits) { _ in }
        #expect(h.tracker.budgetEvictions > 0)
        // Flow 0 was seen longest ago: its record was given up. Its next bytes finish the
        // abandoned record's tail nowhere; a new whole record after them is found again.
        let call = RPCBytes.record(RPCBytes.call(xid: 99, procedure: 1, body: RPCBytes.be32(5)))
        h.feed(tcpFrame(fromClient: true, clientPort: 10_000, seq: 1 + 30_000, ack: 1, flags: 0x18,
                        payload: [UInt8](repeating: 0, count: 100) + call))
        #expect(h.seen.last?.xid == 99)
        #expect(h.tracker.streamStatistics.resyncs >= 1)
    }

    @Test("The direction table is bounded by count and counts what it evicts")
    func directionCount() {
        var limits = Limits()
        limits.maximumDirections = 100
        var h = RPCHarness(tracker: RPCTracker(limits))
        for f in 0..<1_000 {
            let call = RPCBytes.record(RPCBytes.call(xid: UInt32(f), procedure: 0))
            h.feed(tcpFrame(fromClient: true, clientPort: UInt16(10_000 + f), seq: 1, ack: 1, flags: 0x18, payload: call),
                   time: Int64(f) * 1_000_000)
            #expect(h.tracker.directionCount <= 100)
        }
        #expect(h.tracker.directionEvictions >= 900)
        #expect(h.seen.count == 1_000)
    }

    @Test("Learned ports: a bounded table, the oldest mapping evicted first and counted")
    func learnedPorts() {
        var ports = LearnedPorts(maximum: 3)
        for port in UInt16(700)..<UInt16(705) {
            ports.learn(IPAddress(ipv4: 1), port: port, proto: 6, program: 100_005)
        }
        #expect(ports.count == 3)
        #expect(ports.evictions == 2)
        #expect(!ports.isRPC(IPAddress(ipv4: 1), port: 700, proto: 6))
        #expect(!ports.isRPC(IPAddress(ipv4: 1), port: 701, proto: 6))
        #expect(ports.isRPC(IPAddress(ipv4: 1), port: 704, proto: 6))
        #expect(ports.isRPC(IPAddress(ipv4: 9), port: 2049, proto: 17))
    }
}

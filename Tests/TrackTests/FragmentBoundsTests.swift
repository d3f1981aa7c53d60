import Testing
import Decode
@testable import Track

@Suite("IP fragments: bounded in pieces, bytes and datagrams")
struct FragmentBoundsTests {
    func feed(_ r: inout IPReassembler, _ f: (Packet, [UInt8]), time: Int64 = 0) -> NetworkPayload? {
        f.1.withUnsafeBytes { r.add(f.0, frame: $0, time: time) }
    }

    @Test("A datagram in more pieces than the limit is dropped and counted; one at the limit completes")
    func tooManyPieces() {
        let d = udpDatagram(count: 8 * 200 - 8)
        var r = IPReassembler()
        // Every other 8-byte piece first, so no range merges: the worst case for the range list.
        var done: NetworkPayload?
        for i in stride(from: 0, to: 200, by: 2) {
            done = feed(&r, fragment(id: 1, offset: i * 8, more: i < 199, payload: Array(d[(i * 8)..<(i * 8 + 8)])))
        }
        for i in stride(from: 1, to: 200, by: 2) {
            done = feed(&r, fragment(id: 1, offset: i * 8, more: i < 199, payload: Array(d[(i * 8)..<(i * 8 + 8)])))
        }
        #expect(done == nil)
        #expect(r.statistics.tooManyFragments >= 1)

        let small = udpDatagram(count: 8 * 128 - 8)
        var s = IPReassembler()
        for i in 0..<128 {
            done = feed(&s, fragment(id: 2, offset: i * 8, more: i < 127, payload: Array(small[(i * 8)..<(i * 8 + 8)])))
        }
        #expect(done?.range.count == small.count)
        #expect(s.statistics.tooManyFragments == 0)
    }

    @Test("Thousands of incomplete datagrams stay within the byte and count limits, evictions counted")
    func manyIncomplete() {
        var r = IPReassembler(limits: .init(maximumBytes: 1 << 20, maximumDatagrams: 256))
        let d = udpDatagram(count: 60_000)
        for id in 0..<5_000 {
            _ = feed(&r, fragment(id: UInt16(truncatingIfNeeded: id), offset: 0, more: true, payload: Array(d[0..<1480]),
                                  src: UInt32(0x0a00_0000 + id)))
            #expect(r.pendingCount <= 256)
        }
        #expect(r.statistics.evictedForSpace >= 5_000 - 256)
    }

    @Test("Extreme capture times never trap the age sweep")
    func extremeTimes() {
        var r = IPReassembler()
        let d = udpDatagram(count: 3000)
        for time in [Int64.min, -1, 0, 1, Int64.max, Int64.min, Int64.max] {
            _ = feed(&r, fragment(id: 3, offset: 0, more: true, payload: Array(d[0..<1480])), time: time)
        }
        #expect(r.statistics.evictedForAge >= 1)
    }
}

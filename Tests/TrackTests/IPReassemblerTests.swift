import Testing
import Decode
@testable import Track

/// An IPv4 fragment as the decoder leaves it: the IP layer and the payload range.
func fragment(id: UInt16, offset: Int, more: Bool, payload: [UInt8], proto: UInt8 = 17,
              src: UInt32 = 0x0a00_0001) -> (Packet, [UInt8]) {
    var ip: [UInt8] = [0x45, 0]
    let total = 20 + payload.count
    ip += [UInt8(total >> 8), UInt8(total & 0xff), UInt8(id >> 8), UInt8(id & 0xff)]
    let flags = UInt16(offset / 8) | (more ? 0x2000 : 0)
    ip += [UInt8(flags >> 8), UInt8(flags & 0xff), 64, proto, 0, 0]
    ip += [UInt8(src >> 24), UInt8((src >> 16) & 0xff), UInt8((src >> 8) & 0xff), UInt8(src & 0xff)]
    ip += [10, 0, 0, 2]
    let bytes = ip + payload
    var p = Packet()
    bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: LinkType.raw, originalLength: bytes.count, into: &p) }
    return (p, bytes)
}

/// A UDP datagram of `count` payload bytes, split at the given offsets (multiples of 8).
func udpDatagram(count: Int) -> [UInt8] {
    let length = 8 + count
    var d: [UInt8] = [0x03, 0xff, 0x08, 0x01, UInt8(length >> 8), UInt8(length & 0xff), 0, 0]
    d += (0..<count).map { UInt8(truncatingIfNeeded: $0) }
    return d
}

@Suite("IP fragment reassembly")
struct IPReassemblerTests {
    func feed(_ r: inout IPReassembler, _ f: (Packet, [UInt8]), time: Int64 = 0) -> NetworkPayload? {
        f.1.withUnsafeBytes { r.add(f.0, frame: $0, time: time) }
    }

    @Test("Three fragments out of order make the datagram, and UDP decodes from it")
    func outOfOrder() {
        let d = udpDatagram(count: 3000)
        var r = IPReassembler()
        #expect(feed(&r, fragment(id: 9, offset: 2960, more: false, payload: Array(d[2960...]))) == nil)
        #expect(feed(&r, fragment(id: 9, offset: 0, more: true, payload: Array(d[0..<1480]))) == nil)
        let done = feed(&r, fragment(id: 9, offset: 1480, more: true, payload: Array(d[1480..<2960])))
        #expect(done?.range == ByteRange(offset: 0, count: d.count))
        #expect(done?.proto == 17)
        #expect(r.datagram == d)
        var p = Packet()
        r.datagram.withUnsafeBytes { PacketDecoder.decodeTransport($0, network: done!, into: &p) }
        #expect(p.has(.udp) && p.udp.srcPort == 1023 && p.udp.dstPort == 2049)
        #expect(p.payload.count == 3000)
        #expect(r.pendingCount == 0 && r.statistics.reassembled == 1 && r.statistics.fragments == 3)
    }

    @Test("Overlapping fragments keep the first copy of each byte")
    func overlap() {
        var r = IPReassembler()
        _ = feed(&r, fragment(id: 1, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 16)))
        _ = feed(&r, fragment(id: 1, offset: 8, more: true, payload: [UInt8](repeating: 2, count: 16)))
        let done = feed(&r, fragment(id: 1, offset: 24, more: false, payload: [UInt8](repeating: 3, count: 8)))
        #expect(done?.range.count == 32)
        #expect(r.datagram == [UInt8](repeating: 1, count: 16) + [UInt8](repeating: 2, count: 8)
            + [UInt8](repeating: 3, count: 8))
    }

    @Test("Fragments of different sources with the same id are different datagrams")
    func keyedBySource() {
        var r = IPReassembler()
        _ = feed(&r, fragment(id: 5, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 8), src: 1))
        #expect(feed(&r, fragment(id: 5, offset: 8, more: false, payload: [1], src: 2)) == nil)
        #expect(r.pendingCount == 2)
    }

    @Test("An incomplete datagram older than the age limit is evicted and counted")
    func age() {
        var r = IPReassembler(limits: .init(maximumAgeNanoseconds: 1_000))
        _ = feed(&r, fragment(id: 5, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 8)), time: 0)
        _ = feed(&r, fragment(id: 6, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 8)), time: 5_000)
        #expect(r.statistics.evictedForAge == 1)
        #expect(r.pendingCount == 1)
    }

    @Test("Held bytes stay under the limit: the oldest datagram goes first")
    func space() {
        var r = IPReassembler(limits: .init(maximumBytes: 2_000))
        for id in 0..<5 {
            _ = feed(&r, fragment(id: UInt16(id), offset: 0, more: true, payload: [UInt8](repeating: 0, count: 800)),
                     time: Int64(id))
        }
        #expect(r.pendingCount == 2)
        #expect(r.statistics.evictedForSpace == 3)
        // The survivors are the two newest: completing id 4 works.
        #expect(feed(&r, fragment(id: 4, offset: 800, more: false, payload: [1]), time: 10) != nil)
    }

    @Test("A fragment reaching past 65,535 bytes is refused")
    func oversized() {
        var r = IPReassembler()
        #expect(feed(&r, fragment(id: 1, offset: 65_528, more: false, payload: [UInt8](repeating: 0, count: 16))) == nil)
        #expect(r.statistics.oversized == 1 && r.pendingCount == 0)
    }
}

import Testing
import Decode
@testable import Track

func segment(from a: UInt16, to b: UInt16, seq: UInt32, ack: UInt32, flags: UInt16) -> Packet {
    var p = Packet()
    p.layers.add(.ipv4)
    p.layers.add(.tcp)
    p.ipv4.src = IPAddress(ipv4: a == 2049 ? 1 : 2)
    p.ipv4.dst = IPAddress(ipv4: a == 2049 ? 2 : 1)
    p.tcp.srcPort = a
    p.tcp.dstPort = b
    p.tcp.seqRaw = seq
    p.tcp.ackRaw = ack
    p.tcp.flags = flags
    return p
}

@Suite("Relative TCP sequence numbers")
struct TCPSequenceTrackerTests {
    @Test("A handshake starts both directions at 0; data then counts from 1")
    func handshake() {
        var t = TCPSequenceTracker()
        var syn = segment(from: 801, to: 2049, seq: 4_000_000_000, ack: 0, flags: TCP.SYN)
        var synAck = segment(from: 2049, to: 801, seq: 77, ack: 4_000_000_001, flags: TCP.SYN | TCP.ACK)
        var data = segment(from: 801, to: 2049, seq: 4_000_000_001, ack: 78, flags: TCP.ACK | TCP.PSH)
        t.track(&syn, time: 0)
        t.track(&synAck, time: 1)
        t.track(&data, time: 2)
        #expect(syn.tcp.seq == 0 && syn.tcp.ack == 0)
        #expect(synAck.tcp.seq == 0 && synAck.tcp.ack == 1)
        #expect(data.tcp.seq == 1 && data.tcp.ack == 1)
        #expect(t.count == 1)
    }

    @Test("Joined mid-stream: the first segment shows 1, as tshark does, and wraps at 2^32")
    func midStream() {
        var t = TCPSequenceTracker()
        var a = segment(from: 939, to: 2049, seq: 4_294_967_290, ack: 1_294_227_575, flags: TCP.ACK | TCP.PSH)
        var b = segment(from: 2049, to: 939, seq: 1_294_227_575, ack: 6, flags: TCP.ACK | TCP.PSH)
        t.track(&a, time: 0)
        t.track(&b, time: 1)
        #expect(a.tcp.seq == 1 && a.tcp.ack == 1)
        #expect(b.tcp.seq == 1 && b.tcp.ack == 13)  // base 4_294_967_289; 6 lies 13 past it, across the wrap
    }

    @Test("Beyond the connection limit the idle ones are forgotten and counted")
    func bounded() {
        var t = TCPSequenceTracker(maximumConnections: 4, idleNanoseconds: 10)
        for port in 0..<8 {
            var s = segment(from: UInt16(1000 + port), to: 2049, seq: 1, ack: 1, flags: TCP.ACK)
            t.track(&s, time: Int64(port) * 100)
        }
        #expect(t.count <= 4)
        #expect(t.evictions >= 4)
    }
}

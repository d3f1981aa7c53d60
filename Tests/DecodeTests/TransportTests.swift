import Testing
@testable import Decode

@Suite("TCP and UDP")
struct TransportTests {
    @Test("TCP options: MSS, window scale, SACK permitted, timestamps, SACK blocks")
    func tcpOptions() {
        var f = Frame()
        let options: [UInt8] = [2, 4, 0x05, 0xb4,  // MSS 1460
                                1, 3, 3, 7,  // NOP, window scale 7
                                4, 2,  // SACK permitted
                                8, 10, 0, 0, 0, 1, 0, 0, 0, 2,  // timestamps 1, 2
                                1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20]  // NOP NOP, one SACK block
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 6, payload: 20 + options.count + 4)
        f.tcp(src: 801, dst: 2049, seq: 1000, ack: 0, flags: 0x002, options: options)
        f.raw([1, 2, 3, 4])
        let p = f.decode()
        #expect(p.tcp.headerLength == UInt8(20 + options.count))
        #expect(p.tcp.mss == 1460 && p.tcp.windowScale == 7 && p.tcp.sackPermitted)
        #expect(p.tcp.hasTimestamps && p.tcp.tsval == 1 && p.tcp.tsecr == 2)
        #expect(p.tcp.sackCount == 1 && p.tcp.sackBlocks[0].left == 10 && p.tcp.sackBlocks[0].right == 20)
        #expect(p.tcp.flags == TCP.SYN && p.tcp.seqRaw == 1000)
        #expect(p.tcp.payloadLength == 4 && p.payload.count == 4)
        #expect(!p.tcp.optionsMalformed)
    }

    @Test("A TCP option running past the header is flagged; the segment still decodes")
    func malformedOption() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 6, payload: 24)
        f.tcp(src: 1, dst: 2, seq: 3, ack: 4, flags: 0x10, options: [2, 9, 0, 0])
        let p = f.decode()
        #expect(p.has(.tcp) && p.tcp.optionsMalformed && p.error == nil)
    }

    @Test("A frame cut by the snaplen inside the TCP header is truncated, not malformed")
    func snaplenCut() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 6, payload: 120)
        f.tcp(src: 1, dst: 2, seq: 3, ack: 4, flags: 0x18)
        f.bytes.removeLast(10)
        let p = f.decode(originalLength: 14 + 20 + 120)
        #expect(p.truncated && p.has(.ipv4) && !p.has(.tcp))
        #expect(p.error == nil)
    }

    @Test("A snaplen cut inside the payload keeps TCP, with the payload length from IP")
    func snaplenCutPayload() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 6, payload: 20 + 1000)
        f.tcp(src: 1, dst: 2, seq: 3, ack: 4, flags: 0x18)
        f.raw([UInt8](repeating: 7, count: 42))
        let p = f.decode(originalLength: 14 + 20 + 20 + 1000)
        #expect(p.truncated && p.has(.tcp) && p.error == nil)
        #expect(p.tcp.payloadLength == 1000 && p.payload.count == 42)
    }

    @Test("The same bytes short without a snaplen cut are malformed, with the offset")
    func shortHeader() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 6, payload: 12)
        f.raw([0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])
        let p = f.decode()
        #expect(p.error == DecodeError(.shortHeader, layer: .tcp, offset: 34))
        #expect(p.has(.ipv4) && !p.has(.tcp))
    }

    @Test("UDP payload is bounded by the UDP length")
    func udpLength() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 8 + 12)
        f.udp(src: 1023, dst: 111, payload: 4)
        f.raw([UInt8](repeating: 9, count: 12))
        let p = f.decode()
        #expect(p.udp.length == 12 && p.payload == ByteRange(offset: 42, count: 4))
    }

    @Test("Every prefix of a valid frame decodes without trapping")
    func everyPrefix() {
        var f = Frame()
        f.ethernet(type: 0x8100)
        f.u16(5); f.u16(0x86dd)
        f.ipv6(next: 0, payload: 8 + 40, src: v6a, dst: v6b)
        f.raw([6, 0, 1, 4, 0, 0, 0, 0])
        f.tcp(src: 1, dst: 2, seq: 3, ack: 4, flags: 0x12, options: [2, 4, 5, 0xb4, 1, 3, 3, 7, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0])
        for n in 0...f.bytes.count {
            let cut = Frame(bytes: Array(f.bytes[0..<n]))
            let truncated = cut.decode(originalLength: f.bytes.count)
            #expect(truncated.error == nil, "prefix \(n) cut by the snaplen")
            _ = cut.decode()  // the same prefix as a whole frame: an error, never a trap
        }
        #expect(f.decode().has(.tcp))
    }
}

@Suite("UDP length checks")
struct UDPLengthTests {
    @Test("A UDP length beyond the IP payload is malformed, and UDP is still decoded")
    func beyondIP() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 8 + 4)
        f.udp(src: 1, dst: 2, payload: 100)
        f.raw([1, 2, 3, 4])
        let p = f.decode()
        #expect(p.has(.udp) && p.error == DecodeError(.badLength, layer: .udp, offset: 38))
        #expect(p.payload.count == 4)
    }
}

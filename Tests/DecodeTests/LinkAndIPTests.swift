import Testing
@testable import Decode

@Suite("Link layers")
struct LinkTests {
    @Test("Ethernet II carries IPv4; the MACs and EtherType are kept")
    func ethernet() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 8)
        f.udp(src: 111, dst: 2049, payload: 0)
        let p = f.decode()
        #expect(p.has(.ethernet) && p.has(.ipv4) && p.has(.udp))
        #expect(p.ethernet.src.description == "02:00:00:00:00:01")
        #expect(p.ethernet.dst.description == "02:00:00:00:00:02")
        #expect(p.ethernet.type == 0x0800)
        #expect(p.error == nil)
    }

    @Test("QinQ: an 802.1ad tag then an 802.1Q tag, both kept in order")
    func qinq() {
        var f = Frame()
        f.raw([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])
        f.u16(0x88a8); f.u16(0x2064)  // PCP 1, VID 100
        f.u16(0x8100); f.u16(0x00c8)  // VID 200
        f.u16(0x0800)
        f.ipv4(proto: 17, payload: 8)
        f.udp(src: 1, dst: 2, payload: 0)
        let p = f.decode()
        #expect(p.vlanCount == 2)
        #expect(p.vlans[0].tpid == 0x88a8 && p.vlans[0].id == 100 && p.vlans[0].pcp == 1)
        #expect(p.vlans[1].tpid == 0x8100 && p.vlans[1].id == 200)
        #expect(p.ethernet.type == 0x0800)
        #expect(p.has(.udp))
    }

    @Test("More VLAN tags than the cap is a decode error, not a crash")
    func tooManyTags() {
        var f = Frame()
        f.raw([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])
        for _ in 0..<6 { f.u16(0x8100); f.u16(1) }
        f.u16(0x0800)
        let p = f.decode()
        #expect(p.error?.code == .tooDeep)
        #expect(!p.has(.ipv4))
    }

    @Test("Linux SLL v1 and v2 headers lead to IP")
    func sll() {
        var v1 = Frame()
        v1.u16(4); v1.u16(1); v1.u16(6); v1.raw([2, 0, 0, 0, 0, 1, 0, 0]); v1.u16(0x0800)
        v1.ipv4(proto: 17, payload: 8)
        v1.udp(src: 5, dst: 6, payload: 0)
        let p1 = v1.decode(linkType: LinkType.linuxSLL)
        #expect(p1.sll.version == 1 && p1.sll.packetType == 4 && p1.sll.addressText == "02:00:00:00:00:01")
        #expect(p1.has(.udp) && p1.udp.dstPort == 6)

        var v2 = Frame()
        v2.u16(0x86dd); v2.u16(0); v2.u32(3); v2.u16(1); v2.u8(0); v2.u8(6)
        v2.raw([2, 0, 0, 0, 0, 9, 0, 0])
        v2.ipv6(next: 17, payload: 8, src: v6a, dst: v6b)
        v2.udp(src: 7, dst: 8, payload: 0)
        let p2 = v2.decode(linkType: LinkType.linuxSLL2)
        #expect(p2.sll.version == 2 && p2.sll.interfaceIndex == 3 && p2.sll.protocolType == 0x86dd)
        #expect(p2.has(.ipv6) && p2.udp.srcPort == 7)
    }

    @Test("BSD NULL: the family in either byte order, Darwin's AF_INET6 too")
    func null() {
        var le = Frame()
        le.raw([2, 0, 0, 0])
        le.ipv4(proto: 17, payload: 8)
        le.udp(src: 1, dst: 2, payload: 0)
        #expect(le.decode(linkType: LinkType.null).has(.udp))

        var be = Frame()
        be.raw([0, 0, 0, 30])
        be.ipv6(next: 17, payload: 8, src: v6a, dst: v6b)
        be.udp(src: 1, dst: 2, payload: 0)
        let p = be.decode(linkType: LinkType.null)
        #expect(p.null.family == 30 && p.has(.ipv6) && p.has(.udp))
    }

    @Test("A non-IP frame keeps its link layer and its payload range")
    func arp() {
        var f = Frame()
        f.ethernet(type: 0x0806)
        f.raw([UInt8](repeating: 0, count: 28))
        let p = f.decode()
        #expect(p.has(.ethernet) && !p.hasIP)
        #expect(p.payload == ByteRange(offset: 14, count: 28))
        #expect(p.error == nil)
    }

    @Test("An unknown link type is kept raw")
    func unknownLinkType() {
        let f = Frame(bytes: [1, 2, 3])
        let p = f.decode(linkType: 147)
        #expect(p.layers.rawValue == 0 && p.payload.count == 3 && p.error == nil)
    }
}

@Suite("IPv4 and IPv6")
struct IPTests {
    @Test("Ethernet padding is never payload: the IPv4 total length bounds it")
    func padding() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 6, payload: 20)
        f.tcp(src: 2049, dst: 801, seq: 1, ack: 2, flags: 0x10)
        f.raw([0, 0, 0, 0, 0, 0])  // pads the frame to 60 bytes
        let p = f.decode()
        #expect(p.has(.tcp))
        #expect(p.payload.count == 0)
        #expect(p.tcp.payloadLength == 0)
    }

    @Test("IPv4 options and flags are decoded; the header length honours IHL")
    func options() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 8, id: 7, flags: 0x4000, options: [0x94, 0x04, 0, 0])  // router alert
        f.udp(src: 1, dst: 2, payload: 0)
        let p = f.decode()
        #expect(p.ipv4.headerLength == 24 && p.ipv4.options == ByteRange(offset: 34, count: 4))
        #expect(p.ipv4.flagDF && !p.ipv4.flagMF && p.ipv4.id == 7 && p.ipv4.ttl == 64)
        #expect(p.has(.udp))
    }

    @Test("An IPv4 fragment stops before the transport; the first fragment's offset is 0")
    func fragment() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 16, flags: 0x2000)  // MF
        f.udp(src: 1, dst: 2, payload: 100)
        f.raw([UInt8](repeating: 0xaa, count: 8))
        let p = f.decode()
        #expect(p.isIPFragment && !p.has(.udp))
        #expect(p.payload == ByteRange(offset: 34, count: 16))
    }

    @Test("A header length below 20 is a decode error at the version byte")
    func badIHL() {
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 0)
        f.bytes[14] = 0x44
        let p = f.decode()
        #expect(p.error == DecodeError(.badLength, layer: .ipv4, offset: 14))
        #expect(p.has(.ethernet) && !p.has(.ipv4))
    }

    @Test("IPv6 extension headers are walked to the upper layer")
    func extensionHeaders() {
        var f = Frame()
        f.raw([])
        f.ipv6(next: 0, payload: 8 + 8 + 8, src: v6a, dst: v6b)
        f.raw([60, 0, 1, 4, 0, 0, 0, 0])  // hop-by-hop, then destination options
        f.raw([17, 0, 1, 4, 0, 0, 0, 0])  // destination options, then UDP
        f.udp(src: 53, dst: 5353, payload: 0)
        let p = f.decode(linkType: LinkType.raw)
        #expect(p.ipv6.extensionCount == 2)
        #expect(p.ipv6.extensions[0] == 0 && p.ipv6.extensions[1] == 60)
        #expect(p.ipv6.nextHeader == 17 && p.has(.udp) && p.udp.dstPort == 5353)
        #expect(p.ipv6.flowLabel == 0x12345)
    }

    @Test("An IPv6 fragment header stops the walk and records id, offset and M")
    func ipv6Fragment() {
        var f = Frame()
        f.ipv6(next: 44, payload: 8 + 16, src: v6a, dst: v6b)
        f.raw([17, 0]); f.u16(UInt16(185 << 3) | 1); f.u32(0xdead_beef)
        f.raw([UInt8](repeating: 1, count: 16))
        let p = f.decode(linkType: LinkType.raw)
        #expect(p.isIPFragment && !p.has(.udp))
        #expect(p.ipv6.fragmentId == 0xdead_beef && p.ipv6.fragmentOffset == 1480 && p.ipv6.moreFragments)
        #expect(p.ipv6.nextHeader == 17)
        #expect(p.payload == ByteRange(offset: 48, count: 16))
    }

    @Test("IPv6 addresses print in RFC 5952 form")
    func ipv6Text() {
        #expect(IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1).description == "2001:db8::1")
        #expect(IPAddress(ipv6High: 0xfe80_0000_0000_0000, low: 0x0211_22ff_fe33_4455).description
            == "fe80::211:22ff:fe33:4455")
        #expect(IPAddress(ipv6High: 0, low: 0).description == "::")
        #expect(IPAddress(ipv6High: 0, low: 1).description == "::1")
        #expect(IPAddress(ipv6High: 0x2001_0db8_0000_0001, low: 0x0000_0000_0001_0001).description
            == "2001:db8:0:1::1:1")  // the longer run is the one shortened
        #expect(IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 0x0001_0000_0000_0001).description
            == "2001:db8::1:0:0:1")  // on a tie, the first run
        #expect(IPAddress(ipv6High: 0x2001_0db8_0001_0001, low: 0x0001_0001_0000_0001).description
            == "2001:db8:1:1:1:1:0:1")  // a single zero group is not shortened
        #expect(IPAddress(ipv6High: 0, low: 0x0000_ffff_c000_0280).description == "::ffff:192.0.2.128")
        #expect(IPAddress(ipv4: 0xc0a8_0a01).description == "192.168.10.1")
    }
}

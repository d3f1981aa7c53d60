/// An ARP or RARP packet (RFC 826, RFC 903) over Ethernet: the operation and the sender's and
/// target's addresses. Only Ethernet hardware (type 1) with IPv4 protocol addresses (0x0800) is
/// taken apart; for anything else the operation and types are kept and the addresses are zero.
public struct ARP: Sendable {
    public static let request: UInt16 = 1, reply: UInt16 = 2
    public static let reverseRequest: UInt16 = 3, reverseReply: UInt16 = 4

    public var hardwareType: UInt16 = 0
    public var protocolType: UInt16 = 0
    public var operation: UInt16 = 0
    /// Reverse ARP (EtherType 0x8035) rather than ARP.
    public var isReverse = false
    /// Both address pairs were read (Ethernet and IPv4, 6 and 4 bytes).
    public var hasAddresses = false
    public var senderMAC = MACAddress(0)
    public var senderIP = IPAddress(ipv4: 0)
    public var targetMAC = MACAddress(0)
    public var targetIP = IPAddress(ipv4: 0)

    public init() {}
}

extension PacketDecoder {
    /// The ARP header at `offset`: 8 fixed bytes, then the four addresses whose sizes it gives.
    static func decodeARP(_ b: UnsafeRawBufferPointer, at offset: Int, reverse: Bool, into p: inout Packet) {
        guard b.count >= offset + 8 else {
            let _: Int? = short(.arp, at: offset, &p)
            return
        }
        p.layers.add(.arp)
        var arp = ARP()
        arp.isReverse = reverse
        arp.hardwareType = b.u16(offset)
        arp.protocolType = b.u16(offset + 2)
        arp.operation = b.u16(offset + 6)
        let hlen = Int(b.u8(offset + 4)), plen = Int(b.u8(offset + 5))
        if arp.hardwareType == 1 && arp.protocolType == EtherType.ipv4 && hlen == 6 && plen == 4
            && b.count >= offset + 28 {
            arp.senderMAC = b.mac(offset + 8)
            arp.senderIP = IPAddress(ipv4: b.u32(offset + 14))
            arp.targetMAC = b.mac(offset + 18)
            arp.targetIP = IPAddress(ipv4: b.u32(offset + 24))
            arp.hasAddresses = true
        }
        p.arp = arp
    }
}

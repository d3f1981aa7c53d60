/// LINKTYPE_* values (tcpdump.org/linktypes.html) that pktt decodes.
public enum LinkType {
    public static let null: UInt32 = 0          // BSD loopback, family in the capturer's byte order
    public static let ethernet: UInt32 = 1
    public static let raw: UInt32 = 101         // raw IPv4 or IPv6, by the version nibble
    public static let rawOpenBSD: UInt32 = 12   // DLT_RAW on OpenBSD, seen in old files
    public static let loop: UInt32 = 108        // OpenBSD loopback, family in network order
    public static let linuxSLL: UInt32 = 113
    public static let erf: UInt32 = 197         // Endace ERF records (Ethernet, InfiniBand, IP)
    public static let ipv4: UInt32 = 228
    public static let ipv6: UInt32 = 229
    public static let linuxSLL2: UInt32 = 276
}

/// EtherType values the decoder follows.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let rarp: UInt16 = 0x8035
    public static let ipv6: UInt16 = 0x86dd
    public static let vlan: UInt16 = 0x8100        // 802.1Q
    public static let qinq: UInt16 = 0x88a8        // 802.1ad service tag
    public static let qinqLegacy: UInt16 = 0x9100  // pre-standard QinQ, still on the wire

    @inline(__always)
    static func isVLAN(_ type: UInt16) -> Bool {
        type == vlan || type == qinq || type == qinqLegacy
    }
}

/// IP protocol numbers the decoder knows by name.
public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6Routing: UInt8 = 43
    public static let ipv6Fragment: UInt8 = 44
    public static let esp: UInt8 = 50
    public static let ah: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let ipv6NoNext: UInt8 = 59
    public static let ipv6Destination: UInt8 = 60
    public static let mobility: UInt8 = 135

    public static func name(_ value: UInt8) -> String? {
        switch value {
        case icmp: "ICMP"
        case tcp: "TCP"
        case udp: "UDP"
        case icmpv6: "ICMPv6"
        case esp: "ESP"
        case ah: "AH"
        case 2: "IGMP"
        case 47: "GRE"
        case 132: "SCTP"
        default: nil
        }
    }
}

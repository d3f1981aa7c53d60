/// The layers a packet can carry, in the order they are stacked on the wire.
public enum Layer: UInt8, Sendable, CaseIterable {
    case ethernet, vlan, sll, null, ipv4, ipv6, tcp, udp
    case rpc, portmap, mount, nlm, nsm, nfs
    case erf, infiniband, rpcordma, arp

    public var name: String {
        switch self {
        case .ethernet: "ethernet"
        case .vlan: "vlan"
        case .sll: "sll"
        case .null: "null"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .tcp: "tcp"
        case .udp: "udp"
        case .rpc: "rpc"
        case .portmap: "portmap"
        case .mount: "mount"
        case .nlm: "nlm"
        case .nsm: "nsm"
        case .nfs: "nfs"
        case .erf: "erf"
        case .infiniband: "infiniband"
        case .rpcordma: "rpcordma"
        case .arp: "arp"
        }
    }
}

/// Which layers a packet has: one bit per `Layer`.
public struct LayerSet: OptionSet, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ layer: Layer) { rawValue = 1 << UInt32(layer.rawValue) }

    @inlinable @inline(__always) public func has(_ layer: Layer) -> Bool { rawValue & (1 << UInt32(layer.rawValue)) != 0 }
    @inlinable @inline(__always) public mutating func add(_ layer: Layer) { rawValue |= 1 << UInt32(layer.rawValue) }
}

/// Caps on what one packet may nest, named so a reader knows why decoding stopped.
public enum PacketLimits {
    /// 802.1Q/802.1ad tags in one frame; QinQ uses two, three is already exotic.
    public static let maximumVLANTags = 4
    /// IPv6 extension headers before the upper-layer header (RFC 8200 expects a handful).
    public static let maximumIPv6ExtensionHeaders = 8
    /// SACK blocks in one TCP option (40 option bytes hold at most 4).
    public static let maximumSACKBlocks = 4
}

/// One decoded packet: a fixed set of layer structs, reused from packet to packet by the decoder
/// (no allocation per packet). `layers` says which of them hold this packet's values.
public struct Packet: Sendable {
    public var layers = LayerSet()
    /// The link type the packet was decoded with.
    public var linkType: UInt32 = 0
    public var ethernet = Ethernet()
    public var vlanCount = 0
    public var vlans = InlineArray<4, VLANTag>(repeating: VLANTag())
    public var sll = LinuxSLL()
    public var null = NullHeader()
    public var ipv4 = IPv4()
    public var ipv6 = IPv6()
    public var tcp = TCP()
    public var udp = UDP()
    public var rpc = RPC()
    public var erf = ERFHeader()
    public var infiniband = InfiniBand()
    public var rpcordma = RPCoRDMA()
    public var arp = ARP()
    /// The application payload (after TCP/UDP), or the IP payload of a fragment or of a
    /// transport not decoded, or the link payload of a non-IP frame.
    public var payload = ByteRange.empty
    /// The snaplen cut this packet: decoding went as far as the captured bytes allowed.
    public var truncated = false
    /// `payload` refers to the datagram Track reassembled from fragments, not to the frame.
    public var reassembled = false
    /// Why decoding stopped early, when the bytes (not the snaplen) were at fault.
    public var error: DecodeError?

    public init() {}

    /// Forget the previous packet's layers; the structs keep their storage.
    @inlinable public mutating func reset() {
        layers = LayerSet()
        vlanCount = 0
        payload = .empty
        reassembled = false
        truncated = false
        error = nil
    }

    @inlinable @inline(__always) public func has(_ layer: Layer) -> Bool { layers.has(layer) }

    /// IPv4 or IPv6 present.
    @inlinable public var hasIP: Bool { layers.has(.ipv4) || layers.has(.ipv6) }
    @inlinable public var ipVersion: Int { layers.has(.ipv6) ? 6 : layers.has(.ipv4) ? 4 : 0 }

    @inlinable public var ipSource: IPAddress {
        layers.has(.ipv6) ? ipv6.src : ipv4.src
    }

    @inlinable public var ipDestination: IPAddress {
        layers.has(.ipv6) ? ipv6.dst : ipv4.dst
    }

    /// The upper-layer protocol number (after IPv6 extension headers).
    @inlinable public var ipProtocol: UInt8 {
        layers.has(.ipv6) ? ipv6.nextHeader : ipv4.protocolNumber
    }

    /// True when the IP layer is a fragment whose transport waits for reassembly.
    @inlinable public var isIPFragment: Bool {
        (layers.has(.ipv4) && ipv4.isFragment) || (layers.has(.ipv6) && ipv6.hasFragmentHeader)
    }

    @inlinable public var sourcePort: UInt16 {
        layers.has(.tcp) ? tcp.srcPort : layers.has(.udp) ? udp.srcPort : 0
    }

    @inlinable public var destinationPort: UInt16 {
        layers.has(.tcp) ? tcp.dstPort : layers.has(.udp) ? udp.dstPort : 0
    }
}

/// Ethernet II header (RFC 894).
public struct Ethernet: Sendable {
    public var dst = MACAddress(0)
    public var src = MACAddress(0)
    /// The EtherType after any VLAN tags (or the 802.3 length when ≤ 1500).
    public var type: UInt16 = 0
    public init() {}
}

/// One 802.1Q / 802.1ad tag.
public struct VLANTag: Sendable {
    /// The TPID that introduced the tag (0x8100, 0x88a8 or 0x9100).
    public var tpid: UInt16 = 0
    /// Priority code point (3 bits).
    public var pcp: UInt8 = 0
    /// Drop eligible indicator.
    public var dei: UInt8 = 0
    /// VLAN identifier (12 bits).
    public var id: UInt16 = 0
    /// The EtherType that follows the tag.
    public var type: UInt16 = 0
    public init() {}
}

/// Linux "cooked" capture header, v1 (LINKTYPE_LINUX_SLL) or v2 (LINKTYPE_LINUX_SLL2).
public struct LinuxSLL: Sendable {
    public var version: UInt8 = 1
    /// 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us.
    public var packetType: UInt16 = 0
    /// ARPHRD_* type of the interface.
    public var hatype: UInt16 = 0
    public var addressLength: UInt8 = 0
    /// The link-layer source address (first 8 bytes), left-aligned.
    public var address: UInt64 = 0
    public var protocolType: UInt16 = 0
    /// Interface index (SLL2 only).
    public var interfaceIndex: UInt32 = 0
    public init() {}

    /// The address as `aa:bb:…` with its real length (at most 8 bytes).
    public var addressText: String {
        let n = Int(min(addressLength, 8))
        var parts: [String] = []
        for i in 0..<n {
            let byte = UInt8(truncatingIfNeeded: address >> (56 - 8 * UInt64(i)))
            parts.append(byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16))
        }
        return parts.joined(separator: ":")
    }
}

/// BSD loopback header: an address family (AF_INET, AF_INET6 with its per-OS values).
public struct NullHeader: Sendable {
    public var family: UInt32 = 0
    public init() {}
}

extension PacketDecoder {
    /// Decodes the link layer and returns where the network layer starts and its EtherType,
    /// or nil when the frame carries nothing pktt follows (or the header is cut or bad).
    @inline(__always)
    static func decodeLink(_ b: UnsafeRawBufferPointer, linkType: UInt32,
                           into p: inout Packet) -> (offset: Int, type: UInt16)? {
        switch linkType {
        case LinkType.ethernet:
            return decodeEthernet(b, into: &p)
        case LinkType.erf:
            return decodeERF(b, into: &p)
        case LinkType.linuxSLL:
            guard b.count >= 16 else { return short(.sll, at: 0, &p) }
            p.layers.add(.sll)
            p.sll.version = 1
            p.sll.packetType = b.u16(0)
            p.sll.hatype = b.u16(2)
            p.sll.addressLength = UInt8(truncatingIfNeeded: min(b.u16(4), 255))
            p.sll.address = b.u64(6)
            p.sll.protocolType = b.u16(14)
            p.sll.interfaceIndex = 0
            return afterLink(b, offset: 16, type: p.sll.protocolType, into: &p)
        case LinkType.linuxSLL2:
            guard b.count >= 20 else { return short(.sll, at: 0, &p) }
            p.layers.add(.sll)
            p.sll.version = 2
            p.sll.protocolType = b.u16(0)
            p.sll.interfaceIndex = b.u32(4)
            p.sll.hatype = b.u16(8)
            p.sll.packetType = UInt16(b.u8(10))
            p.sll.addressLength = b.u8(11)
            p.sll.address = b.u64(12)
            return afterLink(b, offset: 20, type: p.sll.protocolType, into: &p)
        case LinkType.null, LinkType.loop:
            guard b.count >= 4 else { return short(.null, at: 0, &p) }
            p.layers.add(.null)
            var family = linkType == LinkType.loop ? b.u32(0) : b.u32le(0)
            // NULL stores the family in the capturing host's byte order: a value that only
            // makes sense swapped was written big-endian.
            if family > 0xffff { family = family.byteSwapped }
            p.null.family = family
            switch family {
            case 2: return (4, EtherType.ipv4)
            case 10, 24, 28, 30: return (4, EtherType.ipv6)  // Linux, NetBSD/OpenBSD, FreeBSD, Darwin
            default:
                p.payload = ByteRange(offset: 4, count: b.count - 4)
                return nil
            }
        case LinkType.raw, LinkType.rawOpenBSD, LinkType.ipv4, LinkType.ipv6:
            guard b.count >= 1 else { return short(.ipv4, at: 0, &p) }
            switch b.u8(0) >> 4 {
            case 4: return (0, EtherType.ipv4)
            case 6: return (0, EtherType.ipv6)
            default:
                p.error = DecodeError(.badVersion, layer: .ipv4, offset: 0)
                return nil
            }
        default:
            p.payload = ByteRange(offset: 0, count: b.count)
            return nil
        }
    }

    @inline(__always)
    static func decodeEthernet(_ b: UnsafeRawBufferPointer, at start: Int = 0,
                               into p: inout Packet) -> (offset: Int, type: UInt16)? {
        guard b.count >= start + 14 else { return short(.ethernet, at: start, &p) }
        p.layers.add(.ethernet)
        p.ethernet.dst = b.mac(start)
        p.ethernet.src = b.mac(start + 6)
        var type = b.u16(start + 12)
        var offset = start + 14
        while EtherType.isVLAN(type) {
            guard p.vlanCount < PacketLimits.maximumVLANTags else {
                p.error = DecodeError(.tooDeep, layer: .vlan, offset: offset)
                return nil
            }
            guard b.count >= offset + 4 else { return short(.vlan, at: offset, &p) }
            p.layers.add(.vlan)
            let tci = b.u16(offset)
            var tag = VLANTag()
            tag.tpid = type
            tag.pcp = UInt8(tci >> 13)
            tag.dei = UInt8((tci >> 12) & 1)
            tag.id = tci & 0x0fff
            type = b.u16(offset + 2)
            tag.type = type
            p.vlans[p.vlanCount] = tag
            p.vlanCount += 1
            offset += 4
        }
        p.ethernet.type = type
        return afterLink(b, offset: offset, type: type, into: &p)
    }

    @inline(__always)
    static func afterLink(_ b: UnsafeRawBufferPointer, offset: Int, type: UInt16,
                          into p: inout Packet) -> (offset: Int, type: UInt16)? {
        if type == EtherType.ipv4 || type == EtherType.ipv6 { return (offset, type) }
        p.payload = ByteRange(offset: offset, count: b.count - offset)
        if type == RoCE.etherType { decodeRoCEv1(b, at: offset, into: &p) }
        if type == EtherType.arp || type == EtherType.rarp {
            decodeARP(b, at: offset, reverse: type == EtherType.rarp, into: &p)
        }
        return nil
    }

    /// A header that does not fit: a snaplen cut is not an error, anything else is.
    @inline(__always)
    static func short<T>(_ layer: Layer, at offset: Int, _ p: inout Packet) -> T? {
        if !p.truncated { p.error = DecodeError(.shortHeader, layer: layer, offset: offset) }
        return nil
    }
}

/// Decodes one captured frame into a reused `Packet`: link, network and transport layers.
///
/// Stateless: fragments are left for Track's reassembler (the packet says `isIPFragment`), which
/// hands the whole datagram back to `decodeTransport`.
public enum PacketDecoder {
    /// Decodes `bytes` (a frame of link type `linkType`, `originalLength` bytes on the wire).
    /// `packet` is reset first; whatever could be decoded is in it afterwards.
    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: UInt32, originalLength: Int,
                              into packet: inout Packet) {
        packet.reset()
        packet.linkType = linkType
        packet.truncated = bytes.count < originalLength
        decodeLayers(bytes, linkType: linkType, into: &packet)
    }

    static func decodeLayers(_ b: UnsafeRawBufferPointer, linkType: UInt32, into p: inout Packet) {
        guard let (offset, type) = decodeLink(b, linkType: linkType, into: &p) else { return }
        let network: NetworkPayload?
        if type == EtherType.ipv4 {
            network = decodeIPv4(b, at: offset, into: &p)
        } else {
            network = decodeIPv6(b, at: offset, into: &p)
        }
        guard let network else { return }
        p.payload = network.range
        // Stored fields only: a method on the whole packet would copy it.
        let fragment = (p.layers.has(.ipv4) && (p.ipv4.flagMF || p.ipv4.fragmentOffset != 0))
            || (p.layers.has(.ipv6) && p.ipv6.hasFragmentHeader)
        if fragment {
            return  // the transport header is decoded once the datagram is whole
        }
        decodeTransport(b, network: network, into: &p)
        if p.layers.has(.udp) && p.udp.dstPort == RoCE.udpPort && p.error == nil {
            decodeRoCEv2(b, into: &p)
        }
    }

    /// Decodes the TCP or UDP header at `network.range` of `bytes`: the frame itself, or a
    /// datagram reassembled from fragments.
    public static func decodeTransport(_ bytes: UnsafeRawBufferPointer, network: NetworkPayload,
                                       into packet: inout Packet) {
        switch network.proto {
        case IPProtocol.tcp:
            decodeTCP(bytes, in: network.range, wireLength: network.wireLength, into: &packet)
        case IPProtocol.udp:
            decodeUDP(bytes, in: network.range, wireLength: network.wireLength, into: &packet)
        default:
            break
        }
    }
}

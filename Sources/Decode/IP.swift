/// IPv4 header (RFC 791).
public struct IPv4: Sendable {
    public var headerLength: UInt8 = 20
    /// DSCP and ECN (the old TOS byte).
    public var tos: UInt8 = 0
    public var totalLength: UInt16 = 0
    public var id: UInt16 = 0
    /// DF (don't fragment) and MF (more fragments) flags, and the reserved bit.
    public var flagDF = false
    public var flagMF = false
    public var flagReserved = false
    /// Fragment offset in bytes (the header field times 8).
    public var fragmentOffset: Int = 0
    public var ttl: UInt8 = 0
    public var protocolNumber: UInt8 = 0
    public var checksum: UInt16 = 0
    public var src = IPAddress.unspecified
    public var dst = IPAddress.unspecified
    /// Where the options are in the packet (empty when the header is 20 bytes).
    public var options = ByteRange.empty
    public init() {}

    @inlinable public var isFragment: Bool { flagMF || fragmentOffset != 0 }
}

/// IPv6 header (RFC 8200) with the extension headers walked to the upper layer.
public struct IPv6: Sendable {
    public var trafficClass: UInt8 = 0
    public var flowLabel: UInt32 = 0
    public var payloadLength: UInt16 = 0
    /// The Next Header of the fixed header.
    public var firstNextHeader: UInt8 = 0
    /// The upper-layer protocol after all extension headers.
    public var nextHeader: UInt8 = 0
    public var hopLimit: UInt8 = 0
    public var src = IPAddress(ipv6High: 0, low: 0)
    public var dst = IPAddress(ipv6High: 0, low: 0)
    /// The extension headers in order (their Next Header values).
    public var extensionCount = 0
    public var extensions = InlineArray<8, UInt8>(repeating: 0)
    /// Fragment header (RFC 8200 section 4.5), when present.
    public var hasFragmentHeader = false
    public var fragmentId: UInt32 = 0
    /// Fragment offset in bytes.
    public var fragmentOffset: Int = 0
    public var moreFragments = false
    public init() {}
}

/// What the network layer hands up: the captured payload, its length on the wire (larger when the
/// snaplen cut it) and the upper-layer protocol.
public struct NetworkPayload: Sendable {
    public var range: ByteRange
    public var wireLength: Int
    public var proto: UInt8

    public init(range: ByteRange, wireLength: Int, proto: UInt8) {
        self.range = range
        self.wireLength = wireLength
        self.proto = proto
    }
}

extension PacketDecoder {
    /// Decodes IPv4 at `offset`; returns the payload range and protocol, or nil to stop.
    @inline(__always)
    static func decodeIPv4(_ b: UnsafeRawBufferPointer, at o: Int,
                           into p: inout Packet) -> NetworkPayload? {
        guard b.count - o >= 20 else { return short(.ipv4, at: o, &p) }
        let versionIHL = b.u8(o)
        guard versionIHL >> 4 == 4 else {
            p.error = DecodeError(.badVersion, layer: .ipv4, offset: o)
            return nil
        }
        let headerLength = Int(versionIHL & 0x0f) * 4
        guard headerLength >= 20 else {
            p.error = DecodeError(.badLength, layer: .ipv4, offset: o)
            return nil
        }
        guard b.count - o >= headerLength else { return short(.ipv4, at: o, &p) }
        p.layers.add(.ipv4)
        var ip = IPv4()
        ip.headerLength = UInt8(headerLength)
        ip.tos = b.u8(o + 1)
        ip.totalLength = b.u16(o + 2)
        ip.id = b.u16(o + 4)
        let flagsOffset = b.u16(o + 6)
        ip.flagReserved = flagsOffset & 0x8000 != 0
        ip.flagDF = flagsOffset & 0x4000 != 0
        ip.flagMF = flagsOffset & 0x2000 != 0
        ip.fragmentOffset = Int(flagsOffset & 0x1fff) * 8
        ip.ttl = b.u8(o + 8)
        ip.protocolNumber = b.u8(o + 9)
        ip.checksum = b.u16(o + 10)
        ip.src = IPAddress(ipv4: b.u32(o + 12))
        ip.dst = IPAddress(ipv4: b.u32(o + 16))
        if headerLength > 20 { ip.options = ByteRange(offset: o + 20, count: headerLength - 20) }
        p.ipv4 = ip
        // The payload ends at the total length, never at the frame's end: Ethernet pads short
        // frames to 60 bytes and that padding is not TCP data. A total length of 0 is what
        // TSO-offloaded captures show; then the frame length is all there is.
        var end = b.count
        if ip.totalLength != 0 {
            let total = Int(ip.totalLength)
            guard total >= headerLength else {
                p.error = DecodeError(.badLength, layer: .ipv4, offset: o + 2)
                return nil
            }
            if o + total <= b.count {
                end = o + total
            } else if !p.truncated {
                p.error = DecodeError(.badLength, layer: .ipv4, offset: o + 2)
            }
        }
        let wire = ip.totalLength != 0 ? Int(ip.totalLength) - headerLength : end - o - headerLength
        return NetworkPayload(range: ByteRange(offset: o + headerLength, count: end - o - headerLength),
                              wireLength: wire, proto: ip.protocolNumber)
    }

    /// Decodes IPv6 and its extension headers; returns the upper-layer payload and protocol.
    @inline(__always)
    static func decodeIPv6(_ b: UnsafeRawBufferPointer, at o: Int,
                           into p: inout Packet) -> NetworkPayload? {
        guard b.count - o >= 40 else { return short(.ipv6, at: o, &p) }
        let first = b.u32(o)
        guard first >> 28 == 6 else {
            p.error = DecodeError(.badVersion, layer: .ipv6, offset: o)
            return nil
        }
        p.layers.add(.ipv6)
        p.ipv6.trafficClass = UInt8(truncatingIfNeeded: first >> 20)
        p.ipv6.flowLabel = first & 0x000f_ffff
        p.ipv6.payloadLength = b.u16(o + 4)
        p.ipv6.firstNextHeader = b.u8(o + 6)
        p.ipv6.hopLimit = b.u8(o + 7)
        p.ipv6.src = b.ipv6(o + 8)
        p.ipv6.dst = b.ipv6(o + 24)
        p.ipv6.extensionCount = 0
        p.ipv6.hasFragmentHeader = false
        p.ipv6.fragmentOffset = 0
        p.ipv6.moreFragments = false
        p.ipv6.fragmentId = 0

        var end = b.count
        let payloadLength = Int(p.ipv6.payloadLength)
        // Payload length 0 means a jumbogram (RFC 2675) or TSO: use what was captured.
        if payloadLength != 0 {
            if o + 40 + payloadLength <= b.count {
                end = o + 40 + payloadLength
            } else if !p.truncated {
                p.error = DecodeError(.badLength, layer: .ipv6, offset: o + 4)
            }
        }
        var next = p.ipv6.firstNextHeader
        var at = o + 40
        extensionWalk: while true {
            switch next {
            case IPProtocol.hopByHop, IPProtocol.ipv6Routing, IPProtocol.ipv6Destination,
                 IPProtocol.mobility, IPProtocol.ipv6Fragment, IPProtocol.ah:
                guard p.ipv6.extensionCount < PacketLimits.maximumIPv6ExtensionHeaders else {
                    p.error = DecodeError(.tooDeep, layer: .ipv6, offset: at)
                    p.ipv6.nextHeader = next
                    return nil
                }
                guard end - at >= 8 else {
                    p.ipv6.nextHeader = next
                    if !p.truncated { p.error = DecodeError(.shortHeader, layer: .ipv6, offset: at) }
                    return nil
                }
                let length: Int
                switch next {
                case IPProtocol.ipv6Fragment:
                    length = 8
                    let offsetFlags = b.u16(at + 2)
                    p.ipv6.hasFragmentHeader = true
                    p.ipv6.fragmentOffset = Int(offsetFlags >> 3) * 8
                    p.ipv6.moreFragments = offsetFlags & 1 != 0
                    p.ipv6.fragmentId = b.u32(at + 4)
                case IPProtocol.ah:
                    length = (Int(b.u8(at + 1)) + 2) * 4  // RFC 4302: in 4-octet units, minus 2
                default:
                    length = (Int(b.u8(at + 1)) + 1) * 8  // RFC 8200: in 8-octet units, minus 1
                }
                guard end - at >= length else {
                    p.ipv6.nextHeader = next
                    if !p.truncated { p.error = DecodeError(.badLength, layer: .ipv6, offset: at + 1) }
                    return nil
                }
                p.ipv6.extensions[p.ipv6.extensionCount] = next
                p.ipv6.extensionCount += 1
                next = b.u8(at)
                at += length
                // Only the first fragment carries the upper-layer header: stop at the fragment
                // header and let reassembly continue from here.
                if p.ipv6.hasFragmentHeader { break extensionWalk }
            default:
                break extensionWalk
            }
        }
        p.ipv6.nextHeader = next
        let wire = payloadLength != 0 ? o + 40 + payloadLength - at : end - at
        return NetworkPayload(range: ByteRange(offset: at, count: end - at), wireLength: wire, proto: next)
    }
}

import Decode

/// One direction of a transport conversation: who sends to whom.
public struct FlowKey: Hashable, Sendable {
    public var src: IPAddress
    public var dst: IPAddress
    public var srcPort: UInt16
    public var dstPort: UInt16
    public var proto: UInt8

    public init(src: IPAddress, dst: IPAddress, srcPort: UInt16, dstPort: UInt16, proto: UInt8) {
        self.src = src
        self.dst = dst
        self.srcPort = srcPort
        self.dstPort = dstPort
        self.proto = proto
    }

    /// One mix of all fields: a single `combine` keeps the per-packet hashing cheap.
    public func hash(into hasher: inout Hasher) {
        let ports = UInt64(srcPort) << 24 | UInt64(dstPort) << 8 | UInt64(proto)
        hasher.combine(src.low &* 0x9e37_79b9_7f4a_7c15 ^ src.high ^ (dst.low &* 0xc2b2_ae3d_27d4_eb4f)
            ^ dst.high &* 31 ^ ports)
    }

    /// The same conversation seen from the other end.
    public var reversed: FlowKey {
        FlowKey(src: dst, dst: src, srcPort: dstPort, dstPort: srcPort, proto: proto)
    }

    /// The key of a decoded TCP or UDP packet's direction.
    @inline(__always)
    public init(_ p: borrowing Packet) {
        self.init(src: p.ipSource, dst: p.ipDestination, srcPort: p.sourcePort,
                  dstPort: p.destinationPort, proto: p.has(.tcp) ? IPProtocol.tcp : IPProtocol.udp)
    }
}

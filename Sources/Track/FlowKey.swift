import Decode

/// One direction of a transport conversation: who sends to whom.
public struct FlowKey: Hashable, Sendable {
    public var src: IPAddress
    public var dst: IPAddress
    public var srcPort: UInt16
    public var dstPort: UInt16
    public var proto: UInt8

    @inlinable
    public init(src: IPAddress, dst: IPAddress, srcPort: UInt16, dstPort: UInt16, proto: UInt8) {
        self.src = src
        self.dst = dst
        self.srcPort = srcPort
        self.dstPort = dstPort
        self.proto = proto
    }

    /// The same conversation seen from the other end.
    public var reversed: FlowKey {
        FlowKey(src: dst, dst: src, srcPort: dstPort, dstPort: srcPort, proto: proto)
    }

    /// The key of a decoded TCP or UDP packet's direction. Reads stored fields only: a method
    /// called on the whole packet would copy it.
    @inlinable @inline(__always)
    public init(_ p: inout Packet) {
        let layers = p.layers
        let v6 = layers.has(.ipv6), tcp = layers.has(.tcp)
        self.init(src: v6 ? p.ipv6.src : p.ipv4.src, dst: v6 ? p.ipv6.dst : p.ipv4.dst,
                  srcPort: tcp ? p.tcp.srcPort : p.udp.srcPort, dstPort: tcp ? p.tcp.dstPort : p.udp.dstPort,
                  proto: tcp ? IPProtocol.tcp : IPProtocol.udp)
    }
}

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

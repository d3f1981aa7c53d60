import Decode

/// Makes TCP sequence and acknowledgment numbers relative to each direction's initial
/// sequence number, as tshark and the seed show them.
///
/// A SYN sets its direction's base to its own sequence number (so the SYN is 0). A connection
/// joined mid-stream takes the first segment's sequence number minus one (so it shows 1), and
/// the peer's base from that segment's acknowledgment, as tshark does. Numbers stay 32-bit and
/// wrap as they do on the wire.
public struct TCPSequenceTracker {
    struct Direction {
        var base: UInt32
        var lastSeen: Int64
    }

    /// Directions remembered at once; past this the idle ones go first.
    public let maximumDirections: Int
    /// A direction unseen this long (capture time) may be forgotten when room is needed.
    public let idleNanoseconds: Int64
    public private(set) var evictions = 0
    private var directions: [FlowKey: Direction] = [:]

    public init(maximumDirections: Int = 1 << 16, idleNanoseconds: Int64 = 300_000_000_000) {
        self.maximumDirections = maximumDirections
        self.idleNanoseconds = idleNanoseconds
    }

    public var count: Int { directions.count }

    /// Sets `packet.tcp.seq` and `packet.tcp.ack` to their relative values.
    public mutating func track(_ packet: inout Packet, time: Int64) {
        guard packet.has(.tcp) else { return }
        let key = FlowKey(packet)
        let tcp = packet.tcp
        let base: UInt32
        if tcp.flags & TCP.SYN != 0 {
            base = tcp.seqRaw
            directions[key] = Direction(base: base, lastSeen: time)
        } else if let known = directions[key] {
            base = known.base
            directions[key]!.lastSeen = time
        } else {
            base = tcp.seqRaw &- 1
            directions[key] = Direction(base: base, lastSeen: time)
        }
        packet.tcp.seq = UInt64(tcp.seqRaw &- base)
        if tcp.flags & TCP.ACK != 0 {
            let reverse = key.reversed
            let peerBase: UInt32
            if let known = directions[reverse] {
                peerBase = known.base
            } else {
                peerBase = tcp.ackRaw &- 1
                directions[reverse] = Direction(base: peerBase, lastSeen: time)
            }
            packet.tcp.ack = UInt64(tcp.ackRaw &- peerBase)
        } else {
            packet.tcp.ack = 0
        }
        if directions.count > maximumDirections { makeRoom(now: time) }
    }

    private mutating func makeRoom(now: Int64) {
        let before = directions.count
        directions = directions.filter { now - $0.value.lastSeen <= idleNanoseconds }
        if directions.count > maximumDirections * 3 / 4 {
            // Everything is recent: drop the least recently seen quarter.
            let keep = directions.sorted { $0.value.lastSeen > $1.value.lastSeen }
                .prefix(maximumDirections * 3 / 4)
            directions = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
        evictions += before - directions.count
    }
}

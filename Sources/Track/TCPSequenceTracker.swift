import Decode

/// Makes TCP sequence and acknowledgment numbers relative to each direction's initial
/// sequence number, as tshark and the seed show them.
///
/// A SYN sets its direction's base to its own sequence number (so the SYN is 0). A connection
/// joined mid-stream takes the first segment's sequence number minus one (so it shows 1), and
/// the peer's base from that segment's acknowledgment, as tshark does. Numbers stay 32-bit and
/// wrap as they do on the wire.
public struct TCPSequenceTracker {
    /// Both directions of one connection, under the key of the direction seen first.
    struct Connection {
        var forwardBase: UInt32 = 0
        var reverseBase: UInt32 = 0
        var forwardKnown = false
        var reverseKnown = false
        var lastSeen: Int64 = 0
    }

    /// Connections remembered at once; past this the idle ones go first.
    public let maximumConnections: Int
    /// A connection unseen this long (capture time) may be forgotten when room is needed.
    public let idleNanoseconds: Int64
    public private(set) var evictions = 0
    private var connections = FlowTable<FlowKey, Connection>()

    /// Bytes the table holds.
    public var footprint: Int { connections.footprint }

    public init(maximumConnections: Int = 1 << 16, idleNanoseconds: Int64 = 300_000_000_000) {
        self.maximumConnections = maximumConnections
        self.idleNanoseconds = idleNanoseconds
    }

    public var count: Int { connections.count }

    /// Sets `packet.tcp.seq` and `packet.tcp.ack` to their relative values.
    public mutating func track(_ packet: inout Packet, time: Int64) {
        guard packet.layers.has(.tcp) else { return }
        var key = FlowKey(&packet)
        // One entry per connection: the lower endpoint is the forward direction.
        let forward = (key.src, key.srcPort) <= (key.dst, key.dstPort)
        if !forward { key = key.reversed }
        let seqRaw = packet.tcp.seqRaw, ackRaw = packet.tcp.ackRaw, flags = packet.tcp.flags
        var seq: UInt32 = 0, ack: UInt32 = 0
        connections.update(key, create: { Connection() }) { $0.update(forward: forward, time: time) { mine, minesKnown, peer, peersKnown in
            if flags & TCP.SYN != 0 || !minesKnown {
                mine = flags & TCP.SYN != 0 ? seqRaw : seqRaw &- 1
                minesKnown = true
            }
            seq = seqRaw &- mine
            if flags & TCP.ACK != 0 {
                if !peersKnown {
                    peer = ackRaw &- 1
                    peersKnown = true
                }
                ack = ackRaw &- peer
            }
        } }
        packet.tcp.seq = UInt64(seq)
        packet.tcp.ack = UInt64(ack)
        if connections.count > maximumConnections { makeRoom(now: time) }
    }

    private mutating func makeRoom(now: Int64) {
        let idle = idleNanoseconds
        evictions += connections.removeAll { SaturatingTime.elapsed(from: $1.lastSeen, to: now) > idle }
        let target = maximumConnections * 3 / 4
        if connections.count > target {
            // Everything is recent: keep the most recently seen three quarters.
            var times: [Int64] = []
            connections.forEach { times.append($1.lastSeen) }
            times.sort(by: >)
            let cutoff = times[target]
            evictions += connections.removeAll { $1.lastSeen <= cutoff }
        }
    }
}

extension TCPSequenceTracker.Connection {
    /// Hands `body` this direction's base and the peer's, whichever way round they are stored.
    @inline(__always)
    mutating func update(forward: Bool, time: Int64,
                         _ body: (inout UInt32, inout Bool, inout UInt32, inout Bool) -> Void) {
        lastSeen = time
        if forward {
            body(&forwardBase, &forwardKnown, &reverseBase, &reverseKnown)
        } else {
            body(&reverseBase, &reverseKnown, &forwardBase, &forwardKnown)
        }
    }
}

import Decode

/// Counters of the RPC-over-RDMA path.
public struct RDMAStatistics: Sendable, Equatable {
    /// Complete SEND messages (one packet or reassembled).
    public var sends = 0
    /// SEND messages put together from several packets.
    public var reassembledSends = 0
    /// SEND Middle/Last packets with no SEND First before them (or after a lost packet).
    public var orphanSendPackets = 0
    /// Messages dropped because they grew past `RDMAReassembler.Limits.maximumMessageBytes`.
    public var oversizedSends = 0
    /// Partial messages evicted to make room.
    public var evictedSends = 0
    /// SEND messages that were not RPC-over-RDMA.
    public var notRPCoRDMA = 0
    /// RPC messages carried inline (RDMA_MSG) and taken.
    public var inlineMessages = 0
    /// RDMA_NOMSG replies whose message was put together from the RDMA WRITEs of the reply chunk.
    public var replyChunkMessages = 0
    /// RDMA_NOMSG / RDMA_MSGP messages not decoded (the RPC message travels in chunks pktt did not
    /// see or does not reassemble: RDMA READ of a position-zero read chunk, for instance).
    public var undecodedMessages = 0
    /// RDMA_DONE and RDMA_ERROR messages (no RPC message).
    public var controlMessages = 0
    /// RDMA WRITE bytes kept for reply chunks, and evicted unused.
    public var writeBytesKept = 0
    public var writeBytesEvicted = 0

    public init() {}
}

/// Puts together SEND messages that span packets (SEND First, Middle…, Last on one QP), and keeps
/// the data of RDMA WRITEs so that an RDMA_NOMSG reply's reply chunk can be read back. All of it
/// bounded in bytes and entries.
public struct RDMAReassembler {
    public struct Limits: Sendable {
        /// A SEND message longer than this is dropped (RPC-over-RDMA inline messages are a few KiB).
        public var maximumMessageBytes = 1 << 20
        /// Partial SEND messages kept at once, and their bytes together (1024 partial messages
        /// of up to 1 MiB each would be a gigabyte).
        public var maximumPartialMessages = 1024
        public var maximumPartialBytes = 8 << 20
        /// RDMA WRITE data kept for reply chunks, in bytes, and in regions.
        public var maximumWriteBytes = 8 << 20
        public var maximumWriteRegions = 4096
        public init() {}
    }

    /// One direction of a queue pair: who sends, to whom, and the destination QP.
    public struct QPKey: Hashable, Sendable {
        public var src: IPAddress
        public var dst: IPAddress
        public var qp: UInt32
        public init(src: IPAddress, dst: IPAddress, qp: UInt32) {
            self.src = src
            self.dst = dst
            self.qp = qp
        }
    }

    struct Partial {
        var bytes: [UInt8] = []
        var nextPSN: UInt32 = 0
        var packets = 0
        var serial = 0
    }

    /// An RDMA WRITE in progress on a QP (First … Last), continuing at `address`.
    struct WriteInProgress {
        var key: UInt32
        var address: UInt64
        var nextPSN: UInt32
        var region: Int
    }

    /// Data written by RDMA WRITE into a remote region: `key` (R_Key) and virtual address.
    struct Region {
        var flow: FlowKey
        var key: UInt32
        var address: UInt64
        var bytes: [UInt8]
        var serial: Int
        var live = true
    }

    public let limits: Limits
    public private(set) var statistics = RDMAStatistics()
    private var partials: [QPKey: Partial] = [:]
    /// Capacity of the partial messages' buffers, counted against `maximumPartialBytes`.
    private var partialBytes = 0
    private var writes: [QPKey: WriteInProgress] = [:]
    private var regions: [Region] = []
    private var regionBytes = 0
    private var serial = 0
    /// The message completed last, when it was reassembled (not in one packet).
    public private(set) var message: [UInt8] = []

    /// Bytes held: partial SENDs, written regions, the last message.
    public var footprint: Int { partialBytes + regionBytes + message.capacity + (partials.count + writes.count) * 128 }

    public init(limits: Limits = .init()) {
        self.limits = limits
    }

    public var partialCount: Int { partials.count }
    public var regionCount: Int { regions.count }

    mutating func count(_ body: (inout RDMAStatistics) -> Void) { body(&statistics) }

    /// One SEND packet's payload. Returns true when it completes a message of several packets
    /// (then in `message`); a SEND Only is the caller's to take from the frame.
    public mutating func send(_ key: QPKey, opcode: UInt8, psn: UInt32, payload: UnsafeRawBufferPointer) -> Bool {
        serial += 1
        let op = opcode & 0x1f
        switch op {
        case 0:  // First
            if partials.count >= limits.maximumPartialMessages && partials[key] == nil { evictPartial() }
            var partial = takePartial(key) ?? Partial()
            if partial.packets > 0 { statistics.orphanSendPackets += partial.packets }  // never finished
            partial.bytes.removeAll(keepingCapacity: true)
            partial.bytes.append(contentsOf: payload)
            partial.nextPSN = (psn &+ 1) & 0xff_ffff
            partial.packets = 1
            partial.serial = serial
            keepPartial(partial, key)
            return false
        case 1, 2, 3, 22:  // Middle, Last (with immediate, with invalidate)
            guard var partial = partials[key], partial.packets > 0 else {
                statistics.orphanSendPackets += 1
                return false
            }
            if psn != partial.nextPSN {
                // A retransmitted packet (behind) is ignored; a packet lost (ahead) ends the message.
                let behind = (partial.nextPSN &- psn) & 0xff_ffff
                if behind > 0 && behind < 1 << 23 { return false }
                statistics.orphanSendPackets += partial.packets + 1
                _ = takePartial(key)
                return false
            }
            _ = takePartial(key)  // taken out while changed: no copy of the bytes
            guard partial.bytes.count + payload.count <= limits.maximumMessageBytes else {
                statistics.oversizedSends += 1
                return false
            }
            partial.bytes.append(contentsOf: payload)
            partial.packets += 1
            partial.nextPSN = (psn &+ 1) & 0xff_ffff
            partial.serial = serial
            if op == 1 {
                keepPartial(partial, key)
                return false
            }
            swap(&message, &partial.bytes)
            statistics.reassembledSends += 1
            return true
        default:
            return false
        }
    }

    private mutating func takePartial(_ key: QPKey) -> Partial? {
        guard let partial = partials.removeValue(forKey: key) else { return nil }
        partialBytes -= partial.bytes.capacity
        return partial
    }

    /// Stores a partial message, then gives the oldest others up while over the byte budget.
    private mutating func keepPartial(_ partial: Partial, _ key: QPKey) {
        partialBytes += partial.bytes.capacity
        partials[key] = partial
        while partialBytes > limits.maximumPartialBytes && partials.count > 1 { evictPartial(sparing: key) }
    }

    private mutating func evictPartial(sparing: QPKey? = nil) {
        var oldest: (key: QPKey, serial: Int)?
        for (key, partial) in partials where key != sparing && partial.serial < oldest?.serial ?? .max {
            oldest = (key, partial.serial)
        }
        guard let oldest else { return }
        _ = takePartial(oldest.key)
        statistics.evictedSends += 1
    }

    /// One RDMA WRITE packet (`flow` its direction): its data is kept under the R_Key and virtual
    /// address it was written to.
    public mutating func write(_ key: QPKey, flow: FlowKey, opcode: UInt8, psn: UInt32, remoteKey: UInt32,
                               address: UInt64, payload: UnsafeRawBufferPointer) {
        serial += 1
        let op = opcode & 0x1f
        var start: (key: UInt32, address: UInt64)
        var region = -1
        switch op {
        case 6, 10, 11:  // First, Only (RETH)
            start = (remoteKey, address)
        case 7, 8, 9:  // Middle, Last: continue the First on this QP
            guard let w = writes[key], w.nextPSN == psn else { writes[key] = nil; return }
            start = (w.key, w.address)
            region = w.region
        default:
            return
        }
        if region >= 0, region < regions.count, regions[region].live, regions[region].key == start.key,
           regions[region].address &+ UInt64(regions[region].bytes.count) == start.address {
            regions[region].bytes.append(contentsOf: payload)
        } else {
            region = addRegion(flow: flow, key: start.key, address: start.address, payload: payload)
        }
        regionBytes += payload.count
        statistics.writeBytesKept += payload.count
        if op == 6 || op == 7 {
            writes[key] = WriteInProgress(key: start.key, address: start.address &+ UInt64(payload.count),
                                           nextPSN: (psn &+ 1) & 0xff_ffff, region: region)
        } else {
            writes[key] = nil
        }
        trimRegions()
    }

    private mutating func addRegion(flow: FlowKey, key: UInt32, address: UInt64, payload: UnsafeRawBufferPointer) -> Int {
        if regions.count >= limits.maximumWriteRegions { compactRegions(force: true) }
        regions.append(Region(flow: flow, key: key, address: address, bytes: Array(payload), serial: serial))
        return regions.count - 1
    }

    private mutating func trimRegions() {
        if regionBytes > limits.maximumWriteBytes || regions.count >= limits.maximumWriteRegions {
            compactRegions(force: true)
        }
    }

    /// Drops the older half of the regions (or the dead ones only, unless `force`).
    private mutating func compactRegions(force: Bool) {
        let keepFrom = force ? regions.count / 2 : 0
        var kept: [Region] = []
        for (i, r) in regions.enumerated() {
            if r.live && i >= keepFrom {
                kept.append(r)
            } else if r.live {
                statistics.writeBytesEvicted += r.bytes.count
            }
        }
        regions = kept
        regionBytes = kept.reduce(0) { $0 + $1.bytes.count }
        writes.removeAll()  // region indices changed
    }

    /// The bytes an RDMA_NOMSG reply's reply chunk refers to, written earlier by RDMA WRITEs on
    /// `flow` (the reply's direction), concatenated into `message`; false when any segment was
    /// not (wholly) seen. `totalLength` bounds the message.
    public mutating func gatherReplyChunk(flow: FlowKey, _ h: RPCoRDMA) -> Bool {
        let count = min(h.replySegmentCount, RPCoRDMALimits.keptReplySegments)
        guard h.hasReplyChunk, count > 0, count == h.replySegmentCount else { return false }
        message.removeAll(keepingCapacity: true)
        var used: [Int] = []
        for s in 0..<count {
            let seg = h.replySegments[s]
            let length = Int(seg.length)
            guard length <= limits.maximumMessageBytes - message.count else { return false }
            if length == 0 { continue }
            // The newest region holding the segment: a buffer is reused from call to call.
            var found = -1
            for i in regions.indices.reversed() where regions[i].live && regions[i].key == seg.handle
                && regions[i].flow == flow {
                let r = regions[i]
                if seg.offset >= r.address, seg.offset - r.address <= UInt64(r.bytes.count),
                   Int(seg.offset - r.address) + length <= r.bytes.count {
                    found = i
                    break
                }
            }
            guard found >= 0 else { return false }
            let from = Int(seg.offset - regions[found].address)
            message.append(contentsOf: regions[found].bytes[from..<from + length])
            used.append(found)
        }
        for i in used where regions[i].live {
            regions[i].live = false
            regionBytes -= regions[i].bytes.count
            regions[i].bytes = []
        }
        if regions.count > 64 && regions.count > 2 * regions.lazy.filter(\.live).count { compactRegions(force: false) }
        return !message.isEmpty
    }
}

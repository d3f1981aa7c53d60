import Decode

/// Where and when the bytes that completed a message were captured, and which way they went.
struct MessageOrigin {
    var key = FlowKey(src: .unspecified, dst: .unspecified, srcPort: 0, dstPort: 0, proto: 0)
    /// A message's time is its last byte's.
    var time: Int64 = 0
    var frame = 0
    var fileIndex = 0
}

/// TCP segments to RPC records, per direction (RFC 5531 section 11 record marking over RFC 9293
/// sequence numbers): retransmissions and overlaps trimmed, out-of-order segments queued, holes
/// given up when the peer acknowledges past them or the queue fills, directions that carry no
/// RPC left alone.
///
/// Memory is bounded twice: per direction (`RPCStreamLimits`) and across all directions by
/// `budgetBytes`, which counts the capacity of every record buffer and queued segment. When the
/// budget is passed, the directions seen longest ago give their buffers up first: a partial
/// record is dropped (a gap; the direction resynchronises on its next record mark).
///
/// Per packet: `begin`, then `next` until it returns nil.
struct TCPRecordReassembler {
    let limits: RPCStreamLimits
    let maximumDirections: Int
    let budgetBytes: Int
    private(set) var statistics = RPCStreamStatistics()
    private(set) var directionEvictions = 0
    /// Directions whose buffers were taken to stay within the budget.
    private(set) var budgetEvictions = 0
    /// Bytes held now across all directions (record buffer capacity and queued segments).
    private(set) var heldBytes = 0
    private var directions = FlowTable<FlowKey, RPCStreamDirection>()
    /// The segment being consumed, and the packet's own segment waiting while the peer's released
    /// queue goes first. Each holds its direction's key: its slot is re-found after any insertion
    /// or removal (a slot held across `makeRoom` or a new direction is how a stale one crashed).
    private var pending = Work()
    private var deferred = Work()

    /// A stretch of one direction's stream to consume: bytes of the frame or of a segment taken
    /// from the out-of-order queue, with holes before and after.
    struct Work {
        var active = false
        var slot: FlowTable<FlowKey, RPCStreamDirection>.Slot?
        var cursor = 0
        var end = 0
        var missingBefore = 0
        var missingAfter = 0
        var endSeq: UInt32 = 0
        var fin = false
        /// The bytes are these, taken from the queue, not the frame's. Each work owns its own:
        /// the peer's released segment and this packet's may both come from queues at once.
        var queued = false
        var queuedBytes: [UInt8] = []
        var origin = MessageOrigin()
    }

    init(limits: RPCStreamLimits, maximumDirections: Int, budgetBytes: Int) {
        self.limits = limits
        self.maximumDirections = max(1, maximumDirections)
        self.budgetBytes = max(0, budgetBytes)
    }

    var directionCount: Int { directions.count }

    /// Bytes held: the direction table and the record buffers and queued segments.
    var footprint: Int { directions.footprint + heldBytes }

    // MARK: - Starting on a segment

    /// A packet with no TCP segment: whatever was pending is over.
    mutating func begin(nothing: Void) {
        pending.active = false
        deferred.active = false
    }

    /// Takes a decoded TCP segment. `ports` and `xids` say whether a direction on an unknown port
    /// carries RPC (a reply is believed only when its call is waiting).
    mutating func begin(_ p: inout Packet, bytes: UnsafeRawBufferPointer, origin: MessageOrigin,
                        ports: borrowing LearnedPorts, xids: borrowing XIDTable) {
        pending.active = false
        deferred.active = false
        let key = origin.key
        // An acknowledgment past a hole in the peer's stream: the receiver has those bytes, so
        // no retransmission will come to the capture (tshark's "ACKed unseen segment"). Give
        // the hole up now and release what waited behind it, before this segment's own data.
        var release = Work()
        if p.tcp.flags & TCP.ACK != 0, let peer = directions.slot(for: key.reversed), directions[slot: peer].sawData,
           directions[slot: peer].kind == .rpc,
           Int32(bitPattern: p.tcp.ackRaw &- directions[slot: peer].nextSeq) > 0 {
            var peerOrigin = origin
            peerOrigin.key = key.reversed
            if directions[slot: peer].queue.isEmpty {
                // Nothing captured beyond the hole yet: pass over it now, so the peer's next
                // segment is in order when it comes.
                let lost = Int(Int32(bitPattern: p.tcp.ackRaw &- directions[slot: peer].nextSeq))
                statistics.gaps += 1
                statistics.gapBytes += lost
                release = Work(active: true, slot: peer, missingBefore: lost, endSeq: p.tcp.ackRaw, origin: peerOrigin)
            } else {
                directions[slot: peer].releaseUntil = p.tcp.ackRaw
                directions[slot: peer].releasing = true
                release = takeQueued(peer, origin: peerOrigin, declaringGap: false)
            }
        }
        let segment = segmentWork(&p, bytes: bytes, origin: origin, ports: ports, xids: xids)
        if release.active {
            pending = release
            deferred = segment
        } else {
            pending = segment
        }
    }

    /// The part of a TCP segment the stream has not seen, as work for `next` (inactive when
    /// there is none: a retransmission, a SYN, a segment queued out of order…).
    private mutating func segmentWork(_ p: inout Packet, bytes: UnsafeRawBufferPointer, origin: MessageOrigin,
                                      ports: borrowing LearnedPorts, xids: borrowing XIDTable) -> Work {
        let key = origin.key, time = origin.time
        let flags = p.tcp.flags, seqRaw = p.tcp.seqRaw
        let syn = flags & TCP.SYN != 0, fin = flags & TCP.FIN != 0
        let wire = p.tcp.payloadLength
        if wire == 0 && !syn && !fin { return Work() }  // a bare ACK carries nothing for the stream
        if directions.count >= maximumDirections && directions.slot(for: key) == nil { makeRoom(now: time) }
        let (slot, inserted) = directions.slot(for: key, create: { RPCStreamDirection() })
        directions[slot: slot].lastSeen = time
        if inserted {
            if ports.isRPC(key.dst, port: key.dstPort, proto: IPProtocol.tcp)
                || ports.isRPC(key.src, port: key.srcPort, proto: IPProtocol.tcp)
                || directions.slot(for: key.reversed).map({ directions[slot: $0].kind == .rpc }) == true {
                directions[slot: slot].kind = .rpc
            }
        }
        if syn {
            // A SYN inside data already seen is a corrupt or stray copy, not a new stream.
            let d = directions[slot: slot]
            let behind = Int32(bitPattern: seqRaw &- d.nextSeq)
            if !(d.haveSeq && d.sawData && behind < 0 && behind > -(1 << 30)) {
                // The stream starts here: the first data byte begins a record.
                directions[slot: slot].haveSeq = true
                directions[slot: slot].nextSeq = seqRaw &+ 1
                directions[slot: slot].state = .mark
                directions[slot: slot].markHave = 0
                directions[slot: slot].resetRecord()
                directions[slot: slot].queue.removeAll()
                directions[slot: slot].queuedBytes = 0
                account(slot)
                return Work()
            }
            statistics.retransmittedSegments += 1
            return Work()
        }
        guard wire > 0 || fin else { return Work() }
        if directions[slot: slot].kind == .unknown {
            guard classify(slot, key: key, &p, bytes: bytes, xids: xids) else { return Work() }
        }
        guard directions[slot: slot].kind == .rpc else { return Work() }

        if !directions[slot: slot].haveSeq {
            directions[slot: slot].haveSeq = true
            directions[slot: slot].nextSeq = seqRaw
        }
        directions[slot: slot].sawData = true
        let captured = p.payload.count
        var segment = Work(active: true, slot: slot, cursor: p.payload.offset, end: p.payload.end,
                           missingAfter: wire - captured, endSeq: seqRaw &+ UInt32(truncatingIfNeeded: wire),
                           fin: fin, origin: origin)
        let ahead = Int(Int32(bitPattern: seqRaw &- directions[slot: slot].nextSeq))
        if ahead + wire <= 0 && !(fin && ahead + wire == 0) {
            statistics.retransmittedSegments += 1
            return Work()
        }
        if ahead < 0 {
            // Overlaps what was seen: skip the old part, captured or not.
            let old = -ahead
            statistics.retransmittedSegments += 1
            let fromCaptured = min(old, captured)
            segment.cursor += fromCaptured
            segment.missingAfter -= old - fromCaptured
        } else if ahead > 0 {
            statistics.outOfOrderSegments += 1
            directions[slot: slot].queue.append(.init(seq: seqRaw, bytes: Array(UnsafeRawBufferPointer(rebasing: bytes[p.payload.offset..<p.payload.end])),
                                                      wireLength: wire, fin: fin, time: time, frame: origin.frame,
                                                      fileIndex: origin.fileIndex))
            directions[slot: slot].queuedBytes += captured
            account(slot)
            if directions[slot: slot].queue.count > limits.maximumQueuedSegments
                || directions[slot: slot].queuedBytes > limits.maximumQueuedBytes {
                return takeQueued(slot, origin: origin, declaringGap: true)
            }
            return Work()
        }
        return segment
    }

    /// Decides whether a direction on a port not known for RPC carries it: its first data must
    /// begin with a plausible record (a reply only when its call was seen).
    private mutating func classify(_ slot: FlowTable<FlowKey, RPCStreamDirection>.Slot, key: FlowKey,
                                   _ p: inout Packet, bytes: UnsafeRawBufferPointer,
                                   xids: borrowing XIDTable) -> Bool {
        let r = p.payload
        if r.count >= 4 + RPCDecoder.minimumCutCallLength, RPCStreamMachine.isPlausibleMark(bytes.u32(r.offset), limits: limits),
           RPCDecoder.isPlausible(bytes, at: r.offset + 4, end: r.end, cut: p.truncated),
           bytes.u32(r.offset + 8) == RPCConstants.call
            || xids.isWaiting(CallKey(flow: key.reversed, xid: bytes.u32(r.offset + 4))) {
            directions[slot: slot].kind = .rpc
            if directions[slot: slot].haveSeq == false { directions[slot: slot].state = .mark }
            return true
        }
        directions[slot: slot].classifyAttempts += 1
        if directions[slot: slot].classifyAttempts >= limits.classifyAttempts { directions[slot: slot].kind = .other }
        return false
    }

    // MARK: - Taking records

    /// The next record the segment begun completes (in `output` or, zero-copy, in `bytes`, the
    /// frame given to `begin`), with where its last byte came from; nil when there is no more.
    mutating func next(bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> (CompletedRecord, MessageOrigin)? {
        while pending.active {
            guard let stale = pending.slot, let slot = directions.refreshed(stale, key: pending.origin.key) else {
                // The direction was evicted while its work waited.
                pending.active = false
                resumeDeferred()
                continue
            }
            pending.slot = slot
            var done: CompletedRecord?
            if pending.missingBefore > 0 {
                done = RPCStreamMachine.skipMissing(&directions[slot: slot], count: &pending.missingBefore,
                                                    limits: limits, stats: &statistics, output: &output)
            } else if pending.cursor < pending.end {
                if pending.queued {
                    let queuedBytes = pending.queuedBytes
                    done = queuedBytes.withUnsafeBytes { q in
                        RPCStreamMachine.consume(&directions[slot: slot], q, cursor: &pending.cursor, end: pending.end,
                                                 cut: pending.missingAfter > 0, zeroCopy: false, limits: limits,
                                                 stats: &statistics, output: &output)
                    }
                } else {
                    done = RPCStreamMachine.consume(&directions[slot: slot], bytes, cursor: &pending.cursor,
                                                    end: pending.end, cut: pending.missingAfter > 0,
                                                    zeroCopy: true, limits: limits, stats: &statistics,
                                                    output: &output)
                }
            } else if pending.missingAfter > 0 {
                statistics.snaplenBytes += pending.missingAfter
                done = RPCStreamMachine.skipMissing(&directions[slot: slot], count: &pending.missingAfter,
                                                    limits: limits, stats: &statistics, output: &output)
            } else {
                // The segment is used up: move on, and into any queued segment now in order.
                directions[slot: slot].nextSeq = pending.endSeq &+ (pending.fin ? 1 : 0)
                if directions[slot: slot].queue.isEmpty {
                    pending.active = false
                } else {
                    pending = takeQueued(slot, origin: pending.origin, declaringGap: false)
                }
                resumeDeferred()
                continue
            }
            account(slot)
            if let done { return (done, pending.origin) }
        }
        return nil
    }

    private mutating func resumeDeferred() {
        if !pending.active && deferred.active {
            pending = deferred
            deferred.active = false
        }
    }

    /// The next queued segment that is in order now (or, `declaringGap`, the earliest one, the
    /// hole before it given up as lost), trimmed of what was already seen.
    private mutating func takeQueued(_ slot: FlowTable<FlowKey, RPCStreamDirection>.Slot, origin: MessageOrigin,
                                     declaringGap: Bool) -> Work {
        while true {
            guard !directions[slot: slot].queue.isEmpty else { return Work() }
            var d = directions[slot: slot]
            var best = 0
            for i in d.queue.indices where Int32(bitPattern: d.queue[i].seq &- d.queue[best].seq) < 0 { best = i }
            let ahead = Int(Int32(bitPattern: d.queue[best].seq &- d.nextSeq))
            let acknowledged = d.releasing && Int32(bitPattern: d.queue[best].seq &- d.releaseUntil) <= 0
            guard ahead <= 0 || declaringGap || acknowledged else {
                directions[slot: slot].releasing = false
                return Work()
            }
            let q = d.queue.remove(at: best)
            d.queuedBytes -= q.bytes.count
            if ahead < 0 && -ahead >= q.wireLength {
                directions[slot: slot] = d  // wholly seen already: try the next
                account(slot)
                continue
            }
            var segmentOrigin = origin
            segmentOrigin.time = q.time
            segmentOrigin.frame = q.frame
            segmentOrigin.fileIndex = q.fileIndex
            var seg = Work(active: true, slot: slot, cursor: 0, end: q.bytes.count,
                           missingAfter: q.wireLength - q.bytes.count,
                           endSeq: q.seq &+ UInt32(truncatingIfNeeded: q.wireLength), fin: q.fin, queued: true,
                           queuedBytes: q.bytes, origin: segmentOrigin)
            if ahead > 0 {
                statistics.gaps += 1
                statistics.gapBytes += ahead
                seg.missingBefore = ahead
            } else if ahead < 0 {
                let fromCaptured = min(-ahead, q.bytes.count)
                seg.cursor = fromCaptured
                seg.missingAfter -= -ahead - fromCaptured
            }
            directions[slot: slot] = d
            account(slot)
            return seg
        }
    }

    // MARK: - Bounds

    /// Brings the budget up to date with what `slot`'s direction holds now, and gives the oldest
    /// buffers up when it is passed.
    private mutating func account(_ slot: FlowTable<FlowKey, RPCStreamDirection>.Slot) {
        let holds = directions[slot: slot].record.capacity + directions[slot: slot].queuedBytes
        heldBytes += holds - directions[slot: slot].accountedBytes
        directions[slot: slot].accountedBytes = holds
        if heldBytes > budgetBytes { reclaim(sparing: slot) }
    }

    /// Takes buffers from the directions seen longest ago (never `sparing`'s, nor the one whose
    /// work is pending) until a quarter of the budget is free. Values change in place: no slot moves.
    private mutating func reclaim(sparing: FlowTable<FlowKey, RPCStreamDirection>.Slot) {
        var holders: [(lastSeen: Int64, key: FlowKey)] = []
        directions.forEach { key, d in
            if d.accountedBytes > 0 { holders.append((d.lastSeen, key)) }
        }
        holders.sort { $0.lastSeen < $1.lastSeen }
        let target = budgetBytes - budgetBytes / 4
        for (_, key) in holders where heldBytes > target {
            guard let s = directions.slot(for: key), s.index != sparing.index,
                  !(pending.active && key == pending.origin.key) else { continue }
            var d = directions[slot: s]
            if d.recordInProgress && !d.recordEmitted {
                // The partial record cannot be finished: a gap, and the marks are found again.
                statistics.droppedRecords += 1
                statistics.gaps += 1
                d.state = .unsynced
            } else if d.recordInProgress {
                d.state = .unsynced
            }
            if !d.queue.isEmpty {
                statistics.gaps += 1
                d.queue = []
                d.queuedBytes = 0
            }
            d.record = []
            d.resetRecord()
            heldBytes -= d.accountedBytes
            d.accountedBytes = 0
            directions[slot: s] = d
            budgetEvictions += 1
        }
    }

    /// Over the direction count: the idle ones go first, then the least recently seen.
    private mutating func makeRoom(now: Int64) {
        let idle: Int64 = 300_000_000_000
        var freed = 0
        var removed = directions.removeAll { _, d in
            let gone = SaturatingTime.elapsed(from: d.lastSeen, to: now) > idle
            if gone { freed += d.accountedBytes }
            return gone
        }
        let target = maximumDirections - maximumDirections / 4
        if directions.count >= target {
            var times: [Int64] = []
            times.reserveCapacity(directions.count)
            directions.forEach { times.append($1.lastSeen) }
            times.sort()
            let cutoff = times[directions.count - target]
            removed += directions.removeAll { _, d in
                let gone = d.lastSeen <= cutoff
                if gone { freed += d.accountedBytes }
                return gone
            }
        }
        heldBytes -= freed
        directionEvictions += removed
    }
}

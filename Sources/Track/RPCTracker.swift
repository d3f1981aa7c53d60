import Decode

/// Finds the RPC messages in TCP and UDP packets, on any port, and pairs each reply with its
/// call. Per packet: `begin`, then `nextMessage` until it returns nil (a TCP segment may
/// complete several records, each its own message).
public struct RPCTracker {
    public let limits: RPCStreamLimits
    public private(set) var streamStatistics = RPCStreamStatistics()
    public private(set) var xids: XIDTable
    /// A completed record that spanned segments or fragments (`RPCMessageSource.record`).
    public private(set) var record: [UInt8] = []
    /// The current message's program body (PORTMAP, MOUNT, NLM, NSM…), when it was decoded.
    public private(set) var tape = Tape()
    private var directions = FlowTable<FlowKey, RPCStreamDirection>()
    /// The rest of the packet begun (`pending.active`), kept plain so it is never copied with
    /// reference counting.
    private var pending = Pending()
    /// The packet's own segment, waiting while the peer's released queue is consumed first.
    private var deferred = Pending()
    /// The bytes of a segment taken from the out-of-order queue, while it is consumed.
    private var queuedSegment: [UInt8] = []
    /// Ports that PORTMAP/RPCBIND replies handed out, and ports RPC is expected on.
    private var ports = KnownPorts()
    /// Directions remembered at once; past this the idle ones go first.
    public let maximumDirections: Int
    public private(set) var directionEvictions = 0
    /// SEND reassembly and RDMA WRITE data for RPC-over-RDMA.
    public private(set) var rdma = RDMAReassembler()
    public var rdmaStatistics: RDMAStatistics { rdma.statistics }

    /// The rest of the packet begun: a TCP segment (or a queued one) being consumed, or a datagram.
    struct Pending {
        var active = false
        var key = FlowKey(src: .unspecified, dst: .unspecified, srcPort: 0, dstPort: 0, proto: 0)
        var slot = -1
        var cursor = 0
        var end = 0
        var missingBefore = 0
        var missingAfter = 0
        var endSeq: UInt32 = 0
        var fin = false
        /// The bytes are `queuedSegment`'s (a segment from the out-of-order queue), not the frame's.
        var queued = false
        var datagram = false
        /// An RPC-over-RDMA message put together in `record` (this many bytes), not in the frame.
        var recordCount = -1
        /// When and where the bytes were captured: a message's time is its last byte's.
        var time: Int64 = 0
        var frame = 0
        var fileIndex = 0
    }

    /// Decode the programs' bodies (PORTMAP, MOUNT, NFS…); without, messages are found, their
    /// headers decoded and paired, and the bodies left alone.
    public var decodesBodies = true

    public init(limits: RPCStreamLimits = .init(), xidLimits: XIDTable.Limits = .init(),
                maximumDirections: Int = 1 << 16) {
        self.limits = limits
        xids = XIDTable(limits: xidLimits)
        self.maximumDirections = maximumDirections
    }

    public var directionCount: Int { directions.count }
    public var learnedPorts: Int { ports.learnedCount }

    // MARK: - Starting on a packet

    /// Looks at a packet decoded to TCP or UDP. `bytes` is what `p.payload` refers to (the frame
    /// or the reassembled datagram).
    /// `p` is only read (it is `inout` so that a caller's stored packet is not copied).
    public mutating func begin(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                               frame: Int, fileIndex: Int) {
        pending.active = false
        deferred.active = false
        if p.layers.has(.infiniband) {
            beginRDMA(&p, bytes: bytes, time: time, frame: frame, fileIndex: fileIndex)
        } else if p.layers.has(.udp) {
            beginDatagram(&p, bytes: bytes, time: time, frame: frame, fileIndex: fileIndex)
        } else if p.layers.has(.tcp) {
            beginSegment(&p, bytes: bytes, time: time, frame: frame, fileIndex: fileIndex)
        }
    }

    private mutating func beginDatagram(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                                        frame: Int, fileIndex: Int) {
        let r = p.payload
        guard RPCDecoder.isPlausible(bytes, at: r.offset, end: r.end, cut: p.truncated) else { return }
        let key = FlowKey(&p)
        // A reply on a port RPC is not known to use is believed only when its call was seen.
        if bytes.u32(r.offset + 4) == RPCConstants.reply
            && !ports.isRPC(key.src, port: key.srcPort, proto: IPProtocol.udp)
            && !xids.isWaiting(CallKey(flow: key.reversed, xid: bytes.u32(r.offset))) {
            return
        }
        pending = Pending(active: true, key: key, cursor: r.offset, end: r.end, datagram: true, time: time,
                          frame: frame, fileIndex: fileIndex)
    }

    private mutating func beginSegment(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                                       frame: Int, fileIndex: Int) {
        let key = FlowKey(&p)
        let flags = p.tcp.flags
        // An acknowledgment past a hole in the peer's stream: the receiver has those bytes, so
        // no retransmission will come to the capture (tshark's "ACKed unseen segment"). Give
        // the hole up now and release what waited behind it, before this segment's own data.
        var release = Pending()
        if flags & TCP.ACK != 0, let peer = directions.slot(for: key.reversed), directions[slot: peer].sawData,
           directions[slot: peer].kind == .rpc,
           Int32(bitPattern: p.tcp.ackRaw &- directions[slot: peer].nextSeq) > 0 {
            if directions[slot: peer].queue.isEmpty {
                // Nothing captured beyond the hole yet: pass over it now, so the peer's next
                // segment is in order when it comes.
                let lost = Int(Int32(bitPattern: p.tcp.ackRaw &- directions[slot: peer].nextSeq))
                streamStatistics.gaps += 1
                streamStatistics.gapBytes += lost
                release = Pending(active: true, key: key.reversed, slot: peer, missingBefore: lost,
                                  endSeq: p.tcp.ackRaw, time: time, frame: frame, fileIndex: fileIndex)
            } else {
                directions[slot: peer].releaseUntil = p.tcp.ackRaw
                directions[slot: peer].releasing = true
                release = takeQueued(slot: peer, key: key.reversed, declaringGap: false)
            }
        }
        let segment = segmentWork(&p, key: key, bytes: bytes, time: time, frame: frame, fileIndex: fileIndex)
        if release.active {
            pending = release
            deferred = segment
        } else {
            pending = segment
        }
    }

    /// The part of a TCP segment the stream has not seen, as work for `nextRecord` (inactive
    /// when there is none: a retransmission, a SYN, a segment queued out of order…).
    private mutating func segmentWork(_ p: inout Packet, key: FlowKey, bytes: UnsafeRawBufferPointer,
                                      time: Int64, frame: Int, fileIndex: Int) -> Pending {
        let flags = p.tcp.flags, seqRaw = p.tcp.seqRaw
        let syn = flags & TCP.SYN != 0, fin = flags & TCP.FIN != 0
        let wire = p.tcp.payloadLength
        if wire == 0 && !syn && !fin { return Pending() }  // a bare ACK carries nothing for the stream
        if directions.count >= maximumDirections { makeRoom(now: time) }
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
                return Pending()
            }
            streamStatistics.retransmittedSegments += 1
            return Pending()
        }
        guard wire > 0 || fin else { return Pending() }
        if directions[slot: slot].kind == .unknown {
            guard classify(slot: slot, key: key, &p, bytes: bytes) else { return Pending() }
        }
        guard directions[slot: slot].kind == .rpc else { return Pending() }

        if !directions[slot: slot].haveSeq {
            directions[slot: slot].haveSeq = true
            directions[slot: slot].nextSeq = seqRaw
        }
        directions[slot: slot].sawData = true
        let captured = p.payload.count
        var segment = Pending(active: true, key: key, slot: slot, cursor: p.payload.offset, end: p.payload.end,
                              missingAfter: wire - captured, endSeq: seqRaw &+ UInt32(truncatingIfNeeded: wire),
                              fin: fin, time: time, frame: frame, fileIndex: fileIndex)
        let ahead = Int(Int32(bitPattern: seqRaw &- directions[slot: slot].nextSeq))
        if ahead + wire <= 0 && !(fin && ahead + wire == 0) {
            streamStatistics.retransmittedSegments += 1
            return Pending()
        }
        if ahead < 0 {
            // Overlaps what was seen: skip the old part, captured or not.
            let old = -ahead
            streamStatistics.retransmittedSegments += 1
            let fromCaptured = min(old, captured)
            segment.cursor += fromCaptured
            segment.missingAfter -= old - fromCaptured
        } else if ahead > 0 {
            streamStatistics.outOfOrderSegments += 1
            directions[slot: slot].queue.append(.init(seq: seqRaw, bytes: Array(UnsafeRawBufferPointer(rebasing: bytes[p.payload.offset..<p.payload.end])),
                                                      wireLength: wire, fin: fin, time: time, frame: frame,
                                                      fileIndex: fileIndex))
            directions[slot: slot].queuedBytes += captured
            if directions[slot: slot].queue.count > limits.maximumQueuedSegments
                || directions[slot: slot].queuedBytes > limits.maximumQueuedBytes {
                return takeQueued(slot: slot, key: key, declaringGap: true)
            }
            return Pending()
        }
        return segment
    }

    /// Decides whether a direction on a port not known for RPC carries it: its first data must
    /// begin with a plausible record (a reply only when its call was seen).
    private mutating func classify(slot: Int, key: FlowKey, _ p: inout Packet, bytes: UnsafeRawBufferPointer) -> Bool {
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

    // MARK: - RPC over RDMA

    /// The protocol number the pairing key of an RDMA "connection" carries (an unassigned IP
    /// protocol number, so it never meets a TCP or UDP key).
    public static let rdmaKeyProtocol: UInt8 = 254

    /// The addresses of an InfiniBand packet: IP for RoCEv2, GIDs when there is a GRH, LIDs
    /// (as IPv4-shaped 0.0.x.y values) otherwise.
    static func rdmaAddresses(_ p: inout Packet) -> (src: IPAddress, dst: IPAddress) {
        if p.infiniband.encapsulation == .roceV2 {
            let v6 = p.layers.has(.ipv6)
            return (v6 ? p.ipv6.src : p.ipv4.src, v6 ? p.ipv6.dst : p.ipv4.dst)
        }
        if p.infiniband.hasGRH { return (p.infiniband.sourceGID, p.infiniband.destinationGID) }
        return (IPAddress(ipv4: UInt32(p.infiniband.sourceLID)), IPAddress(ipv4: UInt32(p.infiniband.destinationLID)))
    }

    /// An InfiniBand packet (native, RoCEv1 or RoCEv2): SEND messages are put together per QP,
    /// RDMA WRITE data is kept for reply chunks, and a complete RPC-over-RDMA message's RPC
    /// message becomes the pending work. The pairing key is the two addresses (the BTH names
    /// the destination QP only, so the QP pair of a connection is not known from one packet) and
    /// the xid.
    private mutating func beginRDMA(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                                    frame: Int, fileIndex: Int) {
        guard p.layers.has(.infiniband), p.error == nil || p.error?.layer == .rpcordma else { return }
        let r = p.payload
        guard r.offset >= 0, r.end <= bytes.count else { return }
        let opcode = p.infiniband.opcode
        let (src, dst) = Self.rdmaAddresses(&p)
        let flow = FlowKey(src: src, dst: dst, srcPort: 0, dstPort: 0, proto: Self.rdmaKeyProtocol)
        let qp = RDMAReassembler.QPKey(src: src, dst: dst, qp: p.infiniband.destinationQP)
        let payload = UnsafeRawBufferPointer(rebasing: bytes[r.offset..<r.end])
        if p.infiniband.isWrite {
            rdma.write(qp, flow: flow, opcode: opcode, psn: p.infiniband.psn, remoteKey: p.infiniband.remoteKey,
                       address: p.infiniband.virtualAddress, payload: payload)
            return
        }
        guard p.infiniband.isSend else { return }
        if p.infiniband.startsSend && p.infiniband.endsSend {
            // SEND Only: the message is the payload, decoded by PacketDecoder when it looked
            // like RPC-over-RDMA.
            guard !p.truncated else { return }
            rdma.count { $0.sends += 1 }
            guard p.layers.has(.rpcordma) else {
                rdma.count { $0.notRPCoRDMA += 1 }
                return
            }
            takeRDMA(&p, flow: flow, messageInFrame: true, bytes: bytes, time: time, frame: frame, fileIndex: fileIndex)
            return
        }
        guard rdma.send(qp, opcode: opcode, psn: p.infiniband.psn, payload: payload) else { return }
        rdma.count { $0.sends += 1 }
        let message = rdma.message
        let decoded: DecodeError?? = message.withUnsafeBytes { m in
            guard RPCoRDMADecoder.looksLikeHeader(m, at: 0, end: m.count) else { return .some(nil) }
            do throws(DecodeError) {
                try RPCoRDMADecoder.decode(m, range: ByteRange(offset: 0, count: m.count), into: &p.rpcordma)
                return nil
            } catch {
                return .some(error)
            }
        }
        switch decoded {
        case .none:
            p.layers.add(.rpcordma)
            takeRDMA(&p, flow: flow, messageInFrame: false, bytes: bytes, time: time, frame: frame, fileIndex: fileIndex)
        case .some(.none):
            rdma.count { $0.notRPCoRDMA += 1 }
        case .some(.some(let error)):
            p.error = error
            rdma.count { $0.notRPCoRDMA += 1 }
        }
    }

    /// The RPC message of a complete RPC-over-RDMA message (`p.rpcordma` decoded): inline in the
    /// frame, inline in the reassembled SEND (`rdma.message`), or in the reply chunk.
    private mutating func takeRDMA(_ p: inout Packet, flow: FlowKey, messageInFrame: Bool,
                                   bytes: UnsafeRawBufferPointer, time: Int64, frame: Int, fileIndex: Int) {
        switch p.rpcordma.procedure {
        case RPCoRDMA.msg:
            let m = p.rpcordma.message
            if messageInFrame {
                guard RPCDecoder.isPlausible(bytes, at: m.offset, end: m.end) else {
                    rdma.count { $0.undecodedMessages += 1 }
                    return
                }
                pending = Pending(active: true, key: flow, cursor: m.offset, end: m.end, datagram: true, time: time,
                                  frame: frame, fileIndex: fileIndex)
            } else {
                let message = rdma.message
                guard m.offset >= 0, m.end <= message.count,
                      message.withUnsafeBytes({ RPCDecoder.isPlausible($0, at: m.offset, end: m.end) }) else {
                    rdma.count { $0.undecodedMessages += 1 }
                    return
                }
                record.removeAll(keepingCapacity: true)
                record.append(contentsOf: message[m.offset..<m.end])
                pending = Pending(active: true, key: flow, datagram: true, recordCount: record.count, time: time,
                                  frame: frame, fileIndex: fileIndex)
            }
            rdma.count { $0.inlineMessages += 1 }
        case RPCoRDMA.nomsg:
            // A reply whose message the responder wrote into the requester's reply chunk.
            guard rdma.gatherReplyChunk(flow: flow, p.rpcordma) else {
                rdma.count { $0.undecodedMessages += 1 }
                return
            }
            let message = rdma.message
            guard message.withUnsafeBytes({ RPCDecoder.isPlausible($0, at: 0, end: $0.count) }) else {
                rdma.count { $0.undecodedMessages += 1 }
                return
            }
            record.removeAll(keepingCapacity: true)
            record.append(contentsOf: message)
            pending = Pending(active: true, key: flow, datagram: true, recordCount: record.count, time: time,
                              frame: frame, fileIndex: fileIndex)
            rdma.count { $0.replyChunkMessages += 1 }
        case RPCoRDMA.msgp:
            rdma.count { $0.undecodedMessages += 1 }
        default:
            rdma.count { $0.controlMessages += 1 }
        }
    }

    // MARK: - Taking messages

    /// The next RPC message of the packet begun: its header decoded into `p.rpc` (and `.rpc`
    /// added to its layers), paired with its call. nil when the packet holds no more.
    /// `bytes` is the same buffer given to `begin`.
    public mutating func nextMessage(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                                     frame: Int, index: Int, fileIndex: Int) -> RPCMessageSource? {
        guard let done = nextRecord(bytes: bytes) else { return nil }
        p.rpc.reset()
        tape.reset()
        p.rpc.fragments = done.fragments
        p.rpc.recordLength = done.length
        p.rpc.missingBytes = done.missing
        if pending.frame != frame { p.rpc.frame = pending.frame }
        let truncated = done.missing > 0
        let failure: DecodeError? = withMessageBytes(done.source, frame: bytes) { b, range in
            do throws(DecodeError) {
                try RPCDecoder.decode(b, range: range, truncated: truncated, into: &p.rpc)
                return nil
            } catch {
                return error
            }
        }
        if let failure {
            p.error = failure
            // A message cut by the snaplen keeps what its header had before the cut (as tshark
            // shows it), as long as the xid and message type are there.
            let messageStart: Int = switch done.source {
            case .frame(let range): range.offset
            case .record: 0
            }
            guard failure.code == .truncated, failure.offset >= messageStart + 8 else { return done.source }
        }
        p.layers.add(.rpc)
        switch done.source {
        case .frame:
            finishMessage(&p, message: bytes, truncated: truncated, index: index)
        case .record:
            // The buffer is held in a local while the body is decoded: a closure that changes
            // `self` must not run inside a method called on `self` (that would copy the tracker).
            let held = record
            held.withUnsafeBytes { finishMessage(&p, message: $0, truncated: truncated, index: index) }
        }
        return done.source
    }

    /// Pairs the message with its call, decodes the program's body, learns mapped ports.
    private mutating func finishMessage(_ p: inout Packet, message b: UnsafeRawBufferPointer, truncated: Bool,
                                        index: Int) {
        let flow = pending.key
        if p.rpc.isCall {
            var call = CallRecord()
            decodeBody(&p, bytes: b, truncated: truncated)
            // What is called counts too: a reused xid for another procedure is a new call.
            call.bodyHash = Self.digest(b, p.rpc.body)
                ^ (UInt64(p.rpc.program) << 32 | UInt64(p.rpc.version) << 24 ^ UInt64(p.rpc.procedure))
                &* 0x9e37_79b9_7f4a_7c15
            p.rpc.minorVersion = RPCPrograms.minorVersion(tape)
            call.minorVersion = p.rpc.minorVersion
            if let mapping = RPCPrograms.mappingRequest(program: p.rpc.program, version: p.rpc.version,
                                                        procedure: p.rpc.procedure, tape: tape, bytes: b) {
                call.mappingProgram = mapping.program
                call.mappingVersion = mapping.version
                call.mappingProtocol = mapping.transportProtocol
            }
            pairCall(&p, call, flow: flow, time: pending.time, frame: pending.frame, index: index,
                     fileIndex: pending.fileIndex)
        } else if let call = pairReply(&p, flow: flow, time: pending.time), p.rpc.isSuccess {
            decodeBody(&p, bytes: b, truncated: truncated)
            if call.mappingProtocol != 0,
               let port = RPCPrograms.mappedPort(program: p.rpc.program, version: p.rpc.version,
                                                 procedure: p.rpc.procedure, tape: tape, bytes: b) {
                // The reply comes from the port mapper's host: the program listens there.
                ports.learn(flow.src, port: port, proto: call.mappingProtocol, program: call.mappingProgram)
            }
        }
    }

    /// Runs `body` on the bytes of a message and its range in them.
    public func withMessageBytes<T>(_ source: RPCMessageSource, frame: UnsafeRawBufferPointer,
                                    _ body: (UnsafeRawBufferPointer, ByteRange) -> T) -> T {
        switch source {
        case .frame(let range):
            return body(frame, range)
        case .record(let count):
            return record.withUnsafeBytes { body($0, ByteRange(offset: 0, count: count)) }
        }
    }

    private mutating func nextRecord(bytes: UnsafeRawBufferPointer) -> CompletedRecord? {
        while pending.active {
            if pending.datagram {
                pending.active = false
                if pending.recordCount >= 0 {
                    return CompletedRecord(source: .record(count: pending.recordCount), fragments: 0,
                                           length: pending.recordCount, missing: 0)
                }
                return CompletedRecord(source: .frame(ByteRange(offset: pending.cursor, count: pending.end - pending.cursor)),
                                       fragments: 0, length: pending.end - pending.cursor, missing: 0)
            }
            let slot = pending.slot
            var done: CompletedRecord?
            if pending.missingBefore > 0 {
                done = RPCStreamMachine.skipMissing(&directions[slot: slot], count: &pending.missingBefore,
                                                    limits: limits, stats: &streamStatistics, output: &record)
            } else if pending.cursor < pending.end {
                if pending.queued {
                    done = queuedSegment.withUnsafeBytes { q in
                        RPCStreamMachine.consume(&directions[slot: slot], q, cursor: &pending.cursor, end: pending.end,
                                                 cut: pending.missingAfter > 0, zeroCopy: false, limits: limits,
                                                 stats: &streamStatistics,
                                                 output: &record)
                    }
                } else {
                    done = RPCStreamMachine.consume(&directions[slot: slot], bytes, cursor: &pending.cursor,
                                                    end: pending.end, cut: pending.missingAfter > 0,
                                                    zeroCopy: true, limits: limits,
                                                    stats: &streamStatistics, output: &record)
                }
            } else if pending.missingAfter > 0 {
                streamStatistics.snaplenBytes += pending.missingAfter
                done = RPCStreamMachine.skipMissing(&directions[slot: slot], count: &pending.missingAfter,
                                                    limits: limits, stats: &streamStatistics, output: &record)
            } else {
                // The segment is used up: move on, and into any queued segment now in order.
                directions[slot: slot].nextSeq = pending.endSeq &+ (pending.fin ? 1 : 0)
                if directions[slot: slot].queue.isEmpty {
                    pending.active = false
                } else {
                    pending = takeQueued(slot: slot, key: pending.key, declaringGap: false)
                }
                if !pending.active && deferred.active {
                    pending = deferred
                    deferred.active = false
                }
                continue
            }
            if let done { return done }
        }
        return nil
    }

    /// The next queued segment that is in order now (or, `declaringGap`, the earliest one, the
    /// hole before it given up as lost), trimmed of what was already seen.
    private mutating func takeQueued(slot: Int, key: FlowKey, declaringGap: Bool) -> Pending {
        guard !directions[slot: slot].queue.isEmpty else { return Pending() }
        var d = directions[slot: slot]
        var best = 0
        for i in d.queue.indices where Int32(bitPattern: d.queue[i].seq &- d.queue[best].seq) < 0 { best = i }
        let ahead = Int(Int32(bitPattern: d.queue[best].seq &- d.nextSeq))
        let acknowledged = d.releasing && Int32(bitPattern: d.queue[best].seq &- d.releaseUntil) <= 0
        guard ahead <= 0 || declaringGap || acknowledged else {
            directions[slot: slot].releasing = false
            return Pending()
        }
        let q = d.queue.remove(at: best)
        d.queuedBytes -= q.bytes.count
        queuedSegment = q.bytes
        var seg = Pending(active: true, key: key, slot: slot, cursor: 0, end: q.bytes.count,
                          missingAfter: q.wireLength - q.bytes.count,
                          endSeq: q.seq &+ UInt32(truncatingIfNeeded: q.wireLength), fin: q.fin, queued: true,
                          time: q.time, frame: q.frame, fileIndex: q.fileIndex)
        if ahead > 0 {
            streamStatistics.gaps += 1
            streamStatistics.gapBytes += ahead
            seg.missingBefore = ahead
        } else if ahead < 0 {
            let old = -ahead
            if old >= q.wireLength {
                directions[slot: slot] = d
                return takeQueued(slot: slot, key: key, declaringGap: declaringGap)  // wholly seen
            }
            let fromCaptured = min(old, q.bytes.count)
            seg.cursor = fromCaptured
            seg.missingAfter -= old - fromCaptured
        }
        directions[slot: slot] = d
        return seg
    }

    // MARK: - Pairing

    /// `flow` is the direction the message travelled (not always the packet's: a hole given up on
    /// an acknowledgment releases the peer's queued segments).
    /// FNV-1a over the first 64 bytes of a call's arguments and their length (mixed with what
    /// is called): enough to tell a retransmission from a reused xid.
    static func digest(_ b: UnsafeRawBufferPointer, _ body: ByteRange) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(body.count)
        let end = min(body.offset + 64, body.end, b.count)
        var i = body.offset
        // Eight bytes at a time (XDR keeps everything in 4-byte units anyway).
        while i + 8 <= end {
            h = (h ^ b.u64(i)) &* 0x100_0000_01b3
            i += 8
        }
        while i < end {
            h = (h ^ UInt64(b.u8(i))) &* 0x100_0000_01b3
            i += 1
        }
        return h
    }

    private mutating func pairCall(_ p: inout Packet, _ call: CallRecord, flow: FlowKey, time: Int64, frame: Int,
                                   index: Int, fileIndex: Int) {
        var call = call
        call.program = p.rpc.program
        call.version = p.rpc.version
        call.procedure = p.rpc.procedure
        call.time = time
        call.frame = frame
        call.index = index
        call.fileIndex = fileIndex
        call.credentialFlavor = p.rpc.credential.flavor
        call.uid = p.rpc.credential.uid
        call.gid = p.rpc.credential.gid
        call.gssProcedure = p.rpc.credential.gssProcedure
        call.gssService = p.rpc.credential.gssService
        p.rpc.retransmission = xids.call(CallKey(flow: flow, xid: p.rpc.xid), call)
    }

    /// Pairs a reply with its call (`flow` is the reply's direction); the call, when seen.
    private mutating func pairReply(_ p: inout Packet, flow: FlowKey, time: Int64) -> CallRecord? {
        guard let (call, duplicate) = xids.reply(CallKey(flow: flow.reversed, xid: p.rpc.xid), time: time) else {
            return nil
        }
        p.rpc.callSeen = true
        p.rpc.duplicateReply = duplicate
        p.rpc.program = call.program
        p.rpc.version = call.version
        p.rpc.procedure = call.procedure
        p.rpc.latency = time - call.time
        p.rpc.callFrame = call.frame
        p.rpc.callIndex = call.index
        p.rpc.callFileIndex = call.fileIndex
        p.rpc.minorVersion = call.minorVersion
        p.rpc.credential.flavor = call.credentialFlavor
        p.rpc.credential.gssProcedure = call.gssProcedure
        p.rpc.credential.gssService = call.gssService
        return call
    }

    /// Decodes the program's part of the message onto `tape`, adding the program's layer.
    /// A malformed body is an error on this message only: the stream stays in sync.
    private mutating func decodeBody(_ p: inout Packet, bytes: UnsafeRawBufferPointer, truncated: Bool) {
        guard decodesBodies else { return }
        var range = p.rpc.body
        if p.rpc.credential.flavor == RPCConstants.rpcsecGSS {
            // RFC 2203 section 5.3: only DATA carries the program's arguments and results;
            // with privacy they are encrypted (the message is still paired and timed).
            guard p.rpc.credential.gssProcedure == 0 else { return }
            switch p.rpc.credential.gssService {
            case 2:
                // rpc_gss_integ_data: opaque databody_integ<> (seq_num, then the body), checksum.
                var integrity = XDRReader(bytes, range: range, layer: .rpc, truncated: truncated)
                do throws(DecodeError) {
                    let databody = try integrity.opaque()
                    guard databody.count >= 4 else { throw DecodeError(.shortData, layer: .rpc, offset: databody.offset) }
                    p.rpc.gssIntegritySequence = Int64(bytes.u32(databody.offset))
                    range = ByteRange(offset: databody.offset + 4, count: databody.count - 4)
                } catch {
                    // A body cut by the snaplen still decodes as far as it goes.
                    guard error.code == .truncated, range.count >= 8 else {
                        p.error = error
                        return
                    }
                    p.rpc.gssIntegritySequence = Int64(bytes.u32(range.offset + 4))
                    range = ByteRange(offset: range.offset + 8, count: range.count - 8)
                }
            case 3:
                return
            default:
                break
            }
        }
        var reader = XDRReader(bytes, range: range, layer: .rpc, truncated: truncated)
        do throws(DecodeError) {
            if let layer = try RPCPrograms.decodeBody(program: p.rpc.program, version: p.rpc.version,
                                                      procedure: p.rpc.procedure, isReply: !p.rpc.isCall,
                                                      reader: &reader, into: &tape) {
                p.layers.add(layer)
            }
        } catch {
            if reader.layer != .rpc { p.layers.add(reader.layer) }
            p.error = error
        }
    }

    /// Teaches the tracker that `program` answers on `address`:`port` over `proto` (from a
    /// PORTMAP GETPORT or RPCBIND GETADDR reply), so connections to it are taken as RPC at once.
    public mutating func learnPort(_ address: IPAddress, port: UInt16, proto: UInt8, program: UInt32) {
        ports.learn(address, port: port, proto: proto, program: program)
    }

    private mutating func makeRoom(now: Int64) {
        let idle: Int64 = 300_000_000_000
        var removed = directions.removeAll { _, d in now - d.lastSeen > idle }
        if directions.count >= maximumDirections * 3 / 4 {
            var times: [Int64] = []
            directions.forEach { times.append($1.lastSeen) }
            times.sort()
            let cutoff = times[directions.count - maximumDirections * 3 / 4]
            removed += directions.removeAll { _, d in d.lastSeen <= cutoff }
        }
        directionEvictions += removed
    }
}

/// Ports RPC is known to use: the well-known ones, and those PORTMAP/RPCBIND handed out.
struct KnownPorts {
    struct Key: Hashable {
        var address: IPAddress
        var port: UInt16
        var proto: UInt8
    }

    /// Learned mappings kept at once (a server has a handful; a busy network a few hundred).
    static let maximumLearned = 4096
    private var learned: [Key: UInt32] = [:]
    var learnedCount: Int { learned.count }

    @inline(__always)
    func isRPC(_ address: IPAddress, port: UInt16, proto: UInt8) -> Bool {
        // 111 PORTMAP/RPCBIND (RFC 1833), 2049 NFS (RFC 7530 section 3.1).
        if port == 111 || port == 2049 { return true }
        return !learned.isEmpty && learned[Key(address: address, port: port, proto: proto)] != nil
    }

    mutating func learn(_ address: IPAddress, port: UInt16, proto: UInt8, program: UInt32) {
        if learned.count >= Self.maximumLearned { learned.removeAll(keepingCapacity: true) }
        learned[Key(address: address, port: port, proto: proto)] = program
    }
}

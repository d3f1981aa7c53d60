import Decode

/// Finds the RPC messages in TCP, UDP and InfiniBand packets, on any port, and pairs each reply
/// with its call. Per packet: `begin`, then `nextMessage` until it returns nil (a TCP segment
/// may complete several records, each its own message).
///
/// Three parts, each with its own invariants: `TCPRecordReassembler` (segments to records),
/// `RDMAIngest` (InfiniBand to RPC-over-RDMA messages) and `RPCPairing` (header, xid table,
/// program bodies). This type routes a packet to the first two and each message to the third.
public struct RPCTracker {
    public let limits: RPCStreamLimits
    private var stream: TCPRecordReassembler
    private var rdmaIngest = RDMAIngest()
    private var pairing: RPCPairing
    /// A completed record that spanned segments or fragments (`RPCMessageSource.record`).
    public private(set) var record: [UInt8] = []
    /// A UDP datagram's or RDMA message's RPC message, waiting for `nextMessage`.
    private var datagram: (source: RPCMessageSource, origin: MessageOrigin)?
    /// The TCP direction of the frame begun: its messages show it (see `nextMessage`).
    private var frameFlow: FlowKey?

    public init(_ limits: Limits = .init()) {
        self.limits = limits.stream
        stream = TCPRecordReassembler(limits: limits.stream, maximumDirections: limits.maximumDirections,
                                      budgetBytes: limits.reassemblyBudgetBytes)
        rdmaIngest = RDMAIngest()
        pairing = RPCPairing(xids: limits.xids, learnedPorts: limits.learnedPorts)
    }

    public init(limits: RPCStreamLimits = .init(), xidLimits: XIDTable.Limits = .init(),
                maximumDirections: Int = 1 << 16) {
        var all = Limits()
        all.stream = limits
        all.xids = xidLimits
        all.maximumDirections = maximumDirections
        self.init(all)
    }

    public var streamStatistics: RPCStreamStatistics { stream.statistics }
    public var xids: XIDTable { pairing.xids }
    /// The direction the current message travelled.
    public var messageFlow: FlowKey? { pairing.messageFlow }
    /// The call the current reply answers (nil for a call or an orphan reply).
    public var pairedCall: CallRecord? { pairing.pairedCall }

    /// Changes the marks of the outstanding call `key` (see `CallMarks`).
    @discardableResult
    public mutating func markCall(_ key: CallKey, _ body: (inout CallMarks) -> Void) -> Bool {
        pairing.xids.mark(key, body)
    }

    /// See `XIDTable.expiresOnCalls`, `XIDTable.expire(now:)`.
    public var expiresCallsOnCalls: Bool {
        get { pairing.xids.expiresOnCalls }
        set { pairing.xids.expiresOnCalls = newValue }
    }
    public mutating func expireCalls(now: Int64) { pairing.xids.expire(now: now) }

    /// Port mappings learned from replies since the last call (see `LearnedPorts.learned`).
    public mutating func takeLearnedPorts() -> [(mapping: LearnedPorts.Mapping, program: UInt32)] {
        pairing.ports.takeLearned()
    }

    public var hasExpiredWatchedCalls: Bool { !pairing.xids.expiredWatched.isEmpty }
    public mutating func takeExpiredWatchedCalls() -> [(key: CallKey, call: CallRecord)] {
        pairing.xids.takeExpiredWatched()
    }

    /// See `XIDTable.forEachWatched`.
    public mutating func forEachWatchedCall(_ body: (CallKey, CallRecord, inout CallMarks) -> Void) {
        pairing.xids.forEachWatched(body)
    }
    /// The current message's program body (PORTMAP, MOUNT, NLM, NSM…), when it was decoded.
    public var tape: Tape { pairing.tape }

    /// The tape lent in place (see `PacketPipeline.withPacketInPlace`).
    mutating func withTapeInPlace<T>(_ body: (inout Tape) throws -> T) rethrows -> T {
        try body(&pairing.tape)
    }
    public var rdma: RDMAReassembler { rdmaIngest.reassembler }
    public var rdmaStatistics: RDMAStatistics { rdmaIngest.reassembler.statistics }
    public var directionCount: Int { stream.directionCount }
    public var directionEvictions: Int { stream.directionEvictions }
    /// Directions whose partial records were given up to stay within the reassembly budget.
    public var budgetEvictions: Int { stream.budgetEvictions }
    /// Bytes of record buffers and queued segments held now, across all directions.
    public var reassemblyBytes: Int { stream.heldBytes }
    public var learnedPorts: Int { pairing.ports.count }

    /// Bytes of state held across packets (tables and buffers), as a snapshot would copy them.
    public var footprint: Int {
        stream.footprint + pairing.xids.footprint + rdmaIngest.reassembler.footprint + record.capacity
            + pairing.tape.entries.capacity * MemoryLayout<TapeEntry>.stride + pairing.ports.count * 64
    }
    public var learnedPortEvictions: Int { pairing.ports.evictions }

    /// Decode the programs' bodies (PORTMAP, MOUNT, NFS…); without, messages are found, their
    /// headers decoded and paired, and the bodies left alone.
    public var decodesBodies: Bool {
        get { pairing.decodesBodies }
        set { pairing.decodesBodies = newValue }
    }

    // MARK: - Starting on a packet

    /// Looks at a packet decoded to TCP, UDP or InfiniBand. `bytes` is what `p.payload` refers to
    /// (the frame or the reassembled datagram). `p` is only read (it is `inout` so that a
    /// caller's stored packet is not copied), but for an RDMA packet's RPC-over-RDMA layer.
    public mutating func begin(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                               frame: Int, fileIndex: Int) {
        datagram = nil
        frameFlow = nil
        // a packet that carries no message has no body: the last message's must not show through
        pairing.tape.reset()
        var origin = MessageOrigin(time: time, frame: frame, fileIndex: fileIndex)
        if p.layers.has(.infiniband) {
            if let (source, flow) = rdmaIngest.take(&p, bytes: bytes, output: &record) {
                origin.key = flow
                datagram = (source, origin)
            }
            stream.begin(nothing: ())
        } else if p.layers.has(.udp) {
            stream.begin(nothing: ())
            let r = p.payload
            guard RPCDecoder.isPlausible(bytes, at: r.offset, end: r.end, cut: p.truncated) else { return }
            let key = FlowKey(&p)
            // A reply on a port RPC is not known to use is believed only when its call was seen.
            if bytes.u32(r.offset + 4) == RPCConstants.reply
                && !pairing.ports.isRPC(key.src, port: key.srcPort, proto: IPProtocol.udp)
                && !pairing.xids.isWaiting(CallKey(flow: key.reversed, xid: bytes.u32(r.offset))) {
                return
            }
            origin.key = key
            datagram = (.frame(ByteRange(offset: r.offset, count: r.end - r.offset)), origin)
        } else if p.layers.has(.tcp) {
            origin.key = FlowKey(&p)
            frameFlow = origin.key
            stream.begin(&p, bytes: bytes, origin: origin, ports: pairing.ports, xids: pairing.xids)
        } else {
            stream.begin(nothing: ())
        }
    }

    // MARK: - Taking messages

    /// The next RPC message of the packet begun: its header decoded into `p.rpc` (and `.rpc`
    /// added to its layers), paired with its call. nil when the packet holds no more.
    /// `bytes` is the same buffer given to `begin`.
    public mutating func nextMessage(_ p: inout Packet, bytes: UnsafeRawBufferPointer, time: Int64,
                                     frame: Int, index: Int, fileIndex: Int) -> RPCMessageSource? {
        let done: CompletedRecord
        let origin: MessageOrigin
        if let d = datagram {
            datagram = nil
            let length = switch d.source {
            case .frame(let range): range.count
            case .record(let count): count
            }
            done = CompletedRecord(source: d.source, fragments: 0, length: length, missing: 0)
            origin = d.origin
        } else if let next = stream.next(bytes: bytes, output: &record) {
            (done, origin) = next
        } else {
            return nil
        }
        p.rpc.reset()
        p.rpc.fragments = done.fragments
        p.rpc.recordLength = done.length
        p.rpc.missingBytes = done.missing
        if origin.frame != frame {
            p.rpc.frame = origin.frame
            p.rpc.frameTime = origin.time
        }
        // a message finished on a frame of the other direction (its acknowledgement gave a hole
        // up) still travelled its own way
        if let own = frameFlow, origin.key == own.reversed { p.rpc.crossesFrame = true }
        let truncated = done.missing > 0
        let failure: DecodeError? = withMessageBytes(done.source, frame: bytes) { b, range in
            do throws(DecodeError) {
                try RPCDecoder.decode(b, range: range, truncated: truncated, into: &p.rpc)
                return nil
            } catch {
                return error
            }
        }
        pairing.tape.reset()
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
            pairing.finish(&p, message: bytes, truncated: truncated, index: index, origin: origin)
        case .record:
            // The buffer is held in a local while the body is decoded: a closure that changes
            // `self` must not run inside a method called on `self` (that would copy the tracker).
            let held = record
            held.withUnsafeBytes { pairing.finish(&p, message: $0, truncated: truncated, index: index, origin: origin) }
        }
        return done.source
    }

    /// Runs `body` on the bytes of a message and its range in them.
    public func withMessageBytes<T>(_ source: RPCMessageSource, frame: UnsafeRawBufferPointer,
                                    _ body: (UnsafeRawBufferPointer, ByteRange) -> T) -> T {
        switch source {
        case .frame(let range):
            return body(frame, range)
        case .record(let count):
            return record.withUnsafeBytes { body($0, ByteRange(offset: 0, count: min(count, $0.count))) }
        }
    }

    /// Teaches the tracker that `program` answers on `address`:`port` over `proto` (from a
    /// PORTMAP GETPORT or RPCBIND GETADDR reply), so connections to it are taken as RPC at once.
    public mutating func learnPort(_ address: IPAddress, port: UInt16, proto: UInt8, program: UInt32, journal: Bool = true) {
        pairing.ports.learn(address, port: port, proto: proto, program: program, journal: journal)
    }
}

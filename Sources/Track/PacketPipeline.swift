import Decode

/// How far the pipeline decodes each packet.
public enum DecodeDepth: String, Sendable, CaseIterable {
    /// Link, IP (with reassembly) and TCP/UDP headers.
    case transport
    /// Also RPC: record reassembly, headers, call/reply pairing; program bodies left alone.
    case rpc
    /// Everything: the programs' bodies too (PORTMAP, MOUNT, NLM, NSM, NFS).
    case all
}

/// The per-packet work, with no reader inside: a captured record in, the decoded view out
/// (`record`, `packet`, `tape`, the message's bytes). Decodes, reassembles IP fragments, makes
/// TCP sequence numbers relative, reassembles RPC records, pairs replies with calls, decodes
/// program bodies, counts.
///
/// `Pktt` is a reader plus one pipeline; the daemon is a reader plus one pipeline per worker,
/// fed `RecordBatch`es, sharded by `FlowHash` so that each flow's state lives in one pipeline.
///
/// Per record: `take(_:linkType:record:)` gives its first packet; `nextMessage` gives each
/// further RPC message of the same frame as a packet of its own (same frame, own index) until
/// it returns false. The bytes handed to `take` must stay valid until the next `take`.
public struct PacketPipeline {
    public private(set) var packet = Packet()
    public private(set) var record = PacketRecord()
    public private(set) var statistics = TraceStatistics()
    public let depth: DecodeDepth
    public let limits: Limits
    private(set) var reassembler: IPReassembler
    private var sequences: TCPSequenceTracker
    public private(set) var rpc: RPCTracker
    private let relativeSequenceNumbers: Bool
    /// The index the next packet gets (packets so far).
    public private(set) var nextIndex = 0
    /// Number packets here (`record.index`); off, each keeps the index its record came with
    /// (the daemon numbers records as it reads them, before they are shared out to workers),
    /// and further messages of a frame keep it too.
    public var assignsIndexes = true
    /// The frame's own layers, restored before each further RPC message of the same frame.
    private var frameLayers = LayerSet()
    private var frameError: DecodeError?
    /// The frame may hold more RPC messages than the one in `packet`.
    public private(set) var moreMessages = false
    /// Where the current packet's RPC message is, when it has one.
    public private(set) var messageSource: RPCMessageSource?

    /// `relativeSequenceNumbers`: make TCP sequence numbers relative to each direction's first
    /// (for display; counting needs none of it).
    public init(limits: Limits = .init(), depth: DecodeDepth = .all, relativeSequenceNumbers: Bool = true) {
        var limits = limits
        if depth == .rpc {
            // Without the bodies, a record's header is all that is read: keep no more of it
            // (the credential and verifier are at most 400 bytes each).
            limits.stream.maximumRecordBytes = min(limits.stream.maximumRecordBytes, 4096)
        }
        self.limits = limits
        self.depth = depth
        self.relativeSequenceNumbers = relativeSequenceNumbers
        reassembler = IPReassembler(limits: limits.fragments)
        sequences = TCPSequenceTracker(maximumConnections: limits.maximumTCPConnections)
        rpc = RPCTracker(limits)
        rpc.decodesBodies = depth == .all
    }

    /// The current message's program body as decoded from its XDR; its byte ranges point into
    /// `withMessageBytes`'s bytes.
    public var tape: Tape { rpc.tape }

    /// Decodes a captured record into `packet` and `record` (`record.index` is assigned here).
    /// `bytes` are the captured bytes (`record.lengthIncluded` of them).
    public mutating func take(_ bytes: UnsafeRawBufferPointer, linkType: UInt32, record header: PacketRecord) {
        record = header
        if assignsIndexes { record.index = nextIndex }
        nextIndex += 1
        let time = record.time
        PacketDecoder.decode(bytes, linkType: linkType, originalLength: header.lengthOriginal, into: &packet)
        // Stored fields only here: calling a method on the whole packet copies it.
        var layers = packet.layers
        let fragment = (layers.has(.ipv4) && (packet.ipv4.flagMF || packet.ipv4.fragmentOffset != 0))
            || (layers.has(.ipv6) && packet.ipv6.hasFragmentHeader)
        if fragment && !layers.has(.tcp) && !layers.has(.udp) && packet.error == nil {
            reassemble(bytes, time: time)
            layers = packet.layers
        }
        if relativeSequenceNumbers && layers.has(.tcp) { sequences.track(&packet, time: time) }
        statistics.frames += 1
        statistics.bytes += bytes.count
        messageSource = nil
        moreMessages = false
        if depth != .transport && (layers.has(.tcp) || layers.has(.udp) || layers.has(.infiniband)) {
            if packet.reassembled {
                // A local copy of the buffer (a retain, not a copy of the bytes), taken only
                // for reassembled datagrams: the closure below changes other parts of `self`.
                let datagram = reassembler.datagram
                datagram.withUnsafeBytes {
                    rpc.begin(&packet, bytes: $0, time: time, frame: record.frame, fileIndex: record.fileIndex)
                }
            } else {
                rpc.begin(&packet, bytes: bytes, time: time, frame: record.frame, fileIndex: record.fileIndex)
            }
            frameLayers = packet.layers
            frameError = packet.error
            moreMessages = takeMessage(bytes, time: time)
        }
        statistics.count(layers: packet.layers, truncated: packet.truncated, malformed: packet.error != nil)
    }

    /// The frame's next RPC message as a packet of its own; false when there is none. `bytes`
    /// are the same as given to `take`.
    public mutating func nextMessage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard moreMessages else { return false }
        packet.layers = frameLayers
        packet.error = frameError
        // The message is registered (a call in the xid table) under the index it will have.
        let index = record.index
        if assignsIndexes { record.index = nextIndex }
        guard takeMessage(bytes, time: record.time) else {
            record.index = index
            moreMessages = false
            return false
        }
        nextIndex += 1
        statistics.count(layers: packet.layers, truncated: packet.truncated, malformed: packet.error != nil)
        return true
    }

    private mutating func takeMessage(_ bytes: UnsafeRawBufferPointer, time: Int64) -> Bool {
        let source: RPCMessageSource?
        if packet.reassembled {
            let datagram = reassembler.datagram
            source = datagram.withUnsafeBytes {
                rpc.nextMessage(&packet, bytes: $0, time: time, frame: record.frame, index: record.index,
                                fileIndex: record.fileIndex)
            }
        } else {
            source = rpc.nextMessage(&packet, bytes: bytes, time: time, frame: record.frame, index: record.index,
                                     fileIndex: record.fileIndex)
        }
        messageSource = source
        if source != nil { statistics.undefinedValues += rpc.tape.undefinedValues }
        return source != nil
    }

    private mutating func reassemble(_ bytes: UnsafeRawBufferPointer, time: Int64) {
        statistics.fragments += 1
        if let datagram = reassembler.add(packet, frame: bytes, time: time) {
            reassembler.datagram.withUnsafeBytes { d in
                PacketDecoder.decodeTransport(d, network: datagram, into: &packet)
            }
            packet.reassembled = true
            statistics.reassembled += 1
        }
        statistics.fragmentEvictions = reassembler.statistics.evictedForAge
            + reassembler.statistics.evictedForSpace
    }

    // MARK: - The decoded view's bytes

    /// The bytes `packet.payload` refers to: the frame (`frame`, the bytes given to `take`), or
    /// the reassembled datagram.
    public func withPayloadBytes<T>(frame: UnsafeRawBufferPointer,
                                    _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        if packet.reassembled { return try reassembler.datagram.withUnsafeBytes(body) }
        return try body(frame)
    }

    /// The bytes of the current RPC message and its range in them (`packet.rpc`'s byte ranges
    /// point into these); an empty buffer when the packet has no RPC layer.
    public func withMessageBytes<T>(frame: UnsafeRawBufferPointer,
                                    _ body: (UnsafeRawBufferPointer, ByteRange) throws -> T) rethrows -> T {
        guard let source = messageSource else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0), .empty)
        }
        return try withPayloadBytes(frame: frame) { payload in
            try rpc.withMessageBytes(source, frame: payload) { bytes, range in
                Result { try body(bytes, range) }
            }.get()
        }
    }

    /// Lends the current packet and its program body in place, without copying them (a few
    /// hundred bytes each), to code that only reads them (matching): `inout` so that nothing can
    /// change them meanwhile, not so that `body` may.
    /// `frame`: the record's bytes, as for `withMessageBytes`, whose bytes `body` gets too.
    public mutating func withPacketInPlace<T>(frame: UnsafeRawBufferPointer,
                                              _ body: (inout Packet, inout Tape, UnsafeRawBufferPointer) throws -> T)
        rethrows -> T {
        // The message lies in the frame or in a buffer this pipeline owns, and nothing changes
        // it until `body` returns: its address may leave the closure that found it.
        let message = messageSource == nil ? UnsafeRawBufferPointer(start: nil, count: 0)
            : withMessageBytes(frame: frame) { bytes, _ in bytes }
        return try rpc.withTapeInPlace { try body(&packet, &$0, message) }
    }

    /// The direction the current packet's RPC message travelled (nil when it has none).
    public var messageFlow: FlowKey? { messageSource == nil ? nil : rpc.messageFlow }
    /// The call the current reply answers, with the marks set on it (nil for a call, an
    /// orphan reply or a packet without a message).
    public var pairedCall: CallRecord? { messageSource == nil ? nil : rpc.pairedCall }

    /// Changes the marks of the current call (see `CallMarks`); false when the packet is not
    /// an RPC call or its call is no longer outstanding.
    @discardableResult
    public mutating func markCall(_ body: (inout CallMarks) -> Void) -> Bool {
        guard messageSource != nil, packet.rpc.isCall, let flow = rpc.messageFlow else { return false }
        return rpc.markCall(CallKey(flow: flow, xid: packet.rpc.xid), body)
    }

    /// Expire unanswered calls as calls arrive (by their own times), or only when told
    /// (`expireCalls(now:)`): see `XIDTable.expiresOnCalls`.
    public var expiresCallsOnCalls: Bool {
        get { rpc.expiresCallsOnCalls }
        set { rpc.expiresCallsOnCalls = newValue }
    }
    public mutating func expireCalls(now: Int64) { rpc.expireCalls(now: now) }

    /// Port mappings this pipeline learned from PORTMAP/RPCBIND replies since the last call, and
    /// mappings another pipeline learned (the daemon shares them between its workers).
    public mutating func takeLearnedPorts() -> [(mapping: LearnedPorts.Mapping, program: UInt32)] { rpc.takeLearnedPorts() }
    public mutating func learnPorts(_ mappings: [(mapping: LearnedPorts.Mapping, program: UInt32)]) {
        for (m, program) in mappings {
            rpc.learnPort(m.address, port: m.port, proto: m.proto, program: program, journal: false)
        }
    }

    /// Watched calls that expired unanswered (`XIDTable.expiredWatched`).
    public var hasExpiredWatchedCalls: Bool { rpc.hasExpiredWatchedCalls }
    public mutating func takeExpiredWatchedCalls() -> [(key: CallKey, call: CallRecord)] { rpc.takeExpiredWatchedCalls() }

    /// See `XIDTable.forEachWatched`.
    public mutating func forEachWatchedCall(_ body: (CallKey, CallRecord, inout CallMarks) -> Void) {
        rpc.forEachWatchedCall(body)
    }

    /// Bytes of state held across packets: what a copy of the pipeline may come to hold once
    /// both it and the original change (`Pktt`'s rewind snapshots are bounded by it).
    public var footprint: Int { reassembler.footprint + sequences.footprint + rpc.footprint }

    /// Incomplete IP datagrams held now.
    public var pendingFragments: Int { reassembler.pendingCount }
    public var fragmentStatistics: IPReassembler.Statistics { reassembler.statistics }
    /// TCP connections whose sequence numbers are tracked, and those forgotten to make room.
    public var tcpConnections: Int { sequences.count }
    public var tcpConnectionEvictions: Int { sequences.evictions }
}

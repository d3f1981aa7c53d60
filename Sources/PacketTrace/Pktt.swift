import Decode
import PcapIO
import Track

/// A packet trace: one or more capture files read record by record (merged in timestamp order
/// when several are given), each record decoded into `packet` with its `record` information.
///
/// The seed's `Pktt`. A single active iteration: `next()` overwrites `packet` and `record`.
///
///     let trace = try Pktt(files: ["/traces/nfs.pcap"])
///     while try trace.next() {
///         print(trace.record.index, trace.packet.ipSource)
///     }
public final class Pktt {
    public let files: [String]
    private let reader: MergedCaptureReader
    /// Everything that changes per packet, in one struct behind a pointer: a class's stored
    /// properties cost a runtime exclusivity check per access, and a mutating call on a large
    /// stored struct may copy it; through the pointer it is changed in place.
    private let state: UnsafeMutablePointer<TraceState>
    private var current: CaptureRecord?

    /// Opens every file now, so a missing or unreadable one is reported before any output.
    /// `depth`: how far to decode (all of it unless asked otherwise, e.g. to measure a layer).
    /// `relativeSequenceNumbers`: make TCP sequence numbers relative to each direction's first
    /// (for display; counting needs none of it).
    public init(files: [String], keepIndex: Bool = false, depth: DecodeDepth = .all,
                relativeSequenceNumbers: Bool = true, fragmentLimits: IPReassembler.Limits = .init()) throws {
        self.files = files
        reader = try MergedCaptureReader(paths: files, keepIndex: keepIndex)
        state = .allocate(capacity: 1)
        state.initialize(to: TraceState(reassembler: IPReassembler(limits: fragmentLimits)))
        state.pointee.depth = depth
        state.pointee.relativeSequenceNumbers = relativeSequenceNumbers
        if depth == .rpc {
            // Without the bodies, a record's header is all that is read: keep no more of it
            // (the credential and verifier are at most 400 bytes each).
            var limits = RPCStreamLimits()
            limits.maximumRecordBytes = 4096
            state.pointee.rpc = RPCTracker(limits: limits)
            state.pointee.rpc.decodesBodies = false
        }
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The current packet, reused from one `next()` to the next.
    public var packet: Packet { state.pointee.packet }
    public var record: PacketRecord { state.pointee.record }
    public var statistics: TraceStatistics { state.pointee.statistics }
    /// Packets decoded so far (cheaper than copying `statistics`).
    public var packetCount: Int { state.pointee.nextIndex }
    /// Files whose last record was cut short (known once the trace ends).
    public var truncatedTails: [TruncatedTail] { reader.truncatedTails }

    /// Decodes the next packet into `packet` and `record`; false at the end of the trace.
    /// A frame holding several RPC messages gives one packet per message (same `frame`, each
    /// its own `index`), as the seed does.
    /// Throws a `CaptureError` when a file turns out corrupt: every packet before the bad record
    /// was returned first, and calling `next()` again goes on with the other files.
    public func next() throws -> Bool {
        if let r = current, state.pointee.moreMessages, state.pointee.nextMessage(r) { return true }
        current = nil
        let captured: CaptureRecord?
        do {
            captured = try reader.next()
        } catch {
            state.pointee.statistics.fileErrors += 1
            throw error
        }
        guard let r = captured else {
            state.pointee.statistics.truncatedFiles = reader.truncatedTails.count
            return false
        }
        current = r
        state.pointee.take(r)
        return true
    }

    /// The bytes `packet.payload` refers to: the frame, or the reassembled datagram. Valid until
    /// the next call to `next()`.
    public func withPayloadBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        if state.pointee.packet.reassembled {
            return try state.pointee.reassembler.datagram.withUnsafeBytes(body)
        }
        return try body(frameBytes)
    }

    /// The bytes of the current RPC message and its range in them (`packet.rpc`'s byte ranges
    /// point into these); an empty buffer when the packet has no RPC layer.
    public func withMessageBytes<T>(_ body: (UnsafeRawBufferPointer, ByteRange) throws -> T) rethrows -> T {
        guard let source = state.pointee.messageSource else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0), .empty)
        }
        return try withPayloadBytes { payload in
            try state.pointee.rpc.withMessageBytes(source, frame: payload) { bytes, range in
                Result { try body(bytes, range) }
            }.get()
        }
    }

    /// The current message's program body (PORTMAP, MOUNT, NLM, NSM…) as decoded from its XDR;
    /// its byte ranges point into `withMessageBytes`'s bytes.
    public var tape: Tape { state.pointee.rpc.tape }

    /// RPC stream reassembly and call/reply pairing counters.
    public var rpcStreams: RPCStreamStatistics { state.pointee.rpc.streamStatistics }
    public var xidStatistics: XIDTable.Statistics { state.pointee.rpc.xids.statistics }
    /// RPC-over-RDMA counters: SENDs put together, messages taken, messages not decoded.
    public var rdmaStatistics: RDMAStatistics { state.pointee.rpc.rdmaStatistics }
    /// Calls still waiting for their reply.
    public var unansweredCalls: Int { state.pointee.rpc.xids.unanswered }

    /// The current frame's captured bytes. Valid until the next call to `next()`.
    public var frameBytes: UnsafeRawBufferPointer {
        current?.data ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// The path of the file the current packet came from.
    public var currentFile: String { files[state.pointee.record.fileIndex] }
}

/// How far `Pktt` decodes each packet.
public enum DecodeDepth: String, Sendable, CaseIterable {
    /// Link, IP (with reassembly) and TCP/UDP headers.
    case transport
    /// Also RPC: record reassembly, headers, call/reply pairing; program bodies left alone.
    case rpc
    /// Everything: the programs' bodies too (PORTMAP, MOUNT, NLM, NSM, NFS).
    case all
}

/// The per-packet work of `Pktt`: decode, reassemble, track, count.
struct TraceState {
    var packet = Packet()
    var record = PacketRecord()
    var statistics = TraceStatistics()
    var reassembler: IPReassembler
    var sequences = TCPSequenceTracker()
    var rpc = RPCTracker()
    var depth = DecodeDepth.all
    var relativeSequenceNumbers = true
    var nextIndex = 0
    /// The frame's own layers, restored before each further RPC message of the same frame.
    var frameLayers = LayerSet()
    var frameError: DecodeError?
    /// The frame may hold more RPC messages than the one in `packet`.
    var moreMessages = false
    /// Where the current packet's RPC message is, when it has one.
    var messageSource: RPCMessageSource?

    init(reassembler: IPReassembler) {
        self.reassembler = reassembler
    }

    mutating func take(_ r: CaptureRecord) {
        record.frame = r.frame
        record.index = nextIndex
        record.seconds = r.seconds
        record.nanoseconds = r.nanoseconds
        record.lengthIncluded = r.capturedLength
        record.lengthOriginal = r.originalLength
        record.fileIndex = r.fileIndex
        record.fileOffset = r.fileOffset
        nextIndex += 1
        let time = record.time
        PacketDecoder.decode(r.data, linkType: r.linkType, originalLength: r.originalLength,
                             into: &packet)
        // Stored fields only here: calling a method on the whole packet copies it.
        var layers = packet.layers
        let fragment = (layers.has(.ipv4) && (packet.ipv4.flagMF || packet.ipv4.fragmentOffset != 0))
            || (layers.has(.ipv6) && packet.ipv6.hasFragmentHeader)
        if fragment && !layers.has(.tcp) && !layers.has(.udp) && packet.error == nil {
            reassemble(r, time: time)
            layers = packet.layers
        }
        if relativeSequenceNumbers && layers.has(.tcp) { sequences.track(&packet, time: time) }
        statistics.frames += 1
        statistics.bytes += r.capturedLength
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
                rpc.begin(&packet, bytes: r.data, time: time, frame: record.frame, fileIndex: record.fileIndex)
            }
            frameLayers = packet.layers
            frameError = packet.error
            moreMessages = takeMessage(r, time: time)
        }
        statistics.count(layers: packet.layers, truncated: packet.truncated, malformed: packet.error != nil)
    }

    /// The frame's next RPC message as a packet of its own; false when there is none.
    mutating func nextMessage(_ r: CaptureRecord) -> Bool {
        packet.layers = frameLayers
        packet.error = frameError
        // The message is registered (a call in the xid table) under the index it will have.
        let index = record.index
        record.index = nextIndex
        guard takeMessage(r, time: record.time) else {
            record.index = index
            moreMessages = false
            return false
        }
        nextIndex += 1
        statistics.count(layers: packet.layers, truncated: packet.truncated, malformed: packet.error != nil)
        return true
    }

    private mutating func takeMessage(_ r: CaptureRecord, time: Int64) -> Bool {
        let source: RPCMessageSource?
        if packet.reassembled {
            let datagram = reassembler.datagram
            source = datagram.withUnsafeBytes {
                rpc.nextMessage(&packet, bytes: $0, time: time, frame: record.frame, index: record.index,
                                fileIndex: record.fileIndex)
            }
        } else {
            source = rpc.nextMessage(&packet, bytes: r.data, time: time, frame: record.frame, index: record.index,
                                     fileIndex: record.fileIndex)
        }
        messageSource = source
        if source != nil { statistics.undefinedValues += rpc.tape.undefinedValues }
        return source != nil
    }

    private mutating func reassemble(_ r: CaptureRecord, time: Int64) {
        statistics.fragments += 1
        if let datagram = reassembler.add(packet, frame: r.data, time: time) {
            reassembler.datagram.withUnsafeBytes { bytes in
                PacketDecoder.decodeTransport(bytes, network: datagram, into: &packet)
            }
            packet.reassembled = true
            statistics.reassembled += 1
        }
        statistics.fragmentEvictions = reassembler.statistics.evictedForAge
            + reassembler.statistics.evictedForSpace
    }
}

#if canImport(Glibc)
import Glibc
#endif
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
///
/// Matching (`match(_:maxIndex:rewind:reply:)`), going back (`rewind(to:)`) and buffered
/// matching over a packet list (`setPacketList(_:)`) are in the extensions beside this file.
public final class Pktt {
    public let files: [String]
    let reader: MergedCaptureReader
    /// The per-packet work, in one struct behind a pointer: a class's stored properties cost a
    /// runtime exclusivity check per access, and a mutating call on a large stored struct may
    /// copy it; through the pointer it is changed in place.
    let state: UnsafeMutablePointer<PacketPipeline>
    @exclusivity(unchecked)
    var current: CaptureRecord?
    /// Counted here, not in the pipeline: the reader's business.
    @exclusivity(unchecked)
    var fileErrors = 0
    /// Snapshots of the pipeline and the read position that `rewind(to:)` goes back to; nil
    /// when the trace was opened without them.
    @exclusivity(unchecked)
    var checkpoints: PkttCheckpoints?
    /// Matching state: the calls whose replies `match(…, reply: true)` returns, the buffered
    /// packet list, the matched NFS op.
    @exclusivity(unchecked)
    var matching = PkttMatching()
    /// The errors iterating as a `Sequence` passed over (a damaged or cut file), in order.
    public internal(set) var errors: [Error] = []
    /// Live mode: at the end of the files, wait for them to grow (the seed's `live=True`).
    public let live: Bool
    /// In live mode, how long to wait without a new record before `next()` reports the end.
    public let liveTimeout: Double

    /// Opens every file now, so a missing or unreadable one is reported before any output.
    /// `depth`: how far to decode (all of it unless asked otherwise, e.g. to measure a layer).
    /// `relativeSequenceNumbers`: make TCP sequence numbers relative to each direction's first
    /// (for display; counting needs none of it). `limits`: every bound on the state kept.
    /// `rewindable`: keep what `rewind(to:)` needs (every record's offset and a snapshot of the
    /// pipeline every few hundred packets), as the seed's users expect; a program that only
    /// reads forward (`pktt show`) turns it off.
    /// `live`: at the end of the files, wait for them to grow (a capture tcpdump is still
    /// writing), checking every `livePoll` seconds, and report the end only after `liveTimeout`
    /// seconds without a new record; a half-written record is decoded once it is whole.
    public init(files: [String], keepIndex: Bool = false, depth: DecodeDepth = .all,
                relativeSequenceNumbers: Bool = true, limits: Limits = .init(), rewindable: Bool = true,
                live: Bool = false, liveTimeout: Double = .infinity) throws {
        self.files = files
        self.live = live
        self.liveTimeout = liveTimeout
        reader = try MergedCaptureReader(paths: files, keepIndex: keepIndex || rewindable)
        state = .allocate(capacity: 1)
        state.initialize(to: PacketPipeline(limits: limits, depth: depth,
                                            relativeSequenceNumbers: relativeSequenceNumbers))
        if rewindable { checkpoints = PkttCheckpoints(start: state.pointee, position: reader.position) }
    }

    /// One file (`Pktt(file)`, as the seed's `Pktt(tfile)`).
    public convenience init(_ file: String) throws {
        try self.init(files: [file])
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The current packet, reused from one `next()` to the next.
    public var packet: Packet { state.pointee.packet }
    public var record: PacketRecord { state.pointee.record }
    public var statistics: TraceStatistics {
        var s = state.pointee.statistics
        s.fileErrors = fileErrors
        s.truncatedFiles = reader.truncatedTails.count
        s.clampedTimes = reader.clampedTimes
        return s
    }
    /// The pipeline behind the trace, for its tables' counters.
    public var pipeline: PacketPipeline { state.pointee }
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
        if matching.packetList != nil { return matching.nextListed() }
        if let r = current, state.pointee.moreMessages, state.pointee.nextMessage(r.data) { return true }
        current = nil
        // between frames: the moment a snapshot can be taken and later resumed from
        if let due = checkpoints?.isDue(state.pointee.nextIndex), due {
            checkpoints?.reached(state.pointee, position: reader.position, fileErrors: fileErrors)
        }
        let captured: CaptureRecord?
        do {
            captured = try reader.next()
        } catch {
            fileErrors += 1
            throw error
        }
        var waitedFor: CaptureRecord?
        if captured == nil && live { waitedFor = try waitForRecord() }
        guard let r = captured ?? waitedFor else { return false }
        current = r
        state.pointee.take(r.data, linkType: r.linkType, record: PacketRecord(r))
        return true
    }

    /// The bytes `packet.payload` refers to: the frame, or the reassembled datagram. Valid until
    /// the next call to `next()`.
    public func withPayloadBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try state.pointee.withPayloadBytes(frame: frameBytes, body)
    }

    /// The bytes of the current RPC message and its range in them (`packet.rpc`'s byte ranges
    /// point into these); an empty buffer when the packet has no RPC layer.
    public func withMessageBytes<T>(_ body: (UnsafeRawBufferPointer, ByteRange) throws -> T) rethrows -> T {
        try state.pointee.withMessageBytes(frame: frameBytes, body)
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

    /// How often live mode looks at the files again.
    static let livePoll = 0.05

    /// Live mode at the end of the files: the next record once one is there, nil after
    /// `liveTimeout` seconds without one.
    private func waitForRecord() throws -> CaptureRecord? {
        var waited = 0.0
        while waited < liveTimeout {
            usleep(UInt32(Self.livePoll * 1_000_000))
            waited += Self.livePoll
            reader.retryEnded()
            do {
                if let r = try reader.next() { return r }
            } catch {
                fileErrors += 1
                throw error
            }
        }
        return nil
    }
}

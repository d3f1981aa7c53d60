import Decode

/// Where a reassembled RPC message's bytes are.
public enum RPCMessageSource: Sendable, Equatable {
    /// In the current frame (or reassembled datagram) at this range: no copy was made.
    case frame(ByteRange)
    /// In `RPCTracker.record`, from byte 0: it spanned segments or fragments (or RDMA packets).
    case record(count: Int)
}

/// One direction of a TCP connection carrying RPC record marking (RFC 5531 section 11): record
/// marks, fragments, records spanning segments, several records per segment, retransmissions,
/// out-of-order segments, gaps and resynchronisation. Everything it holds is bounded.
struct RPCStreamDirection {
    enum State: UInt8 {
        /// Where the next record mark lies is unknown (joined mid-stream, or after a gap).
        case unsynced
        /// Reading a 4-byte record mark (`markHave` of it read so far).
        case mark
        /// Reading `fragmentRemaining` more bytes of a fragment.
        case fragment
    }

    enum Kind: UInt8 { case unknown, rpc, other }

    var kind = Kind.unknown
    /// Data segments seen while the kind was unknown.
    var classifyAttempts = 0
    var state = State.unsynced
    var haveSeq = false
    /// The next sequence number expected in order.
    var nextSeq: UInt32 = 0
    var lastSeen: Int64 = 0
    /// Data has been taken from this direction (a later SYN inside it is not a new stream).
    var sawData = false
    /// The peer acknowledged up to `releaseUntil`: holes before it are lost, not late.
    var releasing = false
    var releaseUntil: UInt32 = 0

    var markValue: UInt32 = 0
    var markHave = 0
    var fragmentRemaining = 0
    var fragmentIsLast = false

    /// The record being assembled: bytes kept (at most `limits.maximumRecordBytes`).
    var record: [UInt8] = []
    var recordInProgress = false
    var recordFragments = 0
    /// Bytes of the record so far, kept or not.
    var recordLength = 0
    /// Bytes lost inside the record (snaplen or gap): after the first loss nothing more is
    /// kept, since later bytes would land at the wrong offsets.
    var recordMissing = 0
    /// The record was delivered early, truncated; the rest of it is only counted.
    var recordEmitted = false

    /// Segments that arrived ahead of `nextSeq`, waiting for the hole before them to fill.
    var queue: [QueuedSegment] = []
    var queuedBytes = 0
    /// What this direction counts against the reassembly budget (record capacity + queued bytes).
    var accountedBytes = 0

    struct QueuedSegment {
        var seq: UInt32
        var bytes: [UInt8]
        /// Payload bytes on the wire (more than `bytes.count` when the snaplen cut it).
        var wireLength: Int
        var fin: Bool
        /// When and where it was captured, for the messages it completes.
        var time: Int64
        var frame: Int
        var fileIndex: Int
    }

    mutating func resetRecord() {
        record.removeAll(keepingCapacity: record.capacity <= 1 << 16)
        recordInProgress = false
        recordFragments = 0
        recordLength = 0
        recordMissing = 0
        recordEmitted = false
    }
}

/// Caps and counters of RPC stream reassembly.
public struct RPCStreamLimits: Sendable {
    /// A record's bytes kept for decoding; the rest of a longer record is counted, not kept.
    /// Above Linux's 1 MiB NFS payloads plus headers.
    public var maximumRecordBytes = (1 << 20) + (1 << 16)
    /// A record mark announcing more than this is not believed (lost sync).
    public var maximumFragmentLength = 1 << 26
    /// Out-of-order segments held per direction before the hole is declared lost.
    public var maximumQueuedSegments = 64
    public var maximumQueuedBytes = 1 << 20
    /// Data segments tried as RPC before a connection on an unknown port is left alone.
    public var classifyAttempts = 8
    public init() {}
}

public struct RPCStreamStatistics: Sendable, Equatable {
    /// Records completed, and those that came in several fragments.
    public var records = 0
    public var multiFragmentRecords = 0
    /// Segments (or their parts) already seen: retransmissions and overlaps.
    public var retransmittedSegments = 0
    public var outOfOrderSegments = 0
    /// Holes in a stream given up on, and the bytes they cost.
    public var gaps = 0
    public var gapBytes = 0
    /// Bytes missing because the snaplen cut the segments.
    public var snaplenBytes = 0
    /// Times a stream found its record marks again after losing them, and bytes skipped to.
    public var resyncs = 0
    public var skippedBytes = 0
    /// Record marks that could not be right (length beyond the cap): sync lost.
    public var badRecordMarks = 0
    /// Records longer than `maximumRecordBytes`, kept only in part.
    public var clippedRecords = 0
    /// Records cut by a gap or the snaplen, delivered as far as they go.
    public var truncatedRecords = 0
    /// Partial records thrown away when their continuation was lost.
    public var droppedRecords = 0
    public init() {}
}

/// One RDMA segment (RFC 8166 §4.2.1: `xdr_rdma_segment`): a registered memory region.
public struct RDMASegment: Sendable, Equatable {
    public var handle: UInt32 = 0
    public var length: UInt32 = 0
    public var offset: UInt64 = 0
    public init() {}
    public init(handle: UInt32, length: UInt32, offset: UInt64) {
        self.handle = handle
        self.length = length
        self.offset = offset
    }
}

/// Caps on an RPC-over-RDMA header's lists, so a bad count cannot make the decoder loop long.
public enum RPCoRDMALimits {
    /// Read segments in the read list.
    public static let maximumReadSegments = 64
    /// Write chunks in the write list.
    public static let maximumWriteChunks = 16
    /// Segments in one write chunk or in the reply chunk.
    public static let maximumSegmentsPerChunk = 64
    /// Reply chunk segments kept in the header struct (the rest are counted only).
    public static let keptReplySegments = 16
}

/// RPC-over-RDMA version 1 transport header (RFC 8166 §4, RFC 5666 for RDMA_MSGP).
public struct RPCoRDMA: Sendable {
    public var xid: UInt32 = 0
    public var version: UInt32 = 0
    public var credit: UInt32 = 0
    public var procedure: UInt32 = 0
    /// Read list entries (read segments, each with its XDR position).
    public var readSegments = 0
    /// Read segments at XDR position 0: the whole RPC message is in them (RDMA_NOMSG call).
    public var positionZeroReads = 0
    /// Write list: chunks and their segments in all.
    public var writeChunks = 0
    public var writeSegments = 0
    /// The reply chunk, when present, and its segments.
    public var hasReplyChunk = false
    public var replySegmentCount = 0
    /// The first `RPCoRDMALimits.keptReplySegments` reply chunk segments.
    public var replySegments = InlineArray<16, RDMASegment>(repeating: RDMASegment())
    /// RDMA_MSGP: alignment and threshold.
    public var align: UInt32 = 0
    public var threshold: UInt32 = 0
    /// RDMA_ERROR: the error code, and for ERR_VERS the versions supported.
    public var errorCode: UInt32 = 0
    public var versionLow: UInt32 = 0
    public var versionHigh: UInt32 = 0
    /// Bytes of this header; for RDMA_MSG the RPC message follows at `message`.
    public var headerLength = 0
    public var message = ByteRange.empty

    public init() {}

    public static let msg: UInt32 = 0
    public static let nomsg: UInt32 = 1
    public static let msgp: UInt32 = 2
    public static let done: UInt32 = 3
    public static let error: UInt32 = 4

    public static func procedureName(_ proc: UInt32) -> String {
        switch proc {
        case msg: "RDMA_MSG"
        case nomsg: "RDMA_NOMSG"
        case msgp: "RDMA_MSGP"
        case done: "RDMA_DONE"
        case error: "RDMA_ERROR"
        default: "proc \(proc)"
        }
    }

    public var procedureName: String { Self.procedureName(procedure) }
}

/// Decodes the RPC-over-RDMA header.
public enum RPCoRDMADecoder {
    /// The fixed part: xid, version, credit, procedure.
    public static let fixedLength = 16

    /// Whether the bytes at `offset` look like an RPC-over-RDMA v1 header (version 1, a known
    /// procedure), before any list is read.
    public static func looksLikeHeader(_ b: UnsafeRawBufferPointer, at offset: Int, end: Int) -> Bool {
        guard offset >= 0, end <= b.count, end - offset >= fixedLength + 12 || (end - offset >= fixedLength + 4
            && b.u32(offset + 12) == RPCoRDMA.error) else { return false }
        return b.u32(offset + 4) == 1 && b.u32(offset + 12) <= RPCoRDMA.error
    }

    /// Decodes the header at `range` of `b` into `h`. Throws `.shortData` when the bytes end
    /// inside it, `.badVersion` for a version other than 1, `.badValue` for an unknown procedure,
    /// `.tooLong` when a list is longer than `RPCoRDMALimits` allows.
    public static func decode(_ b: UnsafeRawBufferPointer, range: ByteRange, into h: inout RPCoRDMA) throws(DecodeError) {
        let end = range.end
        guard range.offset >= 0, end <= b.count else { throw DecodeError(.shortData, layer: .rpcordma, offset: range.offset) }
        var c = range.offset
        func need(_ n: Int) throws(DecodeError) {
            guard end - c >= n else { throw DecodeError(.shortData, layer: .rpcordma, offset: c) }
        }
        func word() throws(DecodeError) -> UInt32 {
            try need(4)
            defer { c += 4 }
            return b.u32(c)
        }
        func segment() throws(DecodeError) -> RDMASegment {
            try need(16)
            defer { c += 16 }
            return RDMASegment(handle: b.u32(c), length: b.u32(c + 4), offset: b.u64(c + 8))
        }
        h = RPCoRDMA()
        h.xid = try word()
        h.version = try word()
        h.credit = try word()
        let procAt = c
        h.procedure = try word()
        guard h.version == 1 else { throw DecodeError(.badVersion, layer: .rpcordma, offset: range.offset + 4) }
        guard h.procedure <= RPCoRDMA.error else { throw DecodeError(.badValue, layer: .rpcordma, offset: procAt) }
        if h.procedure == RPCoRDMA.error {
            h.errorCode = try word()
            switch h.errorCode {
            case 1:  // ERR_VERS
                h.versionLow = try word()
                h.versionHigh = try word()
            case 2:  // ERR_CHUNK
                break
            default:
                throw DecodeError(.badValue, layer: .rpcordma, offset: c - 4)
            }
            h.headerLength = c - range.offset
            return
        }
        // Read list: optional-data entries {position, segment}.
        while true {
            let at = c
            let more = try word()
            if more == 0 { break }
            guard more == 1 else { throw DecodeError(.badValue, layer: .rpcordma, offset: at) }
            guard h.readSegments < RPCoRDMALimits.maximumReadSegments else {
                throw DecodeError(.tooLong, layer: .rpcordma, offset: at)
            }
            let position = try word()
            _ = try segment()
            h.readSegments += 1
            if position == 0 { h.positionZeroReads += 1 }
        }
        // Write list: optional-data entries, each a counted array of segments.
        while true {
            let at = c
            let more = try word()
            if more == 0 { break }
            guard more == 1 else { throw DecodeError(.badValue, layer: .rpcordma, offset: at) }
            guard h.writeChunks < RPCoRDMALimits.maximumWriteChunks else {
                throw DecodeError(.tooLong, layer: .rpcordma, offset: at)
            }
            let countAt = c
            let count = Int(try word())
            guard count <= RPCoRDMALimits.maximumSegmentsPerChunk else {
                throw DecodeError(.tooLong, layer: .rpcordma, offset: countAt)
            }
            try need(16 * count)
            c += 16 * count
            h.writeChunks += 1
            h.writeSegments += count
        }
        // Reply chunk: optional, a counted array of segments.
        let at = c
        let present = try word()
        switch present {
        case 0:
            break
        case 1:
            h.hasReplyChunk = true
            let countAt = c
            let count = Int(try word())
            guard count <= RPCoRDMALimits.maximumSegmentsPerChunk else {
                throw DecodeError(.tooLong, layer: .rpcordma, offset: countAt)
            }
            h.replySegmentCount = count
            for i in 0..<count {
                let s = try segment()
                if i < RPCoRDMALimits.keptReplySegments { h.replySegments[i] = s }
            }
        default:
            throw DecodeError(.badValue, layer: .rpcordma, offset: at)
        }
        if h.procedure == RPCoRDMA.msgp {
            h.align = try word()
            h.threshold = try word()
        }
        h.headerLength = c - range.offset
        if h.procedure == RPCoRDMA.msg {
            h.message = ByteRange(offset: c, count: end - c)
        }
    }
}

extension PacketDecoder {
    /// The RPC-over-RDMA header at the start of a SEND's payload, when it looks like one. In a
    /// SEND First the header may go on in the next packet: that is not an error.
    static func decodeRPCoRDMA(_ b: UnsafeRawBufferPointer, into p: inout Packet) {
        let r = p.payload
        guard RPCoRDMADecoder.looksLikeHeader(b, at: r.offset, end: r.end) else { return }
        do throws(DecodeError) {
            try RPCoRDMADecoder.decode(b, range: r, into: &p.rpcordma)
            p.layers.add(.rpcordma)
        } catch {
            let whole = p.infiniband.endsSend && !p.truncated
            if whole || error.code != .shortData {
                p.error = error
            }
        }
    }
}

import Decode

/// The seed's `record` layer: where a packet came from and when; the header catalogue's
/// `record.*` fields read it (`RecordFields`).
public struct PacketRecord: Sendable, RecordFields {
    /// 1-based frame number within its file.
    public var frame = 0
    /// 0-based packet index across all files of the trace (the seed's `record.index`; later
    /// several RPC messages of one frame each get their own index).
    public var index = 0
    public var seconds: Int64 = 0
    public var nanoseconds: UInt32 = 0
    /// Bytes captured (the seed's `length_inc`) and bytes on the wire (`length_orig`).
    public var lengthIncluded = 0
    public var lengthOriginal = 0
    /// Which file of the trace, and where in it the record header starts.
    public var fileIndex = 0
    public var fileOffset: Int64 = 0
    /// The file's time for this record could not be represented and was clamped to the edge of
    /// the readers' window (`CaptureRecord.timeClamped`).
    public var timeClamped = false

    public init() {}

    public var truncated: Bool { lengthIncluded < lengthOriginal }

    /// Nanoseconds since the Unix epoch. A reader's times lie within ±2^62 ns, so this and the
    /// difference of two never overflow; a time set by hand outside saturates, never wraps.
    public var time: Int64 { SaturatingTime.nanoseconds(seconds: seconds, nanoseconds: nanoseconds) }
}

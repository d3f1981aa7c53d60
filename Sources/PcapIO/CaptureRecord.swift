/// One capture record, borrowed from the reader that produced it.
///
/// `data` points into the reader's buffer and is valid only until the next call to that
/// reader's `next()`; copy what must outlive it.
public struct CaptureRecord {
    /// The captured bytes (`capturedLength` of them).
    public var data: UnsafeRawBufferPointer
    /// Seconds since the Unix epoch, within `CaptureTime`'s window (about 1823–2116); a time
    /// that lay outside is clamped to its edge (`timeClamped`).
    public var seconds: Int64
    /// Nanoseconds within `seconds` (0..<1_000_000_000), whatever the file's resolution.
    public var nanoseconds: UInt32
    /// Bytes captured (incl_len); equals `data.count`.
    public var capturedLength: Int
    /// Bytes on the wire (orig_len); larger than `capturedLength` when the snaplen cut the packet.
    public var originalLength: Int
    /// The link-layer header type (a LINKTYPE_* value: 1 Ethernet, 113 SLL, 276 SLL2, …).
    public var linkType: UInt32
    /// 1-based number of this record within its file.
    public var frame: Int
    /// Byte offset of the record's header within its (decompressed) file.
    public var fileOffset: Int64
    /// Which of the files given to a merging reader this record came from (0 for a single file).
    public var fileIndex: Int
    /// pcapng: the interface (IDB index within its section) that captured the record; 0 for
    /// pcap and snoop.
    public var interfaceID: Int = 0

    public init(data: UnsafeRawBufferPointer, seconds: Int64, nanoseconds: UInt32, capturedLength: Int,
                originalLength: Int, linkType: UInt32, frame: Int, fileOffset: Int64, fileIndex: Int) {
        self.data = data
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.linkType = linkType
        self.frame = frame
        self.fileOffset = fileOffset
        self.fileIndex = fileIndex
    }

    /// True when the snaplen cut the packet short.
    public var isTruncated: Bool { capturedLength < originalLength }

    /// True when the file's time for this record could not be represented and was clamped to
    /// the edge of `CaptureTime`'s window. Told by the time itself, so every copy of
    /// `seconds` and `nanoseconds` carries it.
    public var timeClamped: Bool { CaptureTime.isClamped(seconds: seconds, nanoseconds: nanoseconds) }

    /// Nanoseconds since the Unix epoch; exact, and below 2^62 in magnitude.
    public var time: Int64 { CaptureTime.nanoseconds(seconds: seconds, nanoseconds: nanoseconds) }
}

/// Reads one capture file (pcap, pcapng or snoop, optionally gzip-compressed) record by record.
///
/// ```swift
/// let reader = try CaptureReader(path: "nfs.pcap")
/// while let record = try reader.next() {
///     decode(record.data)          // valid until the next call to next()
/// }
/// if let tail = reader.truncatedTail { print("stopped before a partial record:", tail) }
/// ```
///
/// The file is read in large chunks into one reused buffer and each record is handed out in
/// place: no allocation per record. A last record cut short (a file still being written) ends
/// the records with `nil` and sets `truncatedTail`; calling `next()` again reads on if the file
/// has grown. A corrupt record header throws a `CaptureError` naming the byte offset, after
/// every good record before it.
public final class CaptureReader {
    /// The largest record accepted; a larger captured length means a corrupt header. (Wireshark
    /// refuses anything over 256 KiB for most link types; some writers exceed their snaplen, so
    /// only absurd lengths are refused.)
    public static let maximumRecordLength = 16 << 20
    /// pcapng: a packet of the largest size plus room for its options and other blocks' data.
    static let maximumBlockLength = maximumRecordLength + (1 << 20)
    static let defaultBufferSize = 1 << 20

    /// The path the file was opened with.
    public let path: String
    /// The container format, told by the magic number.
    public let format: CaptureFormat
    /// Whether the record offset index (`seek(toFrame:)` to any frame seen) is kept.
    public let keepIndex: Bool

    let state: UnsafeMutablePointer<CaptureFileReader>

    /// Opens `path` and reads its file header (pcapng: its first section header block).
    ///
    /// - Parameter keepIndex: keep every record's offset (about 4 bytes a record) so that
    ///   `seek(toFrame:)` can go back to any frame seen; without it only frame 1 and the next
    ///   unseen frame can be sought.
    public convenience init(path: String, keepIndex: Bool = true) throws(CaptureError) {
        try self.init(path: path, keepIndex: keepIndex, bufferSize: Self.defaultBufferSize)
    }

    /// `bufferSize` is the size of each read; tests make it tiny so records cross chunk ends.
    init(path: String, keepIndex: Bool, bufferSize: Int) throws(CaptureError) {
        let reader = try CaptureFileReader(path: path, keepIndex: keepIndex, bufferSize: bufferSize)
        self.path = path
        self.format = reader.format
        self.keepIndex = keepIndex
        state = .allocate(capacity: 1)
        state.initialize(to: reader)
    }

    deinit {
        state.pointee.chunk.release()
        state.pointee.index.release()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The next record, or nil at the end of the file (see `truncatedTail`).
    ///
    /// The record's `data` points into the reader's buffer and stays valid until the next call
    /// to `next()`, `seek(toFrame:)` or `rewind()`.
    @inline(__always)
    public func next() throws(CaptureError) -> CaptureRecord? {
        try state.pointee.next()
    }

    /// Goes back (or forward) so that the next `next()` returns frame `frame` (1-based).
    ///
    /// Any frame up to `recordCount + 1` when the index is kept; otherwise frame 1 and
    /// `recordCount + 1`. For gzip files zlib inflates again from the start to go back.
    /// Clears `truncatedTail` and a previous failure.
    public func seek(toFrame frame: Int) throws(CaptureError) {
        try state.pointee.seek(toFrame: frame)
    }

    /// Starts again from the first record.
    public func rewind() throws(CaptureError) {
        try seek(toFrame: 1)
    }

    /// The partial record the reader stopped before, when the last `next()` returned nil there.
    public var truncatedTail: TruncatedTail? { state.pointee.truncatedTail }

    /// Records seen so far (the highest frame number delivered).
    public var recordCount: Int { state.pointee.recordCount }

    /// Records seen so far whose time could not be represented and was clamped into
    /// `CaptureTime`'s window (`CaptureRecord.timeClamped`).
    public var clampedTimes: Int { state.pointee.clampedTimes }

    /// Whether the file is gzip-compressed (read through zlib).
    public var isGzip: Bool { state.pointee.chunk.source.isGzip }

    /// The link-layer type of every record (a LINKTYPE_* value), for pcap and snoop; nil for
    /// pcapng, where each interface has its own (`interfaces`).
    public var linkType: UInt32? { format == .pcapng ? nil : state.pointee.fileLinkType }

    /// The pcap file header's snaplen; nil for pcapng (per interface) and snoop (none).
    public var snapLength: UInt32? { format == .pcap ? state.pointee.fileSnapLength : nil }

    /// pcap: 10^-6 or 10^-9 from the magic; snoop: 10^-6; pcapng: nil (per interface).
    public var timestampResolution: TimestampResolution? {
        switch format {
        case .pcap: state.pointee.pcapNanoseconds ? .nanoseconds : .microseconds
        case .snoop: .microseconds
        case .pcapng: nil
        }
    }

    /// pcapng: the interfaces of the current section, indexed by `CaptureRecord.interfaceID`.
    public var interfaces: [CaptureInterface] { state.pointee.interfaceTable }

    /// Bytes of the (decompressed) stream consumed: the offset just past the last record.
    public var bytesRead: Int64 { state.pointee.chunk.offset }

    /// Bytes of the file on disk read so far (compressed bytes for gzip), for a progress bar.
    public var compressedBytesRead: Int64 {
        state.pointee.chunk.source.compressedOffset ?? state.pointee.chunk.sourceOffset
    }

    /// The size of the file on disk now (compressed size for gzip); nil for pipes and devices.
    public var fileSize: Int64? { state.pointee.chunk.source.fileSize }
}

extension CaptureReader: CustomStringConvertible {
    public var description: String {
        "CaptureReader(\(path), \(format)\(isGzip ? ", gzip" : ""), \(recordCount) records read)"
    }
}

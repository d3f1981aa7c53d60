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
    /// The partial record the reader stopped before, when the last `next()` returned nil there.
    public private(set) var truncatedTail: TruncatedTail?
    /// Records seen so far (the highest frame number delivered).
    public private(set) var recordCount = 0

    var chunk: ChunkBuffer
    /// The file's (pcapng: the current section's) byte order differs from the host's.
    var swapped = false
    var nextFrame = 1
    /// Where the search for record `recordCount + 1` starts.
    var frontierOffset: Int64 = 0
    var index = RecordOffsetIndex()
    /// A failure is final until `seek`: later `next()` calls throw it again.
    var failure: CaptureError?

    // pcap and snoop: from the file header.
    var fileLinkType: UInt32 = 0
    var fileSnapLength: UInt32 = 0
    var pcapNanoseconds = false

    // pcapng: every section seen, in file order, and the current one's interfaces.
    var sections: [PcapngSection] = []
    var sectionIndex = 0
    var interfaceTable: [CaptureInterface] = []

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
        var chunk = ChunkBuffer(source: try ByteSource.opening(path: path), path: path, capacity: bufferSize)
        let format: CaptureFormat
        do {
            format = try Self.detectFormat(&chunk)
        } catch {
            chunk.release()
            throw error
        }
        self.path = path
        self.format = format
        self.keepIndex = keepIndex
        self.chunk = chunk
        switch format {
        case .pcap: try readPcapFileHeader()
        case .pcapng: try readFirstSectionHeader()
        case .snoop: try readSnoopFileHeader()
        }
        frontierOffset = self.chunk.offset
    }

    deinit {
        chunk.release()
    }

    /// Whether the file is gzip-compressed (read through zlib).
    public var isGzip: Bool { chunk.source.isGzip }

    /// The link-layer type of every record (a LINKTYPE_* value), for pcap and snoop; nil for
    /// pcapng, where each interface has its own (`interfaces`).
    public var linkType: UInt32? { format == .pcapng ? nil : fileLinkType }

    /// The pcap file header's snaplen; nil for pcapng (per interface) and snoop (none).
    public var snapLength: UInt32? { format == .pcap ? fileSnapLength : nil }

    /// pcap: 10^-6 or 10^-9 from the magic; snoop: 10^-6; pcapng: nil (per interface).
    public var timestampResolution: TimestampResolution? {
        switch format {
        case .pcap: pcapNanoseconds ? .nanoseconds : .microseconds
        case .snoop: .microseconds
        case .pcapng: nil
        }
    }

    /// pcapng: the interfaces of the current section, indexed by `CaptureRecord.interfaceID`.
    public var interfaces: [CaptureInterface] { interfaceTable }

    /// Bytes of the (decompressed) stream consumed: the offset just past the last record.
    public var bytesRead: Int64 { chunk.offset }

    /// Bytes of the file on disk read so far (compressed bytes for gzip), for a progress bar.
    public var compressedBytesRead: Int64 { chunk.source.compressedOffset ?? chunk.sourceOffset }

    /// The size of the file on disk now (compressed size for gzip); nil for pipes and devices.
    public var fileSize: Int64? { chunk.source.fileSize }

    /// The next record, or nil at the end of the file (see `truncatedTail`).
    ///
    /// The record's `data` points into the reader's buffer and stays valid until the next call
    /// to `next()`, `seek(toFrame:)` or `rewind()`.
    public func next() throws(CaptureError) -> CaptureRecord? {
        if let failure { throw failure }
        truncatedTail = nil
        do {
            switch format {
            case .pcap: return try nextPcapRecord()
            case .pcapng: return try nextPcapngRecord()
            case .snoop: return try nextSnoopRecord()
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Goes back (or forward) so that the next `next()` returns frame `frame` (1-based).
    ///
    /// Any frame up to `recordCount + 1` when the index is kept; otherwise frame 1 and
    /// `recordCount + 1`. For gzip files zlib inflates again from the start to go back.
    /// Clears `truncatedTail` and a previous failure.
    public func seek(toFrame frame: Int) throws(CaptureError) {
        let offset: Int64
        if frame == recordCount + 1 {
            offset = frontierOffset
        } else if keepIndex, frame >= 1, frame <= recordCount {
            offset = index[frame - 1]
        } else if frame == 1 {
            offset = firstBlockOffset
        } else {
            throw CaptureError(.frameNotAvailable, path: path, offset: nil,
                               keepIndex ? "frame \(frame) is not among the \(recordCount) frames read so far"
                                         : "frame \(frame) cannot be sought without the record index")
        }
        try chunk.reposition(to: offset)
        if format == .pcapng { restoreSection(at: offset) }
        nextFrame = frame
        truncatedTail = nil
        failure = nil
    }

    /// Starts again from the first record.
    public func rewind() throws(CaptureError) {
        try seek(toFrame: 1)
    }

    // MARK: shared by the formats

    /// Where the first record's search starts: just past the file header (pcapng: the start,
    /// so that the first section header is read again).
    var firstBlockOffset: Int64 {
        switch format {
        case .pcap: PcapFile.fileHeaderLength
        case .snoop: SnoopFile.fileHeaderLength
        case .pcapng: 0
        }
    }

    /// Consumes a record of `length` bytes that started at `offset` and numbers it.
    @inline(__always)
    func finishRecord(at offset: Int64, length: Int) -> Int {
        chunk.consume(length)
        let frame = nextFrame
        nextFrame = frame &+ 1
        if frame > recordCount { noteNewRecord(frame, at: offset) }
        return frame
    }

    private func noteNewRecord(_ frame: Int, at offset: Int64) {
        recordCount = frame
        if keepIndex { index.append(offset) }
        frontierOffset = chunk.offset
    }

    /// The end of the records for now: remembers a partial record, if there is one.
    func endOfRecords(needing length: Int) -> CaptureRecord? {
        let present = chunk.available
        if present > 0 {
            truncatedTail = TruncatedTail(path: path, offset: chunk.offset, bytesPresent: present,
                                          bytesNeeded: max(length, present + 1))
        }
        return nil
    }

    func corrupt(_ message: String, at offset: Int64) -> CaptureError {
        CaptureError(.corruptRecord, path: path, offset: offset, message)
    }

    /// Tells the format from the magic number without consuming it.
    private static func detectFormat(_ chunk: inout ChunkBuffer) throws(CaptureError) -> CaptureFormat {
        guard try chunk.require(4) else {
            throw CaptureError(.truncatedHeader, path: chunk.path, offset: 0,
                               "file holds \(chunk.available) bytes, too few for a capture file header")
        }
        let magic = UInt32(bigEndian: chunk.current.loadUnaligned(as: UInt32.self))
        switch magic {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1:
            return .pcap
        case PcapngBlockType.sectionHeader:
            return .pcapng
        case 0x736E_6F6F:  // "snoo"; the rest of "snoop\0\0\0" is checked with the header
            return .snoop
        case 0xA1B2_CD34, 0x34CD_B2A1:
            throw CaptureError(.unsupportedFormat, path: chunk.path, offset: 0,
                               "modified (Kuznetsov) pcap format is not supported; convert it with editcap")
        default:
            let compression: String? = switch magic {
            case _ where magic >> 8 == 0x425A68: "bzip2"            // "BZh"
            case 0xFD37_7A58: "xz"
            case 0x28B5_2FFD: "zstd"
            case 0x0422_4D18: "lz4"
            case _ where magic >> 16 == 0x1F8B: "gzip (twice)"
            default: nil
            }
            if let compression {
                throw CaptureError(.unsupportedFormat, path: chunk.path, offset: 0,
                                   "\(compression)-compressed file; decompress it first (gzip is read directly)")
            }
            let hex = String(magic, radix: 16, uppercase: false)
            throw CaptureError(.notACapture, path: chunk.path, offset: 0,
                               "magic number 0x\(String(repeating: "0", count: 8 - hex.count))\(hex) is not pcap, pcapng or snoop")
        }
    }
}

extension CaptureReader: CustomStringConvertible {
    public var description: String {
        "CaptureReader(\(path), \(format)\(isGzip ? ", gzip" : ""), \(recordCount) records read)"
    }
}

/// The state and record parsing of one capture file, behind `CaptureReader`.
///
/// It is a struct reached through a pointer the class owns: methods of a class mutating its
/// own stored properties pay a dynamic exclusivity check per access, which cost more than the
/// whole of a pcap record's parsing; a mutating struct method is checked at compile time.
struct CaptureFileReader {
    let path: String
    let format: CaptureFormat
    let keepIndex: Bool
    var chunk: ChunkBuffer
    /// The file's (pcapng: the current section's) byte order differs from the host's.
    var swapped = false
    var nextFrame = 1
    var recordCount = 0
    /// Where the search for record `recordCount + 1` starts.
    var frontierOffset: Int64 = 0
    var index = RecordOffsetIndex()
    var truncatedTail: TruncatedTail?
    /// Records whose time lay outside `CaptureTime`'s window and was clamped (each counted once,
    /// however often the reader goes back over it).
    var clampedTimes = 0
    /// A failure is final until a seek: later `next()` calls throw it again.
    var failure: CaptureError?

    // pcap and snoop: from the file header.
    var fileLinkType: UInt32 = 0
    var fileSnapLength: UInt32 = 0
    var pcapNanoseconds = false

    // pcapng: every section seen, in file order, and the current one's interfaces.
    var sections: [PcapngSection] = []
    var sectionIndex = 0
    var interfaceTable: [CaptureInterface] = []

    /// Opens the file, tells its format and reads its file header.
    init(path: String, keepIndex: Bool, bufferSize: Int) throws(CaptureError) {
        var chunk = try ChunkBuffer(opening: path, capacity: bufferSize)
        do {
            format = try Self.detectFormat(&chunk)
        } catch {
            chunk.release()
            throw error
        }
        self.path = path
        self.keepIndex = keepIndex
        self.chunk = chunk
        do {
            switch format {
            case .pcap: try readPcapFileHeader()
            case .pcapng: try readFirstSectionHeader()
            case .snoop: try readSnoopFileHeader()
            }
        } catch {
            self.chunk.release()
            throw error
        }
        frontierOffset = self.chunk.offset
    }

    @inline(__always)
    mutating func next() throws(CaptureError) -> CaptureRecord? {
        if failure != nil || truncatedTail != nil {
            if let failure { throw failure }
            truncatedTail = nil
        }
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

    mutating func seek(toFrame frame: Int) throws(CaptureError) {
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
    mutating func finishRecord(at offset: Int64, length: Int) -> Int {
        chunk.consume(length)
        let frame = nextFrame
        nextFrame = frame &+ 1
        if frame > recordCount {
            recordCount = frame
            if keepIndex { index.append(offset) }
            frontierOffset = chunk.offset
        }
        return frame
    }

    /// The end of the records for now: remembers a partial record, or a gzip stream cut short
    /// after the last whole one, if there is one.
    mutating func endOfRecords(needing length: Int) -> CaptureRecord? {
        let present = chunk.available
        let cut = chunk.source.gzipCut
        if present > 0 || cut != nil {
            var tail = TruncatedTail(path: path, offset: chunk.offset, bytesPresent: present,
                                     bytesNeeded: present > 0 ? max(length, present + 1) : 0)
            tail.gzipCut = cut
            tail.compressedOffset = chunk.source.compressedOffset
            truncatedTail = tail
        }
        return nil
    }

    /// The file ended inside its file header: how many bytes it held, and the gzip stream's
    /// cut when that is why.
    func fileHeaderCut(inside what: String) -> CaptureError {
        var message = "file ends after \(chunk.available) bytes, inside \(what)"
        if let cut = chunk.source.gzipCut { message += ": \(cut)" }
        return CaptureError(.truncatedHeader, path: path, offset: 0, message)
    }

    func corrupt(_ message: String, at offset: Int64) -> CaptureError {
        CaptureError(.corruptRecord, path: path, offset: offset, message)
    }

    /// Tells the format from the magic number without consuming it.
    private static func detectFormat(_ chunk: inout ChunkBuffer) throws(CaptureError) -> CaptureFormat {
        guard try chunk.require(4) else {
            // Nothing inflated at all: the gzip header (or the first block) is what is missing.
            if chunk.available == 0, chunk.source.gzipCut == .header {
                throw CaptureError(.truncatedHeader, path: chunk.path, offset: 0,
                                   "gzip header cut short: the file ends after \(chunk.source.compressedOffset ?? 0) bytes")
            }
            var message = "file holds \(chunk.available) bytes, too few for a capture file header"
            if let cut = chunk.source.gzipCut { message += ": \(cut)" }
            throw CaptureError(.truncatedHeader, path: chunk.path, offset: 0, message)
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
            case _ where magic >> 8 == 0x425A68: "bzip2"  // "BZh"
            case 0xFD37_7A58: "xz"
            case 0x28B5_2FFD: "zstd"
            case 0x0422_4D18: "lz4"
            default: nil
            }
            if magic >> 16 == 0x1F8B {  // only reached inside a gzip stream
                throw CaptureError(.unsupportedFormat, path: chunk.path, offset: 0,
                                   "compressed twice with gzip; decompress it once first (one layer of gzip is read directly)")
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

/// Reads several capture files as one, in timestamp order, as NFStest's Pktt does with a list
/// of files: each step takes the record with the smallest timestamp; ties go to the file given
/// first. Records keep their per-file `frame` and carry their `fileIndex`.
///
/// Each file has its own reader and buffer, so the record waiting in one file stays valid while
/// the others are read. A record returned by `next()` is valid until the next call.
///
/// An error in one file is thrown once, after every record of that file before the bad one was
/// returned; that file is then dropped, and further `next()` calls go on with the others.
public final class MergedCaptureReader {
    /// One reader per path, in the order given, for their properties (`format`,
    /// `truncatedTail`, `bytesRead`…); reading from them directly would upset the merge.
    public let readers: [CaptureReader]
    /// Behind a pointer for the same reason as `CaptureReader`'s state: no dynamic exclusivity
    /// checks per record.
    private let state: UnsafeMutablePointer<MergeState>

    public init(paths: [String], keepIndex: Bool = true) throws(CaptureError) {
        var readers: [CaptureReader] = []
        readers.reserveCapacity(paths.count)
        for path in paths {
            readers.append(try CaptureReader(path: path, keepIndex: keepIndex))
        }
        self.readers = readers
        state = .allocate(capacity: 1)
        state.initialize(to: MergeState(readers: readers))
    }

    deinit {
        state.pointee.release()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The next record in timestamp order, or nil when every file has ended.
    @inline(__always)
    public func next() throws(CaptureError) -> CaptureRecord? {
        try state.pointee.next()
    }

    /// Starts every file again from its first record, failed files included.
    public func rewind() throws(CaptureError) {
        for reader in readers { try reader.rewind() }
        state.pointee.release()
        state.pointee = MergeState(readers: readers)
    }

    /// After `next()` returned nil: look again at the files that had ended (a file still being
    /// written may have grown; a half-written record is read once it is whole).
    public func retryEnded() {
        state.pointee.retryEnded()
    }

    /// Where the merge stands now: what `restore(_:)` comes back to.
    public var position: MergePosition { state.pointee.position() }

    /// Comes back to `position`: the next `next()` returns the record that followed it. Needs
    /// the record index (`keepIndex`) for anything but the start; gzip files inflate again.
    public func restore(_ position: MergePosition) throws(CaptureError) {
        for (fileIndex, reader) in readers.enumerated() where !position.failed[fileIndex] {
            try reader.seek(toFrame: position.frames[fileIndex])
        }
        state.pointee.restore(position)
    }

    /// The records returned so far, across all files.
    public var recordCount: Int { state.pointee.recordCount }

    /// Records read so far, across all files, whose time was clamped into `CaptureTime`'s
    /// window.
    public var clampedTimes: Int { readers.reduce(0) { $0 + $1.clampedTimes } }

    /// Every error met so far, by file index.
    public var errors: [Int: CaptureError] { state.pointee.errors }

    /// The partial last records of the files that have one.
    public var truncatedTails: [TruncatedTail] { readers.compactMap(\.truncatedTail) }
}

/// The merge's moving parts: each file's waiting record and which file to read next. The
/// per-file slots are raw memory the merge owns (the readers' states, not the reader objects),
/// so choosing a record neither retains nor checks uniqueness.
struct MergeState {
    struct File {
        let reader: UnsafeMutablePointer<CaptureFileReader>
        /// The record the file offers next, when `hasHead`.
        var head: CaptureRecord
        var hasHead = false
        /// A failed file is out of the merge.
        var failed = false
    }

    private let files: UnsafeMutableBufferPointer<File>
    /// Whether every file's first record has been read.
    private var primed = false
    /// The file whose record was returned last: its next one is read before choosing again,
    /// not before, so that the returned record stays valid until the next call.
    private var taken = -1
    /// Errors read but not yet thrown, in file order.
    private var undeliveredErrors: [CaptureError] = []
    private(set) var errors: [Int: CaptureError] = [:]
    private(set) var recordCount = 0

    init(readers: [CaptureReader]) {
        files = .allocate(capacity: readers.count)
        let empty = CaptureRecord(data: UnsafeRawBufferPointer(start: nil, count: 0), seconds: 0, nanoseconds: 0,
                                  capturedLength: 0, originalLength: 0, linkType: 0, frame: 0, fileOffset: 0,
                                  fileIndex: 0)
        for (fileIndex, reader) in readers.enumerated() {
            (files.baseAddress! + fileIndex).initialize(to: File(reader: reader.state, head: empty))
        }
    }

    func release() {
        files.deinitialize()
        files.deallocate()
    }

    /// The files with no waiting record read again at the next `next()`.
    mutating func retryEnded() {
        if files.count > 1 && primed {
            for i in files.indices where !files[i].hasHead && i != taken { readHead(i) }
        }
    }

    /// For each file the frame it hands out next: its waiting record's, or the reader's next.
    func position() -> MergePosition {
        var frames: [Int] = []
        var failed: [Bool] = []
        for f in files {
            frames.append(f.hasHead ? f.head.frame : f.reader.pointee.nextFrame)
            failed.append(f.failed)
        }
        return MergePosition(frames: frames, failed: failed, recordCount: recordCount)
    }

    /// The readers have been sought to `position`'s frames: forget the waiting records, so that
    /// every file's head is read again.
    mutating func restore(_ position: MergePosition) {
        for i in files.indices {
            files[i].hasHead = false
            files[i].failed = position.failed[i]
            if !position.failed[i] { errors[i] = nil }
        }
        primed = false
        taken = -1
        undeliveredErrors = []
        recordCount = position.recordCount
    }

    mutating func next() throws(CaptureError) -> CaptureRecord? {
        if files.count == 1 { return try nextOfOnlyFile() }
        if !primed {
            primed = true
            for fileIndex in files.indices { readHead(fileIndex) }
        } else if taken >= 0 {
            readHead(taken)
            taken = -1
        }
        if !undeliveredErrors.isEmpty { throw undeliveredErrors.removeFirst() }
        var chosen = -1
        var seconds = Int64.max
        var nanoseconds = UInt32.max
        for fileIndex in files.indices where files[fileIndex].hasHead {
            let head = files[fileIndex].head
            if head.seconds < seconds || (head.seconds == seconds && head.nanoseconds < nanoseconds) {
                chosen = fileIndex
                seconds = head.seconds
                nanoseconds = head.nanoseconds
            }
        }
        guard chosen >= 0 else { return nil }
        files[chosen].hasHead = false
        taken = chosen
        recordCount += 1
        var record = files[chosen].head
        record.fileIndex = chosen
        return record
    }

    /// One file needs no choosing: its records go straight through.
    @inline(__always)
    private mutating func nextOfOnlyFile() throws(CaptureError) -> CaptureRecord? {
        guard !files[0].failed else { return nil }
        do {
            guard let record = try files[0].reader.pointee.next() else { return nil }
            recordCount += 1
            return record
        } catch {
            files[0].failed = true
            errors[0] = error
            throw error
        }
    }

    private mutating func readHead(_ fileIndex: Int) {
        guard !files[fileIndex].failed else { return }
        do {
            if let record = try files[fileIndex].reader.pointee.next() {
                files[fileIndex].head = record
                files[fileIndex].hasHead = true
            }
        } catch {
            files[fileIndex].failed = true
            errors[fileIndex] = error
            undeliveredErrors.append(error)
        }
    }
}

/// Where a merged read stands (`MergedCaptureReader.position`): the frame each file hands out
/// next, which files had failed, and how many records had been returned.
public struct MergePosition: Sendable, Equatable {
    let frames: [Int]
    let failed: [Bool]
    public let recordCount: Int
}

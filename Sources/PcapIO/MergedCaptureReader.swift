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
    /// One reader per path, in the order given.
    public let readers: [CaptureReader]
    /// The record each file offers next; nil once the file has ended or failed.
    private var heads: [CaptureRecord?]
    /// Files whose head must be read before choosing: at first all, then the one last taken.
    private var needingHead: [Int]
    /// Files that failed: they are out of the merge.
    private var failed: [Bool]
    /// Errors read but not yet thrown, in file order.
    private var undeliveredErrors: [CaptureError] = []
    /// Every error met so far, by file index.
    public private(set) var errors: [Int: CaptureError] = [:]

    public init(paths: [String], keepIndex: Bool = true) throws(CaptureError) {
        var readers: [CaptureReader] = []
        readers.reserveCapacity(paths.count)
        for path in paths {
            readers.append(try CaptureReader(path: path, keepIndex: keepIndex))
        }
        self.readers = readers
        heads = Array(repeating: nil, count: readers.count)
        failed = Array(repeating: false, count: readers.count)
        needingHead = Array(readers.indices)
    }

    /// The records returned so far, across all files.
    public private(set) var recordCount = 0

    /// The partial last records of the files that have one.
    public var truncatedTails: [TruncatedTail] { readers.compactMap(\.truncatedTail) }

    /// The next record in timestamp order, or nil when every file has ended.
    public func next() throws(CaptureError) -> CaptureRecord? {
        if !needingHead.isEmpty { readHeads() }
        if !undeliveredErrors.isEmpty { throw undeliveredErrors.removeFirst() }
        var chosen = -1
        var seconds = Int64.max
        var nanoseconds = UInt32.max
        for fileIndex in heads.indices {
            guard let head = heads[fileIndex] else { continue }
            if head.seconds < seconds || (head.seconds == seconds && head.nanoseconds < nanoseconds) {
                chosen = fileIndex
                seconds = head.seconds
                nanoseconds = head.nanoseconds
            }
        }
        guard chosen >= 0, var record = heads[chosen] else { return nil }
        heads[chosen] = nil
        needingHead.append(chosen)
        record.fileIndex = chosen
        recordCount += 1
        return record
    }

    /// Starts every file again from its first record, failed files included.
    public func rewind() throws(CaptureError) {
        for reader in readers { try reader.rewind() }
        heads = Array(repeating: nil, count: readers.count)
        failed = Array(repeating: false, count: readers.count)
        needingHead = Array(readers.indices)
        undeliveredErrors.removeAll()
        errors.removeAll()
        recordCount = 0
    }

    private func readHeads() {
        for fileIndex in needingHead where !failed[fileIndex] {
            do {
                heads[fileIndex] = try readers[fileIndex].next()
            } catch {
                heads[fileIndex] = nil
                failed[fileIndex] = true
                errors[fileIndex] = error
                undeliveredErrors.append(error)
            }
        }
        needingHead.removeAll(keepingCapacity: true)
    }
}

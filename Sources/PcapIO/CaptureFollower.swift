#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows a capture file that tcpdump is still writing, and the files after it when tcpdump
/// rotates (`-C`, `-C -W`, `-G`; see `RotationSet` for the names): every whole record, once,
/// in the order written, never a half-written one.
///
/// ```swift
/// let follower = try CaptureFollower(path: "/var/cap/nfs.pcap")
/// while true {
///     while let record = try follower.next() { handle(record) }   // valid until next()
///     for notice in follower.takeNotices() { log(notice) }
///     guard follower.wait(timeout: nil) else { break }             // false after stop()
/// }
/// ```
///
/// A file is finished when the next file of its set exists: tcpdump closes a file before it
/// opens the next, so the file is read to its end once more and then left, with `.torn` if a
/// partial record stays at its end. Files found at the start are read oldest first (a ring
/// from its oldest slot by mtime); what was overwritten or removed before it could be read is
/// reported as `.lost`, a corrupt file as `.error`, and the follower goes on with the next.
///
/// A path that names no file yet (tcpdump not started) is waited for: the follower watches the
/// directory, and the first files that appear are read from their start, `fromEnd` or not.
/// The directory itself must exist.
///
/// Threads: `stop()` may be called from any thread; everything else belongs to one reading
/// thread at a time (hence `@unchecked Sendable`: the class is handed to the thread that stops).
public final class CaptureFollower: @unchecked Sendable {
    private var set: RotationSet
    private let watcher: FileWatcher
    /// The file the follower is on: open, waiting for its header, failed, or gone.
    private var file: FollowedFile?
    /// Files found when the set first showed up, still to be read, in order.
    private var pending: [RotationSet.Member] = []
    private var pendingIndex = 0
    /// Whether the set's files have been found (false while the path names nothing yet).
    private var started = false
    /// Numbered sets: each count's file as it was when last finished, or when found and left
    /// unread; a file that differs since has been written again. Bounded by `maximumSeen`.
    private var seen: [Int: FileState] = [:]
    private var notices: [FollowNotice] = []
    private var filesOpened = 0
    /// The directory as it was at the last scan, and the wall-clock time of that scan.
    private var scannedDirectory: FileState?
    private var scanTime: Int64 = .min
    /// `next()` stopped early with more to do: `wait` returns at once.
    private var moreWork = false
    /// The polling signature when `next()` last ran out of records.
    private var quietSignature: Int?

    /// File switches one `next()` call may make before it returns, so that a set that changes
    /// faster than it can be looked at cannot hold the caller.
    static let maximumStepsPerCall = 64
    /// Notices kept when nobody takes them; the oldest half is dropped beyond it.
    static let maximumNotices = 1 << 16
    /// Counts remembered in `seen` (a `-C` set can number millions over months); the lowest
    /// counts but 0 are forgotten first, and the mtime then tells new from old.
    static let maximumSeen = 4096
    /// Gap files named one by one before the rest are summed up in one notice.
    static let maximumGapNotices = 16
    /// A directory change this close (ns) before a scan may share the scan's clock tick, so the
    /// directory's mtime cannot tell whether the scan saw it: such a directory is listed again.
    static let directoryClockSlack: Int64 = 50_000_000

    /// `path`: a plain file name (`f` — follows `f`, then tcpdump -C's `f1`, `f2`, …, or the -C
    /// -W ring `f0`,`f1`… / `f00`… zero-padded to the digits of W-1), or a tcpdump -G strftime
    /// pattern containing `%` (e.g. `/var/cap/nfs-%Y%m%d-%H%M%S.pcap`, optionally followed by
    /// -C numbers `…pcap1`, `…pcap2`).
    /// `fromEnd`: start with the newest file at its current end (only records appended from
    /// now); otherwise start with the OLDEST file of the set still on disk, at its start.
    /// `usePolling`: poll every `pollInterval` seconds instead of using inotify.
    public init(path: String, fromEnd: Bool = false, usePolling: Bool = false, pollInterval: Double = 0.2) throws(CaptureError) {
        set = try RotationSet(path: path)
        guard let directory = opendir(set.directory) else {
            throw CaptureError(.io, path: path, offset: nil, "cannot read the directory \(set.directory): \(errnoMessage())")
        }
        closedir(directory)
        // Watch first: a file created between the scan and the watch would go unnoticed.
        watcher = try FileWatcher(directory: set.directory, forcePolling: usePolling, pollInterval: pollInterval)
        findSet(atStart: true, fromEnd: fromEnd)
        if pendingIndex < pending.count { open(takePending()) }
    }

    // MARK: Public API

    /// The next whole record, or nil when none is available NOW (never blocks). A half-written
    /// record is never returned: it is returned once whole.
    ///
    /// `data` is valid until the next call; `fileIndex` is `currentFileIndex`. What goes wrong
    /// with one file (a corrupt record, a file lost) comes as a notice, not as a throw, and the
    /// follower goes on with the next file.
    public func next() throws(CaptureError) -> CaptureRecord? {
        if let file, file.status == .reading, let record = read(file) { return record }
        return advance()
    }

    /// Blocks until something may have changed (file grew, a file appeared/was renamed/removed),
    /// `stop()` was called, or `timeout` seconds passed (nil: no timeout). Returns false once
    /// stopped.
    public func wait(timeout: Double?) -> Bool {
        if watcher.isStopped { return false }
        if moreWork { return true }
        let baseline = quietSignature ?? signature()
        return watcher.wait(timeout: timeout, baseline: baseline, signature: signature)
    }

    /// Thread-safe: wakes a blocked `wait` and makes later ones return false at once.
    public func stop() {
        watcher.stop()
    }

    /// What happened since the last call, in order (opened, finished, torn record, lost files,
    /// errors).
    public func takeNotices() -> [FollowNotice] {
        defer { notices.removeAll(keepingCapacity: true) }
        return notices
    }

    /// The file being read now (nil before the first file appeared).
    public var currentPath: String? { file?.member.path }

    /// 0 for the first file opened, +1 for each further file (a file reopened after it was
    /// replaced counts as a further file).
    public var currentFileIndex: Int { max(filesOpened - 1, 0) }

    /// Where in the current file the next record starts (bytes).
    public var currentOffset: Int64 { file?.reader?.bytesRead ?? 0 }

    /// The frame number of the last record read from the current file (0: none yet).
    public var currentFrame: Int { file?.reader?.recordCount ?? 0 }

    /// Whether changes are noticed through inotify (else by polling).
    var usesInotify: Bool { watcher.mode == .inotify }

    // MARK: Moving through the set

    /// What `next()` does when the current file has no record ready: looks at why, and moves
    /// on to the next file when the writer has.
    private func advance() -> CaptureRecord? {
        moreWork = false
        for _ in 0..<Self.maximumStepsPerCall {
            guard let file else {
                if pendingIndex >= pending.count { findSet(atStart: false, fromEnd: false) }
                guard pendingIndex < pending.count else { return quiet() }
                open(takePending())
                continue
            }
            if let record = readAny(file) { return record }
            checkOverwritten(file)
            guard let successor = successor(of: file) else { return quiet() }
            // tcpdump wrote its last bytes before it opened the next file: read them now.
            if let record = readAny(file) { return record }
            finish(file)
            if successor.fromPending { _ = takePending() }
            reportGap(successor.missing)
            open(successor.member, fromPending: successor.fromPending, after: file)
        }
        moreWork = true
        return nil
    }

    private func quiet() -> CaptureRecord? {
        quietSignature = watcher.mode == .polling ? signature() : nil
        return nil
    }

    private func takePending() -> RotationSet.Member {
        let member = pending[pendingIndex]
        pendingIndex += 1
        if pendingIndex == pending.count {
            pending.removeAll()
            pendingIndex = 0
        }
        return member
    }

    /// Lists the set and queues what is there. At the start with `fromEnd`, only the newest
    /// file is queued (to be opened at its end); files that appear later are all read.
    private func findSet(atStart: Bool, fromEnd: Bool) {
        guard !started else { return }
        if !atStart, !directoryMayHaveChanged() { return }
        let members = set.scan(detectingWidth: !set.isStrftime).members
        guard !members.isEmpty else { return }
        started = true
        var ordered: [RotationSet.Member]
        if set.isStrftime {
            ordered = members.sorted { ($0.timeKey, $0.slot, $0.name) < ($1.timeKey, $1.slot, $1.name) }
        } else {
            // Count order from the oldest file: a ring from its oldest slot, a -C set from its
            // first file (or, after tcpdump restarted, from the older files it left).
            ordered = members.sorted { $0.slot < $1.slot }
            let oldest = ordered.indices.min { (ordered[$0].state.modified, ordered[$0].slot) < (ordered[$1].state.modified, ordered[$1].slot) }!
            ordered = Array(ordered[oldest...] + ordered[..<oldest])
        }
        if atStart, fromEnd, let newest = ordered.last {
            for member in ordered.dropLast() { remember(member.slot, member.state) }
            pending = [newest]
            skipNewestToEnd = true
        } else {
            pending = ordered
        }
        pendingIndex = 0
    }

    /// The newest file queued by `fromEnd` is to be opened at its end.
    private var skipNewestToEnd = false

    // MARK: Opening and finishing

    private func open(_ member: RotationSet.Member) {
        open(member, fromPending: true, after: nil)
    }

    /// Opens `member` (pinning its inode with a descriptor of our own) and reads its header if
    /// it has one yet. A queued file that changed since it was found was overwritten: reported,
    /// and, while older files are still queued, left for its turn in the ring.
    private func open(_ member: RotationSet.Member, fromPending: Bool, after previous: FollowedFile?) {
        let skipToEnd = skipNewestToEnd && fromPending
        skipNewestToEnd = false
        let isLastPending = !fromPending || pendingIndex >= pending.count
        if fromPending, let previous { reportPendingGap(from: previous.member.slot, to: member) }
        guard let state = FileState.of(path: member.path) else {
            lose(member.path, "removed before it was read")
            file = FollowedFile(member: member, status: .gone, isFinal: !isLastPending)
            return
        }
        let change = fromPending ? overwriteReason(found: member.state, now: state, mayGrow: isLastPending) : nil
        let changed = change != nil
        if let change {
            lose(member.path, change + " before it was read (ring slot overwritten or file replaced)")
            if !isLastPending, !set.isStrftime {
                remember(member.slot, member.state)
                file = FollowedFile(member: member, status: .gone, isFinal: true)
                return
            }
        }
        let descriptor = openForReading(member.path)
        guard descriptor >= 0, let identity = FileState.of(descriptor: descriptor) else {
            let code = errno
            let reason = errnoMessage()
            if descriptor >= 0 { close(descriptor) }
            if code == ENOENT {
                lose(member.path, "removed before it was read")
            } else {
                notify(.error(path: member.path, message: "cannot open: \(reason)"))
            }
            file = FollowedFile(member: member, status: .gone, isFinal: !isLastPending)
            return
        }
        // A queued file already written again is read as it is now, with no later comparison.
        let opened = FollowedFile(member: member, status: .awaitingHeader, isFinal: fromPending && !isLastPending && !changed,
                                  descriptor: descriptor, identity: identity, fileIndex: filesOpened)
        filesOpened += 1
        file = opened
        watcher.watchFile(descriptor: descriptor)
        notify(.opened(path: member.path, fileIndex: opened.fileIndex, device: identity.device, inode: identity.inode))
        openReader(opened)
        if skipToEnd, opened.status == .reading, let reader = opened.reader {
            // Only records appended from now: the ones there are read past, unseen.
            do {
                while try reader.next() != nil {}
            } catch {
                failed(opened, error)
            }
        }
    }

    /// Why a file found earlier is not the one there now, or nil when it still is. `mayGrow`:
    /// the file the writer was on when it was found, which may have grown since.
    private func overwriteReason(found: FileState, now: FileState, mayGrow: Bool) -> String? {
        if !now.isSameFile(as: found) { return "replaced by another file" }
        if now.size < found.size { return "cut from \(found.size) to \(now.size) bytes" }
        if !mayGrow, now.size != found.size || now.modified != found.modified { return "written again" }
        return nil
    }

    /// Reads the file header once the file has one: a file tcpdump just created may still be
    /// empty, or hold part of the header in its stdio buffer.
    private func openReader(_ file: FollowedFile) {
        guard file.status == .awaitingHeader else { return }
        // The reader opens the inode our descriptor pins, through its /dev/fd (or /proc) link,
        // so that a rename between our open and its open cannot hand it another file. Where
        // neither link exists, the name is all there is.
        let paths = ["/dev/fd/\(file.descriptor)", "/proc/self/fd/\(file.descriptor)", file.member.path]
        for (index, path) in paths.enumerated() {
            do {
                file.reader = try CaptureReader(path: path, keepIndex: false, bufferSize: CaptureReader.defaultBufferSize)
                file.status = .reading
                return
            } catch where error.code == .truncatedHeader {
                return
            } catch where error.code == .io && index < paths.count - 1 {
                continue
            } catch {
                failed(file, error)
                return
            }
        }
    }

    /// Reads the next record of the current file if it has one whole.
    @inline(__always)
    private func read(_ file: FollowedFile) -> CaptureRecord? {
        guard let reader = file.reader else { return nil }
        do {
            guard var record = try reader.next() else { return nil }
            record.fileIndex = file.fileIndex
            return record
        } catch {
            failed(file, error)
            return nil
        }
    }

    private func readAny(_ file: FollowedFile) -> CaptureRecord? {
        if file.status == .awaitingHeader { openReader(file) }
        return file.status == .reading ? read(file) : nil
    }

    /// A record header that cannot be right: a corrupt file, or one overwritten under us.
    private func failed(_ file: FollowedFile, _ error: CaptureError) {
        checkOverwritten(file)
        guard file.status == .reading || file.status == .awaitingHeader else { return }
        file.status = .failed
        let message = error.offset.map { "byte offset \($0): \(error.message)" } ?? error.message
        notify(.error(path: file.member.path, message: message))
    }

    /// At the end of what the current file holds: was it cut short under us (tcpdump started
    /// it again, or its ring came round), or, for a file the writer had left, written again?
    private func checkOverwritten(_ file: FollowedFile) {
        guard file.status == .reading || file.status == .awaitingHeader,
              let now = FileState.of(descriptor: file.descriptor) else { return }
        let readBytes = file.reader?.compressedBytesRead ?? 0
        var reason: String?
        if now.size < readBytes {
            reason = "cut from at least \(readBytes) to \(now.size) bytes while being read: its writer started it again"
        } else if file.isFinal, now.size != file.member.state.size || now.modified != file.member.state.modified {
            reason = "written again while being read (ring slot overwritten): records after byte \(file.reader?.bytesRead ?? 0) are lost or new"
        }
        guard let reason else {
            file.lastState = now
            return
        }
        lose(file.member.path, reason)
        file.status = .overwritten
        remember(file.member.slot, file.isFinal ? file.member.state : (file.lastState ?? file.identity ?? now))
    }

    /// Leaves the current file: `.finished`, then `.torn` for a partial record left at its end.
    private func finish(_ file: FollowedFile) {
        let path = file.member.path
        if file.identity != nil {
            notify(.finished(path: path, fileIndex: file.fileIndex, records: file.reader?.recordCount ?? 0,
                             bytes: file.reader?.bytesRead ?? 0))
        }
        if file.status == .reading, let tail = file.reader?.truncatedTail, tail.bytesPresent > 0 {
            notify(.torn(path: path, offset: tail.offset, bytesPresent: tail.bytesPresent, bytesNeeded: tail.bytesNeeded))
        } else if file.status == .awaitingHeader, let now = FileState.of(descriptor: file.descriptor), now.size > 0 {
            notify(.error(path: path, message: "the writer moved on before the file header was whole (\(now.size) bytes)"))
        }
        if file.status == .reading || file.status == .awaitingHeader || file.status == .failed,
           let now = FileState.of(descriptor: file.descriptor) {
            remember(file.member.slot, now)
        }
        watcher.watchFile(descriptor: nil)
    }

    // MARK: Finding the next file

    private struct Successor {
        var member: RotationSet.Member
        var fromPending: Bool
        /// Numbered sets: counts skipped because their files never showed (removed unread).
        var missing: Range<Int>?
    }

    /// The file the writer went on to after `file`, or nil while it is still on `file`.
    private func successor(of file: FollowedFile) -> Successor? {
        if pendingIndex < pending.count {
            return Successor(member: pending[pendingIndex], fromPending: true)
        }
        return set.isStrftime ? timedSuccessor(of: file) : numberedSuccessor(of: file)
    }

    /// `-C` and `-C -W`: the next count; else back to the first count (a ring wrapping, or
    /// tcpdump started again); else the same name holding another file; else a later count
    /// when the next one never showed.
    private func numberedSuccessor(of file: FollowedFile) -> Successor? {
        let slot = file.member.slot
        let reference = file.lastState?.modified ?? file.identity?.modified ?? file.member.state.modified
        if let member = member(slot: slot + 1), isNewer(member, than: reference) {
            return Successor(member: member, fromPending: false)
        }
        if slot != 0, let member = member(slot: 0), isNewer(member, than: reference) {
            return Successor(member: member, fromPending: false)
        }
        if let member = member(slot: slot) {
            let replaced = file.identity.map { !member.state.isSameFile(as: $0) } ?? false
            let rewritten = (file.status == .overwritten || file.status == .gone) && isNewer(member, than: reference)
            if replaced || rewritten { return Successor(member: member, fromPending: false) }
        }
        guard directoryMayHaveChanged() else { return nil }
        let later = set.scan { candidate, _ in candidate > slot + 1 }.members
            .filter { isNewer($0, than: reference) }
            .min { $0.slot < $1.slot }
        guard let later else { return nil }
        listingUsed()
        return Successor(member: later, fromPending: false, missing: (slot + 1)..<later.slot)
    }

    /// `-G`: the file whose name tells the next later time (then the next `-C` count); for a
    /// pattern without a date, the next by mtime.
    private func timedSuccessor(of file: FollowedFile) -> Successor? {
        if let identity = file.identity, let state = FileState.of(path: file.member.path), !state.isSameFile(as: identity) {
            var member = file.member
            member.state = state
            return Successor(member: member, fromPending: false)
        }
        guard directoryMayHaveChanged() else { return nil }
        guard case .strftime(let pattern) = set.naming else { return nil }
        let current = file.member
        let currentKey = pattern.ordersByTime
            ? current.timeKey
            : max(current.timeKey, file.lastState?.modified ?? file.identity?.modified ?? current.timeKey)
        let later = set.scan { suffix, timeKey in
            guard let timeKey else { return true }
            return (timeKey, suffix) >= (currentKey, current.slot)
        }.members
            .filter { $0.name != current.name && ($0.timeKey, $0.slot, $0.name) > (currentKey, current.slot, current.name) }
            .min { ($0.timeKey, $0.slot, $0.name) < ($1.timeKey, $1.slot, $1.name) }
        guard let later else { return nil }
        listingUsed()
        return Successor(member: later, fromPending: false)
    }

    /// The member of count `slot` as it is on disk now.
    private func member(slot: Int) -> RotationSet.Member? {
        guard let name = set.slotName(slot) else { return nil }
        let path = set.path(of: name)
        guard let state = FileState.of(path: path) else { return nil }
        return RotationSet.Member(name: name, path: path, slot: slot, timeKey: 0, state: state)
    }

    /// Whether a count's file was written after we last saw it, or, never seen, after the
    /// current file's last write (tcpdump closes a file before it opens the next).
    private func isNewer(_ member: RotationSet.Member, than reference: Int64) -> Bool {
        if let previous = seen[member.slot] { return previous != member.state }
        return member.state.modified >= reference
    }

    private func remember(_ slot: Int, _ state: FileState) {
        guard !set.isStrftime else { return }
        seen[slot] = state
        guard seen.count > Self.maximumSeen else { return }
        let keep = Set(seen.keys.sorted(by: >).prefix(Self.maximumSeen / 2)).union([0])
        seen = seen.filter { keep.contains($0.key) }
    }

    /// Whether the set's names may have changed since the last listing: the directory's mtime
    /// moved, or it moved so shortly before that listing that both fell in one clock tick.
    private func directoryMayHaveChanged() -> Bool {
        let now = set.directoryState
        let previous = scannedDirectory
        let previousScan = scanTime
        scannedDirectory = now
        scanTime = Self.wallClockNanoseconds()
        guard let now else { return false }
        return now != previous || now.modified >= previousScan - Self.directoryClockSlack
    }

    /// A listing found the next file: the files after it that it also showed must be looked
    /// for again once that one is done, whether or not the directory changes meanwhile.
    private func listingUsed() {
        scannedDirectory = nil
    }

    private static func wallClockNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    // MARK: Notices

    private func lose(_ path: String, _ reason: String) {
        notify(.lost(path: path, reason: reason))
    }

    private func notify(_ notice: FollowNotice) {
        if notices.count >= Self.maximumNotices { notices.removeFirst(Self.maximumNotices / 2) }
        notices.append(notice)
    }

    /// Counts between two queued files that are not on disk (a ring going round from its last
    /// slot to 0 is no gap).
    private func reportPendingGap(from previous: Int, to member: RotationSet.Member) {
        guard !set.isStrftime else { return }
        if member.slot > previous + 1 {
            reportGap((previous + 1)..<member.slot)
        } else if member.slot < previous, member.slot > 0 {
            reportGap(0..<member.slot)
        }
    }

    private func reportGap(_ missing: Range<Int>?) {
        guard let missing, !missing.isEmpty else { return }
        for slot in missing.prefix(Self.maximumGapNotices) {
            lose(set.slotName(slot).map(set.path(of:)) ?? "#\(slot)", "missing from the numbering: removed before it was read")
        }
        if missing.count > Self.maximumGapNotices {
            let first = missing.lowerBound + Self.maximumGapNotices
            lose(set.slotName(first).map(set.path(of:)) ?? "#\(first)",
                 "and \(missing.count - Self.maximumGapNotices) more files up to count \(missing.upperBound - 1) missing from the numbering")
        }
    }

    // MARK: Polling

    /// What polling compares: the current file, the directory, and the names the writer goes
    /// to next (a ring's slot 0 is truncated in place, which no directory mtime shows).
    private func signature() -> Int {
        var hasher = Hasher()
        set.directoryState?.combine(into: &hasher)
        if let file {
            if file.descriptor >= 0 { FileState.of(descriptor: file.descriptor)?.combine(into: &hasher) }
            var paths = [file.member.path]
            if !set.isStrftime {
                for slot in [file.member.slot + 1, 0] {
                    if let name = set.slotName(slot) { paths.append(set.path(of: name)) }
                }
            }
            for path in paths {
                hasher.combine(path)
                FileState.of(path: path)?.combine(into: &hasher)
            }
        }
        return hasher.finalize()
    }
}

#if canImport(Glibc)
import Glibc
#endif
import PcapIO

/// Where `pktt run` reads records from.
public enum MonitorSource: Sendable, Equatable {
    /// Finished files, merged by time; the run ends at their end.
    case files([String])
    /// Standard input (`tcpdump -U -w - | pktt run -r -`); the run ends when the writer closes it.
    case standardInput
    /// A file tcpdump is still writing, or a rotation set; runs until stopped.
    case follow(path: String, fromEnd: Bool, polling: Bool)
    /// A live capture through libpcap; runs until stopped.
    case interface(name: String, filter: String?, snapLength: Int, bufferSize: Int?, user: String?)
}

/// What the reader loop sees of a source: a record, "none for now", or the end; and what
/// happened on the way (files opened and finished, losses).
enum SourceStep {
    case record(CaptureRecord)
    /// Nothing now; more may come (wait, then ask again).
    case idle
    case end
}

/// A happening the reader reports as a lifecycle event and counts.
enum SourceNotice {
    case opened(path: String, fileIndex: Int)
    case finished(path: String)
    case torn(path: String, detail: String)
    case lost(path: String, reason: String)
    case error(path: String, message: String)
}

/// The sources behind one interface for the reader loop.
final class RecordSource: @unchecked Sendable {
    private enum Kind {
        case merged(MergedCaptureReader, paths: [String])
        case stream(MergedCaptureReader)
        case follow(CaptureFollower)
        case live(LiveCapture)
    }
    private let kind: Kind
    private var notices: [SourceNotice] = []
    private var reportedErrors = Set<Int>()
    private var streamEnded = false
    /// The file index of the last record a follower gave: a new one means a new file, whose
    /// notices (its name) must be reported before its records are judged.
    private var lastFileIndex = -1
    /// Why the source ended before its data did (stdin unreadable, the interface gone); and
    /// read errors of files given to --read: the run did not see everything it was given.
    private(set) var failures: [String] = []
    /// Whether the run ends at the end of the data (files, stdin), or goes on until stopped.
    let ends: Bool
    /// A name for `pktt.file` when the source has no files (stdin, an interface).
    let label: String

    init(_ source: MonitorSource) throws {
        switch source {
        case .files(let paths):
            kind = .merged(try MergedCaptureReader(paths: paths, keepIndex: false), paths: paths)
            ends = true
            label = ""
            for (i, p) in paths.enumerated() { notices.append(.opened(path: p, fileIndex: i)) }
        case .standardInput:
            // wait for the first bytes with a blocking read (the header), then read without
            // blocking so that the reader can hand on what it has while the writer is quiet
            var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            _ = poll(&fds, 1, -1)
            kind = .stream(try MergedCaptureReader(paths: ["-"], keepIndex: false))
            let flags = fcntl(0, F_GETFL)
            if flags >= 0 { _ = fcntl(0, F_SETFL, flags | O_NONBLOCK) }
            ends = true
            label = "-"
        case .follow(let path, let fromEnd, let polling):
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                throw CaptureError(.io, path: path, offset: nil,
                                   "is a directory: --follow takes a capture file, or the name tcpdump -w writes to")
            }
            kind = .follow(try CaptureFollower(path: path, fromEnd: fromEnd, usePolling: polling))
            ends = false
            label = path
        case .interface(let name, let filter, let snapLength, let bufferSize, _):
            kind = .live(try LiveCapture(interface: name, filter: filter, snapLength: snapLength, bufferSize: bufferSize))
            ends = false
            label = "interface:" + name
        }
    }

    func next() -> SourceStep {
        switch kind {
        case .merged(let reader, let paths):
            do {
                if let r = try reader.next() { return .record(r) }
                for tail in reader.truncatedTails {
                    notices.append(.torn(path: tail.path, detail: tail.description))
                }
                for p in paths { notices.append(.finished(path: p)) }
                return .end
            } catch {
                notices.append(.error(path: error.path, message: error.description))
                failures.append(error.description)
                return next()
            }
        case .stream(let reader):
            do {
                if let r = try reader.next() { return .record(r) }
                if streamEnded {
                    if let tail = reader.truncatedTails.first { notices.append(.torn(path: "-", detail: tail.description)) }
                    return .end
                }
                return .idle
            } catch {
                notices.append(.error(path: "-", message: error.description))
                failures.append("standard input: \(error.description)")
                return .end
            }
        case .follow(let follower):
            do {
                if let r = try follower.next() {
                    if r.fileIndex != lastFileIndex {
                        lastFileIndex = r.fileIndex
                        collect(follower)
                    }
                    return .record(r)
                }
                collect(follower)
                return .idle
            } catch {
                collect(follower)
                notices.append(.error(path: follower.currentPath ?? "", message: error.description))
                return .idle
            }
        case .live(let capture):
            do {
                if let r = try capture.next() { return .record(r) }
                return .idle
            } catch {
                notices.append(.error(path: label, message: error.description))
                failures.append(error.description)
                return .end
            }
        }
    }

    /// After `.idle`: waits until more may have come, or `wake()`; false when the source has
    /// ended meanwhile (the stdin writer closed it).
    func wait(timeout: Double) -> Bool {
        switch kind {
        case .merged: return false
        case .stream(let reader):
            var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let n = poll(&fds, 1, Int32(timeout * 1000))
            if n > 0 && fds.revents & Int16(POLLIN) == 0 && fds.revents & Int16(POLLHUP | POLLERR) != 0 {
                streamEnded = true
            }
            // a pipe at its end reads 0 bytes and polls readable: ask once more, then end
            if n > 0, fds.revents & Int16(POLLHUP) != 0 { streamEnded = true }
            reader.retryEnded()
            return true
        case .follow(let follower):
            let going = follower.wait(timeout: timeout)
            collect(follower)
            return going
        case .live:
            return true  // its reads time out by themselves
        }
    }

    /// Makes a blocked `wait` (or a live read) return soon; thread-safe.
    func wake() {
        switch kind {
        case .follow(let follower): follower.stop()
        case .live(let capture): capture.breakLoop()
        default: break
        }
    }

    /// Kernel and interface drops of a live capture.
    var drops: (kernel: Int, interface: Int)? {
        guard case .live(let capture) = kind, let s = capture.statistics() else { return nil }
        return (Int(clamping: s.dropped), Int(clamping: s.interfaceDropped))
    }

    var hasNotices: Bool { !notices.isEmpty }

    func takeNotices() -> [SourceNotice] {
        defer { notices.removeAll() }
        return notices
    }

    private func collect(_ follower: CaptureFollower) {
        for n in follower.takeNotices() {
            switch n {
            case .opened(let path, let fileIndex, _, _): notices.append(.opened(path: path, fileIndex: fileIndex))
            case .finished(let path, _, _, _): notices.append(.finished(path: path))
            case .torn(let path, let offset, let present, let needed):
                notices.append(.torn(path: path, detail: "last record at byte offset \(offset) cut short: \(present) of \(needed) bytes present"))
            case .lost(let path, let reason): notices.append(.lost(path: path, reason: reason))
            case .error(let path, let message): notices.append(.error(path: path, message: message))
            }
        }
    }
}

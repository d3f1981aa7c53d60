#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Waits, without using the CPU, until a followed capture file or its directory may have
/// changed, or another thread asks to stop.
///
/// Linux: inotify watches the directory (a file of the set created, renamed in, removed, or
/// written: tcpdump's `-C -W` ring truncates an existing slot in place, which only a write
/// event shows) and the file being read, by its descriptor so that a rename cannot make us
/// watch another file. `poll(2)` waits on the inotify descriptor and a pipe that `stop()`
/// writes to. Where inotify is missing or refused (no inotify, the watch limit reached,
/// `PKTT_FOLLOW_POLL=1`, or asked for), the wait polls instead: every `pollInterval` seconds
/// it compares a signature of what matters (sizes and mtimes) with the one it started from,
/// still sleeping in `poll(2)` on the stop pipe in between. Other systems always poll.
///
/// `stop()` may be called from any thread; everything else from the one thread that reads.
final class FileWatcher: Sendable {
    /// How changes are noticed.
    enum Mode: Sendable, Equatable {
        case inotify
        case polling
    }

    let mode: Mode
    let pollInterval: Double
    /// The inotify instance, or -1 when polling.
    private let notifyDescriptor: Int32
    /// `stop()` writes a byte here; the pipe is never drained, since stopping is final.
    private let wakeReadDescriptor: Int32
    private let wakeWriteDescriptor: Int32
    private let stopped = Atomic<Bool>(false)
    /// The watch descriptor of the file being read (-1: none). Only the reading thread uses it;
    /// an atomic only because the class is shared with threads that call `stop()`.
    private let fileWatch = Atomic<Int32>(-1)

    #if os(Linux)
    /// What the directory watch reports: any change to the names of the set or to the bytes of
    /// a file in it.
    private static let directoryEvents = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY
                                                    | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
    /// What the file watch reports: it grew, was truncated, closed by its writer, renamed or
    /// removed (also when it was moved out of the directory and is still written).
    private static let fileEvents = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
    #endif

    /// `forcePolling`: poll even where inotify works. The environment variable
    /// `PKTT_FOLLOW_POLL=1` forces polling too (a directory on NFS or a FUSE file system, where
    /// writes from other hosts raise no inotify event).
    init(directory: String, forcePolling: Bool, pollInterval: Double) throws(CaptureError) {
        self.pollInterval = pollInterval.isFinite ? min(max(pollInterval, 0.001), 60) : 0.2
        var pipeDescriptors: [Int32] = [-1, -1]
        // pipe2 is a GNU extension the Glibc module does not show: set the flags after.
        let piped = pipeDescriptors.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
        guard piped == 0 else {
            throw CaptureError(.io, path: directory, offset: nil, "cannot create the wake-up pipe: \(errnoMessage())")
        }
        for descriptor in pipeDescriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        wakeReadDescriptor = pipeDescriptors[0]
        wakeWriteDescriptor = pipeDescriptors[1]

        var descriptor: Int32 = -1
        #if os(Linux)
        let pollingAsked = forcePolling || Self.environmentForcesPolling
        if !pollingAsked {
            descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            if descriptor >= 0, inotify_add_watch(descriptor, directory, Self.directoryEvents) < 0 {
                // No watch on the directory (the per-user limit reached, or it is gone): poll.
                close(descriptor)
                descriptor = -1
            }
        }
        #endif
        notifyDescriptor = descriptor
        mode = descriptor >= 0 ? .inotify : .polling
    }

    deinit {
        if notifyDescriptor >= 0 { close(notifyDescriptor) }
        close(wakeReadDescriptor)
        close(wakeWriteDescriptor)
    }

    static var environmentForcesPolling: Bool {
        guard let value = getenv("PKTT_FOLLOW_POLL") else { return false }
        return String(cString: value) == "1"
    }

    /// Watches the file open on `descriptor` (nil: none) instead of the previous one.
    func watchFile(descriptor: Int32?) {
        #if os(Linux)
        guard mode == .inotify else { return }
        let previous = fileWatch.exchange(-1, ordering: .relaxed)
        if previous >= 0 { inotify_rm_watch(notifyDescriptor, previous) }
        guard let descriptor else { return }
        // The descriptor's /proc link is the very inode we read, whatever its name is now. A
        // failure leaves the directory watch, which sees writes to files inside it.
        let watch = inotify_add_watch(notifyDescriptor, "/proc/self/fd/\(descriptor)", Self.fileEvents)
        fileWatch.store(watch, ordering: .relaxed)
        #endif
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Makes every `wait`, current or later, return false at once. Callable from any thread.
    func stop() {
        stopped.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakeWriteDescriptor, &byte, 1)  // a full pipe is already awake
    }

    /// Blocks until something may have changed, `stop()`, or `timeout` seconds (nil: none).
    /// False when stopped. `signature` is polled when there is no inotify: the wait ends when it
    /// differs from `baseline`.
    func wait(timeout: Double?, baseline: Int, signature: () -> Int) -> Bool {
        let clock = ContinuousClock()
        let deadline = Self.deadline(after: timeout, clock: clock)
        while true {
            if isStopped { return false }
            if mode == .polling, signature() != baseline { return true }
            var waitMilliseconds = Self.milliseconds(until: deadline, clock: clock)
            if mode == .polling {
                let step = Int32(min(pollInterval * 1000, Double(Int32.max)).rounded(.up))
                waitMilliseconds = waitMilliseconds < 0 ? step : min(waitMilliseconds, step)
            }
            var descriptors = [pollfd(fd: wakeReadDescriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: notifyDescriptor, events: Int16(POLLIN), revents: 0)]
            let count = nfds_t(mode == .inotify ? 2 : 1)
            let ready = poll(&descriptors, count, waitMilliseconds)
            if isStopped { return false }
            if ready < 0 {
                if errno == EINTR { continue }
                return true  // cannot wait: let the caller look (never happens with valid descriptors)
            }
            if mode == .inotify, descriptors[1].revents != 0 {
                drainEvents()
                return true
            }
            if let deadline, clock.now >= deadline { return true }
        }
    }

    /// Reads and discards the queued events: any event only means "look again".
    private func drainEvents() {
        // Large enough for many events at once; events are never cut across reads.
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 8) { buffer in
            while read(notifyDescriptor, buffer.baseAddress, buffer.count) > 0 {}
        }
    }

    private static func deadline(after timeout: Double?, clock: ContinuousClock) -> ContinuousClock.Instant? {
        guard let timeout, timeout.isFinite, timeout < 1e9 else { return nil }
        return clock.now.advanced(by: .nanoseconds(Int64(max(timeout, 0) * 1e9)))
    }

    /// Milliseconds for `poll(2)` until `deadline`, rounded up so that a wait never ends early;
    /// -1 for no deadline.
    private static func milliseconds(until deadline: ContinuousClock.Instant?, clock: ContinuousClock) -> Int32 {
        guard let deadline else { return -1 }
        let remaining = clock.now.duration(to: deadline)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}

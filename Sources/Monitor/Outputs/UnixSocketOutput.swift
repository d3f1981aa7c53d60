// A stream socket a collector (Vector's or Fluent Bit's socket source) listens on. The
// collector may start after the daemon, restart, or fall behind; the writer thread must not
// wait for it. So the socket is non-blocking, what it does not take waits in a bounded buffer,
// and beyond the bound whole lines are dropped and counted: a collector parses lines, and a
// torn one would be a corrupt event, while a missing one is only a counted gap.
import Glibc

final class UnixSocketOutput {
    let path: String
    let reconnectInterval: Double
    let pendingLimit: Int

    private var address = sockaddr_un()
    /// -1 while disconnected.
    private var socket: Int32 = -1
    /// Monotonic time of the last connect(2), successful or not: attempts are spaced by
    /// `reconnectInterval` even when a collector accepts and hangs up at once.
    private var lastAttempt = -Double.infinity
    private var pending = PendingLines()
    /// The last byte sent on this connection ended inside a line: the head of `pending` is the
    /// rest of a line the collector has the beginning of. It may go only on this connection.
    private var midLine = false

    /// Only the path is checked here: a collector that is not listening yet is connected later.
    init(path: String, reconnectInterval: Double, pendingLimit: Int) throws(EventOutputError) {
        self.path = path
        self.reconnectInterval = max(0, reconnectInterval)
        self.pendingLimit = max(0, pendingLimit)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty else {
            throw EventOutputError(.invalidSpec, path: "unix:" + path, reason: "no socket path after \"unix:\"")
        }
        guard !bytes.contains(0) else {
            throw EventOutputError(.invalidSpec, path: "unix:" + path, reason: "the socket path contains a NUL byte")
        }
        guard bytes.count < capacity else {
            throw EventOutputError(
                .invalidSpec, path: "unix:" + path,
                reason: "the socket path is \(bytes.count) bytes; a unix socket address holds at most \(capacity - 1)")
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        lastAttempt = monotonicSeconds()
        _ = connect()
    }

    deinit {
        if socket >= 0 {
            _ = Glibc.close(socket)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, lines: Int, into statistics: inout EventOutput.Statistics) {
        defer { statistics.pendingBytes = pending.count }
        if socket < 0 {
            connectIfDue(into: &statistics)
        }
        sendPending(into: &statistics)
        guard socket >= 0, pending.isEmpty else {
            keep(bytes, lines: lines, continuingLine: false, into: &statistics)
            return
        }
        let (sent, failure) = send(bytes)
        statistics.bytesWritten += sent
        if sent == bytes.count {
            statistics.linesWritten += lines
            return
        }
        let whole = newlineCount(UnsafeRawBufferPointer(rebasing: bytes[..<sent]))
        statistics.linesWritten += whole
        midLine = sent > 0 && bytes[sent - 1] != UInt8(ascii: "\n")
        keep(UnsafeRawBufferPointer(rebasing: bytes[sent...]), lines: lines - whole, continuingLine: midLine, into: &statistics)
        if let failure {
            disconnect(after: failure, into: &statistics)
        }
    }

    func tick(into statistics: inout EventOutput.Statistics) {
        if socket < 0 {
            connectIfDue(into: &statistics)
        }
        sendPending(into: &statistics)
        statistics.pendingBytes = pending.count
    }

    /// Waits on poll(2) while connected and sleeps until the next connection attempt while
    /// not, until nothing is pending or the deadline passes.
    func flush(timeout: Double, into statistics: inout EventOutput.Statistics) -> Bool {
        defer { statistics.pendingBytes = pending.count }
        let deadline = monotonicSeconds() + max(0, timeout)
        while !pending.isEmpty {
            if socket < 0 {
                connectIfDue(into: &statistics)
            }
            sendPending(into: &statistics)
            if pending.isEmpty { break }
            let now = monotonicSeconds()
            guard now < deadline else { break }
            if socket >= 0 {
                var request = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                _ = poll(&request, 1, milliseconds(deadline - now))
            } else {
                let untilAttempt = max(0.001, lastAttempt + reconnectInterval - now)
                _ = poll(nil, 0, milliseconds(min(deadline - now, untilAttempt)))
            }
        }
        return pending.isEmpty
    }

    /// What is still pending will never be sent: it is counted as dropped.
    func close(into statistics: inout EventOutput.Statistics) {
        if socket >= 0 {
            _ = Glibc.close(socket)
            socket = -1
        }
        statistics.linesDropped += pending.lines
        pending.removeAll()
        midLine = false
        statistics.pendingBytes = 0
    }

    // MARK: - The connection

    private func connectIfDue(into statistics: inout EventOutput.Statistics) {
        let now = monotonicSeconds()
        guard now - lastAttempt >= reconnectInterval else { return }
        lastAttempt = now
        if connect() {
            statistics.reconnects += 1
        }
    }

    /// A non-blocking connect(2) on a unix socket completes at once or fails at once
    /// (ENOENT, ECONNREFUSED, EAGAIN when the listener's backlog is full): there is no
    /// in-progress state to follow, a failure is simply tried again later.
    private func connect() -> Bool {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = Glibc.socket(AF_UNIX, type, 0)
        guard descriptor >= 0 else { return false }
        let result = withUnsafePointer(to: &address) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            _ = Glibc.close(descriptor)
            return false
        }
        socket = descriptor
        midLine = false
        return true
    }

    /// The collector went away (EPIPE, ECONNRESET): what is pending waits for the next
    /// connection, except the rest of a line the old connection got the beginning of — on a
    /// new connection it would arrive as a torn line.
    private func disconnect(after error: Int32, into statistics: inout EventOutput.Statistics) {
        statistics.writeErrors += 1
        _ = Glibc.close(socket)
        socket = -1
        if midLine, pending.removeFirstLine() {
            statistics.linesDropped += 1
        }
        midLine = false
    }

    /// Sends until everything went, the socket is full (EAGAIN: not an error) or it failed.
    private func send(_ bytes: UnsafeRawBufferPointer) -> (sent: Int, failure: Int32?) {
        guard let base = bytes.baseAddress else { return (0, nil) }
        var sent = 0
        while sent < bytes.count {
            let count = Glibc.send(socket, base + sent, bytes.count - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if count > 0 {
                sent += count
                continue
            }
            let error = count < 0 ? errno : EPIPE
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return (sent, nil) }
            return (sent, error)
        }
        return (sent, nil)
    }

    private func sendPending(into statistics: inout EventOutput.Statistics) {
        guard socket >= 0, !pending.isEmpty else { return }
        let (sent, failure) = pending.withBytes { send($0) }
        if sent > 0 {
            let (lines, endsLine) = pending.removeFirst(sent)
            statistics.linesWritten += lines
            statistics.bytesWritten += sent
            midLine = !endsLine
        }
        if let failure {
            disconnect(after: failure, into: &statistics)
        }
    }

    /// Keeps what fits within `pendingLimit` and drops the newest whole lines beyond it. The
    /// rest of a line already begun on the wire (`continuingLine`) is kept whatever the bound:
    /// dropping it would tear that line.
    private func keep(
        _ bytes: UnsafeRawBufferPointer, lines: Int, continuingLine: Bool,
        into statistics: inout EventOutput.Statistics
    ) {
        var bytes = bytes
        var lines = lines
        if continuingLine, let end = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            pending.append(UnsafeRawBufferPointer(rebasing: bytes[...end]), lines: 1)
            bytes = UnsafeRawBufferPointer(rebasing: bytes[(end + 1)...])
            lines -= 1
        }
        let room = max(0, pendingLimit - pending.count)
        if bytes.count <= room {
            pending.append(bytes, lines: lines)
            return
        }
        let kept = bytes[..<room].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let keptBytes = UnsafeRawBufferPointer(rebasing: bytes[..<kept])
        let keptLines = newlineCount(keptBytes)
        pending.append(keptBytes, lines: keptLines)
        statistics.linesDropped += lines - keptLines
    }
}

/// poll(2)'s timeout for a span in seconds, rounded up so a short wait is not a busy loop.
private func milliseconds(_ seconds: Double) -> Int32 {
    Int32(min(max(0, (seconds * 1000).rounded(.up)), Double(Int32.max)))
}

/// The bytes a collector has not taken yet, oldest first: whole lines, except that the first
/// may have been begun on the wire. Sent bytes are consumed from the front without moving the
/// rest; the storage is compacted once the consumed part is at least half of it, so it stays
/// within about twice the bound.
struct PendingLines {
    private var storage: [UInt8] = []
    private var start = 0
    /// Lines pending, the partly sent first one included.
    private(set) var lines = 0

    var count: Int { storage.count - start }
    var isEmpty: Bool { start == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer, lines: Int) {
        guard !bytes.isEmpty else { return }
        if start > 0, start >= storage.count / 2 {
            storage.removeSubrange(0..<start)
            start = 0
        }
        storage.append(contentsOf: bytes)
        self.lines += lines
    }

    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    /// Consumes `count` sent bytes: how many lines they ended, and whether they ended on a
    /// line boundary.
    mutating func removeFirst(_ count: Int) -> (lines: Int, endsLine: Bool) {
        let range = start..<(start + count)
        let (ended, endsLine) = storage.withUnsafeBytes {
            (newlineCount(UnsafeRawBufferPointer(rebasing: $0[range])), $0[range.upperBound - 1] == UInt8(ascii: "\n"))
        }
        start += count
        lines -= ended
        if isEmpty {
            removeAll()
        }
        return (ended, endsLine)
    }

    /// Removes the first line (through its newline); false when nothing is pending.
    mutating func removeFirstLine() -> Bool {
        guard !isEmpty else { return false }
        let end = storage[start...].firstIndex(of: UInt8(ascii: "\n")) ?? (storage.count - 1)
        start = end + 1
        lines -= 1
        if isEmpty {
            removeAll()
        }
        return true
    }

    /// Empties the buffer; a burst's large allocation is given back rather than kept for good.
    mutating func removeAll() {
        storage.removeAll(keepingCapacity: storage.capacity <= 1 << 20)
        start = 0
        lines = 0
    }
}

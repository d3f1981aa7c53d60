// Standard output and every other descriptor written with plain blocking writes: the journald
// case (systemd hands the daemon a stream socket as stdout), a pipe, and the files of
// FileOutput. A reader that is slower than the daemon holds the writer back here, as a
// blocking pipe does; one that is gone is an error that is counted, never a crash.
import Glibc

/// Writes whole batches of lines to one descriptor it does not own.
struct DescriptorWriter {
    /// A descriptor someone else made non-blocking (stdout shares its open file description
    /// with the parent) is waited on with poll(2), but not forever: after this many seconds
    /// without progress the rest of the batch is counted as dropped.
    static let stalledWriteLimit = 10.0

    let descriptor: Int32
    /// journald's stdout is a socket: send(2) with MSG_NOSIGNAL then keeps SIGPIPE away even
    /// when the daemon did not ignore it.
    private let isSocket: Bool

    init(descriptor: Int32) {
        self.descriptor = descriptor
        var status = stat()
        isSocket = fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK
    }

    /// One write(2) for the batch normally; a partial write is continued, EINTR retried.
    /// On an error (EPIPE, ENOSPC, EBADF) the lines that went out whole are counted as
    /// written and the rest as dropped.
    func write(_ bytes: UnsafeRawBufferPointer, lines: Int, into statistics: inout EventOutput.Statistics) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        var stalledSince: Double?
        while offset < bytes.count {
            let count = isSocket
                ? send(descriptor, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                : Glibc.write(descriptor, base + offset, bytes.count - offset)
            if count > 0 {
                offset += count
                stalledSince = nil
                continue
            }
            let error = count < 0 ? errno : EIO
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                let now = monotonicSeconds()
                let since = stalledSince ?? now
                stalledSince = since
                let remaining = since + Self.stalledWriteLimit - now
                if remaining > 0 {
                    var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&request, 1, Int32((remaining * 1000).rounded(.up)))
                    continue
                }
            }
            break
        }
        statistics.bytesWritten += offset
        if offset == bytes.count {
            statistics.linesWritten += lines
        } else {
            let whole = newlineCount(UnsafeRawBufferPointer(rebasing: bytes[..<offset]))
            statistics.writeErrors += 1
            statistics.linesWritten += whole
            statistics.linesDropped += lines - whole
        }
    }
}

// A JSON-lines file that logrotate moves away: appended to, never truncated, and reopened at
// its path on SIGHUP so that the new lines start the new file.
import Glibc

final class FileOutput {
    /// rw-r-----: events name clients, users and file handles; the log group may read them.
    static let mode: mode_t = 0o640

    let path: String
    private var writer: DescriptorWriter?

    init(path: String) throws(EventOutputError) {
        self.path = path
        writer = DescriptorWriter(descriptor: try Self.open(path))
    }

    deinit {
        close()
    }

    /// O_APPEND: each write lands at the end even when another process appends too; the
    /// directory must exist (a missing one is a configuration mistake worth an error).
    private static func open(_ path: String) throws(EventOutputError) -> Int32 {
        while true {
            let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            let error = errno
            if error == EINTR { continue }
            throw .system(.cannotOpen, path: path, action: "cannot open the file", errno: error)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, lines: Int, into statistics: inout EventOutput.Statistics) {
        guard let writer else {
            statistics.linesDropped += lines
            return
        }
        writer.write(bytes, lines: lines, into: &statistics)
    }

    /// Opens the path anew before closing the old descriptor, so a failure leaves the lines
    /// going to the old file instead of nowhere. A closed output stays closed.
    func reopen() throws(EventOutputError) {
        guard let old = writer else { return }
        let descriptor = try Self.open(path)
        writer = DescriptorWriter(descriptor: descriptor)
        _ = Glibc.close(old.descriptor)
    }

    func close() {
        if let writer {
            _ = Glibc.close(writer.descriptor)
        }
        writer = nil
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The capture readers open paths: each input is written to a file in /dev/shm (memory, no disk)
/// under a name fixed per process and slot, so a crashing input leaves at most a few files.
public enum ScratchFile {
    nonisolated(unsafe) private static var paths: [Int: String] = [:]

    public static func path(slot: Int) -> String {
        if let p = paths[slot] { return p }
        let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let p = "\(dir)/pktt-fuzz-\(getpid())-\(slot)"
        paths[slot] = p
        return p
    }

    /// Writes `bytes` as the whole file of `slot`; returns its path.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, slot: Int) -> String {
        let p = path(slot: slot)
        let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("fuzz harness: cannot create \(p)") }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { fatalError("fuzz harness: cannot write \(p)") }
            done += n
        }
        close(fd)
        return p
    }

    public static func write(_ bytes: [UInt8], slot: Int) -> String {
        bytes.withUnsafeBytes { write($0, slot: slot) }
    }

    /// Removes the files written so far.
    public static func removeAll() {
        for (_, p) in paths { unlink(p) }
    }

    /// Removes the files at exit (libFuzzer ends with exit()).
    public static func removeAtExit() {
        atexit { ScratchFile.removeAll() }
    }
}

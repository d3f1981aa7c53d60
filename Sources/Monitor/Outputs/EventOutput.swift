// Where the daemon's JSON lines go (DESIGN.md "Events", "The daemon"): standard output for
// journald, a file that logrotate moves, or a stream socket a collector (Vector, Fluent Bit)
// listens on. Plain descriptors and write(2)/send(2): the writer thread must never block
// forever on a collector, and must never be killed by one that went away.
import Glibc

/// The daemon's event sink. The single writer thread owns it: every method, `reopen` on SIGHUP
/// included, is called from that thread, so there is no lock; `@unchecked Sendable` only lets
/// the writer take it over from the thread that opened it.
public final class EventOutput: @unchecked Sendable {
    /// What the output has done so far; `pendingBytes` is what a unix socket still holds.
    /// Every line given to `write` ends up in exactly one of `linesWritten` and `linesDropped`
    /// once nothing is pending.
    public struct Statistics: Sendable, Equatable {
        /// Lines handed whole to the kernel (a collector that hangs up may still lose them).
        public var linesWritten = 0
        /// Bytes handed to the kernel, the beginning of a line later dropped included.
        public var bytesWritten = 0
        /// Lines that will never go out: beyond the socket's bound, after a write error, the
        /// rest of a line whose connection broke, what was pending at close.
        public var linesDropped = 0
        /// Failed write(2)/send(2) calls: a file or pipe error, a collector that went away.
        public var writeErrors = 0
        /// Connections to the collector made after start (the first one at start is not one).
        public var reconnects = 0
        /// Bytes a socket holds for its collector now.
        public var pendingBytes = 0

        public init() {}
    }

    /// The default bound on what a unix socket holds for a collector that is gone or slow.
    public static let defaultPendingLimit = 8 << 20

    /// What the output was opened from: "-", "unix:PATH" or a file path.
    public let spec: String
    public private(set) var statistics = Statistics()

    /// Each case holds a class so that mutating a sink never copies its pending buffer.
    private enum Sink {
        case descriptor(DescriptorWriter)
        case file(FileOutput)
        case socket(UnixSocketOutput)
        case closed
    }

    private var sink: Sink

    /// `spec`: "-" (standard output — the journald case), "unix:PATH" (a stream socket a
    /// collector listens on), anything else a file path (opened O_APPEND|O_CREAT, mode 0640; its
    /// directory must exist). A file that cannot be opened is an error naming the path and the
    /// errno text; a socket nobody listens on yet is not: it is connected later, and what could
    /// not be sent waits within `pendingLimit` bytes. `reconnectInterval` (seconds) spaces the
    /// connection attempts.
    public init(
        _ spec: String,
        reconnectInterval: Double = 1.0,
        pendingLimit: Int = EventOutput.defaultPendingLimit
    ) throws(EventOutputError) {
        self.spec = spec
        if spec == "-" {
            sink = .descriptor(DescriptorWriter(descriptor: STDOUT_FILENO))
        } else if spec.hasPrefix("unix:") {
            let path = String(spec.dropFirst("unix:".count))
            sink = .socket(try UnixSocketOutput(
                path: path, reconnectInterval: reconnectInterval, pendingLimit: pendingLimit))
        } else if spec.isEmpty {
            throw EventOutputError(.invalidSpec, path: spec, reason: "the output is empty (use \"-\" for standard output)")
        } else {
            sink = .file(try FileOutput(path: spec))
        }
    }

    /// An output on a descriptor the caller owns and closes (a pipe, a socket pair): what "-"
    /// does with standard output, for tests and for a descriptor inherited from systemd.
    init(descriptor: Int32, spec: String = "-") {
        self.spec = spec
        sink = .descriptor(DescriptorWriter(descriptor: descriptor))
    }

    deinit {
        close()
    }

    /// Writes whole lines (each ending "\n"; `lines` says how many), normally with one write(2)
    /// or send(2). A file or standard output that fails counts the error and the lines that
    /// did not go out; a socket keeps what it could not send (within the bound) and drops
    /// whole lines beyond it, never a part of one.
    public func write(_ bytes: UnsafeRawBufferPointer, lines: Int) {
        assert(bytes.isEmpty || bytes[bytes.count - 1] == UInt8(ascii: "\n"), "EventOutput.write takes whole lines")
        guard !bytes.isEmpty else { return }
        switch sink {
        case .descriptor(let writer):
            writer.write(bytes, lines: lines, into: &statistics)
        case .file(let file):
            file.write(bytes, lines: lines, into: &statistics)
        case .socket(let socket):
            socket.write(bytes, lines: lines, into: &statistics)
        case .closed:
            statistics.linesDropped += lines
        }
    }

    /// The writer's periodic call: a disconnected socket tries to connect (at most once per
    /// reconnect interval) and a connected one sends what is pending. Files and standard
    /// output have nothing to do.
    public func tick() {
        if case .socket(let socket) = sink {
            socket.tick(into: &statistics)
        }
    }

    /// SIGHUP: a file is reopened at its path, so after logrotate moved it the new lines go to
    /// a new file. The new file is opened before the old descriptor is closed: if it cannot be
    /// opened, the error is thrown and lines keep going to the old file.
    public func reopen() throws(EventOutputError) {
        if case .file(let file) = sink {
            try file.reopen()
        }
    }

    /// Pushes what a socket still holds, waiting at most `timeout` seconds (at stop). True when
    /// nothing is pending.
    public func flush(timeout: Double) -> Bool {
        if case .socket(let socket) = sink {
            return socket.flush(timeout: timeout, into: &statistics)
        }
        return true
    }

    /// Closes the output; what a socket still holds is counted as dropped (call `flush` first).
    /// Standard output and a caller's descriptor are left open. Later writes are dropped and
    /// counted.
    public func close() {
        switch sink {
        case .descriptor:
            break
        case .file(let file):
            file.close()
        case .socket(let socket):
            socket.close(into: &statistics)
        case .closed:
            return
        }
        sink = .closed
    }

    /// A daemon writing to standard output (a pipe to a collector, journald's socket) must
    /// survive the reader going away: with SIGPIPE ignored, write(2) fails with EPIPE and the
    /// lines are counted as dropped. Sockets opened here use MSG_NOSIGNAL and need no help;
    /// the daemon calls this once at start, before any thread is spawned.
    public static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}

/// An output that cannot be opened: which one, and the system's reason.
public struct EventOutputError: Error, CustomStringConvertible, Sendable {
    /// Extensible like swift-asn1's error codes: new cases do not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidSpec, cannotOpen
        }

        private let base: Base

        /// The spec says nothing usable ("", "unix:" without a path, a socket path too long).
        public static let invalidSpec = Code(base: .invalidSpec)
        /// open(2) of the file failed.
        public static let cannotOpen = Code(base: .cannotOpen)

        public var description: String {
            switch base {
            case .invalidSpec: "invalidSpec"
            case .cannotOpen: "cannotOpen"
            }
        }
    }

    public let code: Code
    /// The file or socket path (the spec itself for an invalid spec).
    public let path: String
    /// The errno of the failing call, 0 when no system call failed.
    public let errno: Int32
    public let reason: String

    init(_ code: Code, path: String, errno: Int32 = 0, reason: String) {
        self.code = code
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// An error from a system call, with the errno text.
    static func system(_ code: Code, path: String, action: String, errno: Int32) -> EventOutputError {
        EventOutputError(code, path: path, errno: errno, reason: "\(action): \(errnoText(errno)) (errno \(errno))")
    }

    public var description: String {
        switch code {
        case .cannotOpen: "event output \"\(path)\": \(reason)"
        default: "invalid event output \"\(path)\": \(reason)"
        }
    }
}

/// strerror(3) as a String; only on error paths.
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// How many lines end in `bytes`: the lines that went out with a partial write or send.
func newlineCount(_ bytes: UnsafeRawBufferPointer) -> Int {
    var count = 0
    for byte in bytes where byte == UInt8(ascii: "\n") {
        count += 1
    }
    return count
}

/// Seconds on the monotonic clock, for reconnect spacing and flush deadlines (wall-clock
/// steps must not stall reconnection).
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

import Foundation
import Synchronization
import Testing
@testable import PcapIO
#if canImport(Glibc)
import Glibc
#endif

// Helpers of CaptureFollowerTests: files written as tcpdump writes them, threads, and the real
// tcpdump where it can run. Every name starts with "follow" so that none meets another suite's.

/// The pcap file header every test file starts with.
let followPcapHeader = PcapBuilder().bytes

/// Packet `number`'s bytes: a size and content of its own.
func followPayload(_ number: Int) -> [UInt8] {
    packetBytes(number, count: 20 + number % 70)
}

/// Record `number` as a pcap record: its 16-byte header and its bytes.
func followRecord(_ number: Int) -> [UInt8] {
    var builder = PcapBuilder()
    builder.record(seconds: 1_700_000_000 + UInt32(number), fraction: UInt32(number), data: followPayload(number))
    return Array(builder.bytes.dropFirst(followPcapHeader.count))
}

/// A whole file of records.
func followFile(_ numbers: ClosedRange<Int>) -> [UInt8] {
    followPcapHeader + numbers.flatMap { followRecord($0) }
}

/// Where records 1…count start in a file of them.
func followRecordOffsets(_ count: Int) -> [Int64] {
    var offset = Int64(followPcapHeader.count)
    return (1...count).map { number in
        defer { offset += Int64(followRecord(number).count) }
        return offset
    }
}

func followFileState(_ path: String) -> FileState {
    FileState.of(path: path)!
}

func followSetModified(_ path: String, secondsAgo: Int) {
    let time = Date().addingTimeInterval(-Double(secondsAgo))
    try? FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
}

/// Reads until `count` records came or `seconds` passed, waiting for changes in between.
func followRecords(_ follower: CaptureFollower, count: Int, within seconds: Double = 10) -> [ReadRecord] {
    var records: [ReadRecord] = []
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while true {
        do {
            while records.count < count, let record = try follower.next() { records.append(ReadRecord(record)) }
        } catch {
            Issue.record("next() threw \(error)")
            return records
        }
        if records.count >= count || ContinuousClock.now >= deadline { return records }
        _ = follower.wait(timeout: min(0.2, max(0.001, ContinuousClock.now.duration(to: deadline).followSeconds)))
    }
}

/// CPU seconds this thread used and wall seconds passed while `body` ran.
func followMeasure(_ body: () -> Void) -> (cpu: Double, elapsed: Double) {
    func cpuNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    let cpuStart = cpuNow()
    let start = ContinuousClock.now
    body()
    return (cpuNow() - cpuStart, start.duration(to: .now).followSeconds)
}

extension Duration {
    var followSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Runs `body` on a thread of its own; `wait()` on the result joins it.
func followOnAnotherThread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        body()
        done.signal()
    }
    return done
}

/// A file written as a capture program writes it: created (or truncated) when made, then
/// appended to with plain `write(2)` calls.
final class FollowTestWriter: Sendable {
    /// -1 once closed: a descriptor closed twice could close someone else's (the follower's).
    private let descriptor: Atomic<Int32>

    init(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(descriptor >= 0, "cannot create \(path)")
        self.descriptor = Atomic(descriptor)
    }

    deinit { close() }

    func write(_ bytes: [UInt8]) {
        let descriptor = descriptor.load(ordering: .relaxed)
        precondition(descriptor >= 0, "written after close")
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            precondition(count > 0 || errno == EINTR, "write failed")
            written += max(count, 0)
        }
    }

    func close() {
        let descriptor = descriptor.exchange(-1, ordering: .relaxed)
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }
}

/// A flag, with a text, set by one thread and read by another.
final class FollowFlag: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ text: String) { value.withLock { $0 = text } }
    var isSet: Bool { value.withLock { $0 != nil } }
    var text: String { value.withLock { $0 ?? "" } }
}

/// An instant set by one thread and read by another.
final class FollowInstant: Sendable {
    private let value = Mutex<ContinuousClock.Instant?>(nil)
    func set(_ instant: ContinuousClock.Instant) { value.withLock { $0 = instant } }
    func get() -> ContinuousClock.Instant? { value.withLock { $0 } }
}

/// A notice without the device and inode numbers, to compare.
enum FollowTestNotice: Equatable, CustomStringConvertible {
    case opened(String, Int)
    case finished(String, Int, records: Int)
    case other(String)

    init(_ notice: FollowNotice) {
        switch notice {
        case .opened(let path, let index, _, _): self = .opened(path, index)
        case .finished(let path, let index, let records, _): self = .finished(path, index, records: records)
        default: self = .other("\(notice)")
        }
    }

    var description: String {
        switch self {
        case .opened(let path, let index): "opened \(path) #\(index)"
        case .finished(let path, let index, let records): "finished \(path) #\(index) (\(records) records)"
        case .other(let text): text
        }
    }
}

/// A small deterministic random source for splits.
struct FollowSplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Running the real tcpdump, where it can capture.
enum FollowTcpdump {
    static let executable: String? = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/bin/tcpdump", "/sbin/tcpdump"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether tcpdump is installed and may open lo: `-d` compiles a filter for the interface's
    /// link type, which opens it, and exits at once.
    static let canCapture: Bool = {
        guard let executable else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-d", "-i", "lo", "udp"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// A running tcpdump.
    struct Running: Sendable {
        let pid: pid_t
        /// tcpdump's stderr. Kept open while it runs: closed, tcpdump dies of SIGPIPE the next
        /// time it writes there (the rest of its "listening on" line, or its closing counts).
        let errors: Int32

        /// SIGINT, then the exit is waited for (SIGKILL after 5 s); returns what tcpdump said
        /// last on stderr (its packet counts).
        func stop() -> String {
            kill(pid, SIGINT)
            var status: Int32 = 0
            var exited = false
            for _ in 0..<500 where !exited {
                exited = waitpid(pid, &status, WNOHANG) == pid
                if !exited { usleep(10_000) }
            }
            if !exited {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
            }
            defer { _ = Glibc.close(errors) }
            return FollowTcpdump.readText(errors, until: { _ in false })
        }
    }

    /// Reads `descriptor` until `done` says so, it ends, or nothing comes for 200 ms.
    static func readText(_ descriptor: Int32, until done: (String) -> Bool) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var text = ""
        while !done(text) {
            var polled = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&polled, 1, 200) > 0 else { break }
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            text += String(decoding: buffer.prefix(count), as: UTF8.self)
        }
        return text
    }

    /// Starts tcpdump and returns once it says it is listening. Spawned with posix_spawn and
    /// an empty signal mask: a test runs on a thread that blocks signals, and a child started
    /// from it with Foundation's Process inherits that mask and ignores SIGINT.
    static func start(_ arguments: [String]) throws -> Running {
        var pipeDescriptors: [Int32] = [-1, -1]
        guard pipeDescriptors.withUnsafeMutableBufferPointer({ pipe($0.baseAddress!) }) == 0 else {
            throw CaptureError(.io, path: "tcpdump", offset: nil, "no pipe")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeDescriptors[1], 2)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipeDescriptors[0])
        posix_spawn_file_actions_addclose(&actions, pipeDescriptors[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable!] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable!, &actions, &attributes, argv, environ)
        _ = Glibc.close(pipeDescriptors[1])
        guard spawned == 0 else {
            throw CaptureError(.io, path: "tcpdump", offset: nil, "cannot start tcpdump: error \(spawned)")
        }
        let running = Running(pid: pid, errors: pipeDescriptors[0])
        // Its stderr until "listening on", at most 5 s.
        let deadline = ContinuousClock.now + .seconds(5)
        var text = ""
        while !text.contains("listening on"), ContinuousClock.now < deadline {
            text += readText(pipeDescriptors[0]) { $0.contains("listening on") }
        }
        guard text.contains("listening on") else {
            let rest = running.stop()
            throw CaptureError(.io, path: "tcpdump", offset: nil, "tcpdump did not start listening: \(text)\(rest)")
        }
        return running
    }

    /// Sends `count` datagrams to 127.0.0.1:`port`, pausing `pause` µs after every
    /// `pauseEvery` of them.
    static func sendUDP(port: UInt16, count: Int, payload: Int, pauseEvery: Int, pause: UInt32) {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard socketDescriptor >= 0 else { return }
        defer { _ = Glibc.close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        for number in 0..<count {
            var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: payload)
            bytes[0] = UInt8(truncatingIfNeeded: number >> 8)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(socketDescriptor, &bytes, bytes.count, 0, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if number % pauseEvery == pauseEvery - 1 { usleep(pause) }
        }
    }
}

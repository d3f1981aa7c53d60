import Foundation
import Glibc
import Synchronization
import Testing
@testable import Monitor

// Where the daemon's JSON lines go: real files, real pipes, real unix sockets with a collector
// on its own thread. A line on the wire is either whole or absent; every line given is counted
// once, as written or as dropped.

@Suite("EventOutput: a file")
struct EventOutputFileTests {
    @Test("Lines are appended after what the file already holds")
    func appendKeepsExistingContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/events.jsonl"
        try Data("existing line\n".utf8).write(to: URL(fileURLWithPath: path))

        let output = try EventOutput(path)
        let lines = EventLines(0..<3)
        lines.write(to: output)
        output.close()

        #expect(try contents(path) == Array("existing line\n".utf8) + lines.bytes)
        #expect(output.statistics == statistics(written: 3, bytes: lines.bytes.count))
    }

    @Test("A new file is created readable by the owner and group only (0640 at most)")
    func newFileMode() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/events.jsonl"
        let output = try EventOutput(path)
        output.close()
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 & ~0o640 == 0)
    }

    @Test("reopen after logrotate renamed the file: new lines start a new file at the path")
    func reopenAfterRotation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/events.jsonl"
        let output = try EventOutput(path)
        let before = EventLines(0..<2)
        let betweenRenameAndHUP = EventLines(2..<4)
        let after = EventLines(4..<7)

        before.write(to: output)
        #expect(rename(path, path + ".1") == 0)
        betweenRenameAndHUP.write(to: output)
        try output.reopen()
        after.write(to: output)
        output.close()

        #expect(try contents(path + ".1") == before.bytes + betweenRenameAndHUP.bytes)
        #expect(try contents(path) == after.bytes)
        #expect(output.statistics.linesWritten == 7)
    }

    @Test("A reopen that fails keeps the lines going to the old file")
    func failedReopenKeepsOldFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(mkdir(directory.path + "/logs", 0o755) == 0)
        let output = try EventOutput(directory.path + "/logs/events.jsonl")
        #expect(rename(directory.path + "/logs", directory.path + "/moved") == 0)

        let error = try #require(throws: EventOutputError.self) { try output.reopen() }
        #expect(error.code == .cannotOpen)
        #expect(error.errno == ENOENT)

        let lines = EventLines(0..<2)
        lines.write(to: output)
        output.close()
        #expect(try contents(directory.path + "/moved/events.jsonl") == lines.bytes)
    }

    @Test("A file in a missing directory is an error naming the path and the errno text")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/missing/events.jsonl"
        let error = try #require(throws: EventOutputError.self) { try EventOutput(path) }
        #expect(error.code == .cannotOpen)
        #expect(error.errno == ENOENT)
        #expect(error.path == path)
        #expect(error.description.contains(path))
        #expect(error.description.contains("No such file or directory"))
    }

    @Test("A file in a read-only directory is an error", .enabled(if: geteuid() != 0, "root writes anywhere"))
    func readOnlyDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let readOnly = directory.path + "/ro"
        #expect(mkdir(readOnly, 0o500) == 0)
        defer { chmod(readOnly, 0o700) }
        let error = try #require(throws: EventOutputError.self) { try EventOutput(readOnly + "/events.jsonl") }
        #expect(error.errno == EACCES)
        #expect(error.description.contains("Permission denied"))
    }

    @Test("A directory given as the file is an error")
    func directoryAsFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = try #require(throws: EventOutputError.self) { try EventOutput(directory.path) }
        #expect(error.errno == EISDIR)
    }

    @Test("Specs that say nothing usable are errors", arguments: ["", "unix:", "unix:/tmp/" + String(repeating: "s", count: 120)])
    func invalidSpec(spec: String) throws {
        let error = try #require(throws: EventOutputError.self) { try EventOutput(spec) }
        #expect(error.code == .invalidSpec)
        #expect(error.errno == 0)
    }
}

@Suite("EventOutput: standard output and pipes")
struct EventOutputDescriptorTests {
    @Test("\"-\" is standard output, which close leaves open")
    func standardOutput() throws {
        let output = try EventOutput("-")
        #expect(output.spec == "-")
        #expect(output.flush(timeout: 0))
        output.close()
        #expect(fcntl(STDOUT_FILENO, F_GETFD) != -1)
    }

    @Test("A pipe receives exactly the lines")
    func pipe() throws {
        let (reader, writer) = try makePipe()
        defer { _ = Glibc.close(reader); _ = Glibc.close(writer) }
        let output = EventOutput(descriptor: writer)
        let first = EventLines(0..<3), second = EventLines(3..<10)
        first.write(to: output)
        second.write(to: output)

        #expect(readAvailable(reader) == first.bytes + second.bytes)
        #expect(output.statistics == statistics(written: 10, bytes: first.bytes.count + second.bytes.count))
    }

    @Test("A pipe whose reader is gone: an error is counted, the process lives on")
    func closedPipe() throws {
        EventOutput.ignoreSIGPIPE()
        let (reader, writer) = try makePipe()
        defer { _ = Glibc.close(writer) }
        _ = Glibc.close(reader)
        let output = EventOutput(descriptor: writer)
        EventLines(0..<3).write(to: output)
        EventLines(3..<5).write(to: output)

        #expect(output.statistics.writeErrors == 2)
        #expect(output.statistics.linesDropped == 5)
        #expect(output.statistics.linesWritten == 0)
    }

    @Test("journald's kind of stdout, a socket whose peer is gone: an error is counted")
    func closedSocketPair() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { _ = Glibc.close(pair[0]) }
        _ = Glibc.close(pair[1])
        let output = EventOutput(descriptor: pair[0])
        EventLines(0..<4).write(to: output)
        #expect(output.statistics.writeErrors == 1)
        #expect(output.statistics.linesDropped == 4)
    }

    @Test("After close, lines are counted as dropped")
    func writeAfterClose() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = try EventOutput(directory.path + "/events.jsonl")
        output.close()
        EventLines(0..<2).write(to: output)
        #expect(output.statistics.linesDropped == 2)
        #expect(output.statistics.writeErrors == 0)
    }
}

@Suite("EventOutput: a unix socket collector")
struct EventOutputSocketTests {
    @Test("A listening collector receives exactly the lines")
    func exactLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let collector = try Collector(path: directory.path + "/collector.sock")
        defer { collector.stop() }
        let output = try EventOutput("unix:" + collector.path)
        let batches = [EventLines(0..<1), EventLines(1..<5), EventLines(5..<40)]
        for batch in batches {
            batch.write(to: output)
        }
        #expect(output.flush(timeout: 2))
        output.close()

        let received = collector.waitForConnections(1)
        #expect(received == [batches.flatMap(\.bytes)])
        #expect(output.statistics == statistics(written: 40, bytes: batches.map(\.bytes.count).reduce(0, +)))
    }

    @Test("A collector that starts later gets the pending lines, whole, once the interval has passed")
    func collectorStartsLater() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/collector.sock"
        let output = try EventOutput("unix:" + path)
        let lines = EventLines(0..<10)
        lines.write(to: output)
        #expect(output.statistics.linesWritten == 0)
        #expect(output.statistics.pendingBytes == lines.bytes.count)

        let collector = try Collector(path: path)
        defer { collector.stop() }
        // The failed attempt at start was less than the 1 s interval ago.
        output.tick()
        #expect(output.statistics.reconnects == 0)
        #expect(output.statistics.pendingBytes == lines.bytes.count)

        #expect(output.flush(timeout: 3))
        output.close()
        #expect(collector.waitForConnections(1) == [lines.bytes])
        #expect(output.statistics.reconnects == 1)
        #expect(output.statistics.linesWritten == 10)
        #expect(output.statistics.pendingBytes == 0)
    }

    @Test("Beyond the bound, whole lines are dropped and counted; what was kept arrives whole")
    func boundDropsWholeLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/collector.sock"
        let output = try EventOutput("unix:" + path, reconnectInterval: 0.01, pendingLimit: 1000)
        for start in stride(from: 0, to: 50, by: 5) {
            EventLines(start..<(start + 5)).write(to: output)
        }
        #expect(output.statistics.pendingBytes <= 1000)
        #expect(output.statistics.linesDropped > 0)
        #expect(output.statistics.linesWritten == 0)

        let collector = try Collector(path: path)
        defer { collector.stop() }
        #expect(output.flush(timeout: 3))
        output.close()

        let received = try collector.waitForConnections(1).map(EventLines.parse)
        #expect(received.count == 1)
        #expect(received[0].fragment.isEmpty)
        #expect(EventLines.isIncreasing(received[0].sequences))
        #expect(received[0].sequences.count == output.statistics.linesWritten)
        #expect(output.statistics.linesWritten + output.statistics.linesDropped == 50)
    }

    @Test("A collector that does not read never blocks the writer; lines beyond the bound are dropped whole")
    func slowCollector() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let collector = try Collector(path: directory.path + "/collector.sock", paused: true)
        defer { collector.stop() }
        let output = try EventOutput("unix:" + collector.path, pendingLimit: 64 << 10)
        let total = 20_000
        let started = monotonicSeconds()
        for start in stride(from: 0, to: total, by: 100) {
            EventLines(start..<(start + 100)).write(to: output)
            output.tick()
        }
        #expect(monotonicSeconds() - started < 3)
        #expect(output.statistics.linesDropped > 0)
        #expect(output.statistics.pendingBytes <= 64 << 10)

        collector.resume()
        #expect(output.flush(timeout: 5))
        output.close()

        let received = try collector.waitForConnections(1).map(EventLines.parse)
        #expect(received.count == 1)
        #expect(received[0].fragment.isEmpty)
        #expect(EventLines.isIncreasing(received[0].sequences))
        #expect(received[0].sequences.count == output.statistics.linesWritten)
        #expect(output.statistics.linesWritten + output.statistics.linesDropped == total)
        #expect(output.statistics.writeErrors == 0)
    }

    @Test("A collector that hangs up mid-run is reconnected on a later tick; no torn line reaches it")
    func collectorHangsUpWhileReading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let collector = try Collector(path: directory.path + "/collector.sock", hangUpAfter: 30_000)
        defer { collector.stop() }
        let output = try EventOutput("unix:" + collector.path, reconnectInterval: 0.02, pendingLimit: 16 << 10)
        var next = 0
        func batch() {
            EventLines(next..<(next + 10)).write(to: output)
            output.tick()
            next += 10
        }
        // Written at a pace the collector keeps up with, until it hangs up...
        let deadline = monotonicSeconds() + 5
        while !collector.hasHungUp, monotonicSeconds() < deadline {
            batch()
            usleep(200)
        }
        #expect(collector.hasHungUp)
        // ...and on: the writer notices, keeps what fits, and reconnects after the interval.
        for _ in 0..<100 {
            batch()
            usleep(500)
        }
        #expect(output.flush(timeout: 3))
        output.close()

        let connections = try collector.waitForConnections(2).map(EventLines.parse)
        #expect(connections.count >= 2)
        for connection in connections.dropFirst() {
            #expect(connection.fragment.isEmpty)
        }
        let sequences = connections.flatMap(\.sequences)
        #expect(EventLines.isIncreasing(sequences))
        #expect(sequences.count <= output.statistics.linesWritten)
        #expect(output.statistics.writeErrors >= 1)
        #expect(output.statistics.reconnects >= 1)
        #expect(output.statistics.linesWritten + output.statistics.linesDropped == next)
    }

    @Test("A collector that hangs up without reading: the rest of a line begun on the old connection is dropped, not sent torn")
    func collectorHangsUpWithoutReading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let collector = try Collector(path: directory.path + "/collector.sock", hangUpAfter: 0, paused: true)
        defer { collector.stop() }
        let output = try EventOutput("unix:" + collector.path, reconnectInterval: 0.02, pendingLimit: 512 << 10)
        // Long lines of an odd length: the socket fills up inside a line.
        let total = 2_000
        let lines = EventLines(0..<total, padding: 997)
        lines.write(to: output)
        #expect(output.statistics.pendingBytes > 0)

        collector.resume()
        let deadline = monotonicSeconds() + 5
        while !collector.hasHungUp, monotonicSeconds() < deadline {
            usleep(1000)
        }
        #expect(output.flush(timeout: 3))
        output.close()

        let connections = try collector.waitForConnections(2).map(EventLines.parse)
        #expect(connections.count == 2)
        #expect(connections.first?.sequences.isEmpty == true)
        let second = try #require(connections.last)
        #expect(second.fragment.isEmpty)
        #expect(!second.sequences.isEmpty)
        #expect(EventLines.isIncreasing(second.sequences))
        // The first connection took lines 0..<lost whole, maybe the beginning of line `lost`
        // (counted in bytesWritten, not in linesWritten), and the collector dropped them
        // unread. A begun line must not reappear on the second connection: the second starts
        // right after it, and its lines follow one another up to the bound.
        let lost = output.statistics.linesWritten - second.sequences.count
        let lostBytes = EventLines(0..<lost, padding: 997).bytes.count
        let begun = output.statistics.bytesWritten - second.bytes - lostBytes
        #expect((0..<EventLines.line(lost, padding: 997).utf8.count).contains(begun))
        let first = lost + (begun > 0 ? 1 : 0)
        #expect(second.sequences == Array(first..<(first + second.sequences.count)))
        #expect(output.statistics.writeErrors == 1)
        #expect(output.statistics.reconnects == 1)
        #expect(output.statistics.linesWritten + output.statistics.linesDropped == total)
    }
}

// MARK: - Helpers

/// Event-like lines `{"seq":N,"pad":"…"}` of varying length, so batches and socket buffers end
/// at arbitrary places; each line says which one it is, so a collector can check it whole.
private struct EventLines {
    let bytes: [UInt8]
    let count: Int

    init(_ sequences: Range<Int>, padding: Int? = nil) {
        var bytes: [UInt8] = []
        for sequence in sequences {
            bytes += Array(Self.line(sequence, padding: padding).utf8)
        }
        self.bytes = bytes
        count = sequences.count
    }

    static func line(_ sequence: Int, padding: Int? = nil) -> String {
        let pad = padding ?? (sequence * 7919 % 61)
        return "{\"seq\":\(sequence),\"pad\":\"\(String(repeating: "x", count: pad))\"}\n"
    }

    func write(to output: EventOutput) {
        bytes.withUnsafeBytes { output.write($0, lines: count) }
    }

    /// One connection's bytes: the sequence numbers of its lines, each checked to be exactly
    /// the line that was written, and what followed the last newline.
    static func parse(_ bytes: [UInt8]) throws -> (sequences: [Int], fragment: [UInt8], bytes: Int) {
        var sequences: [Int] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            let text = String(decoding: bytes[start...index], as: UTF8.self)
            start = index + 1
            let digits = text.dropFirst("{\"seq\":".count).prefix { $0.isNumber }
            let sequence = try #require(Int(digits), "not an event line: \(text.prefix(80))")
            let padding = text.filter { $0 == "x" }.count
            #expect(text == line(sequence, padding: padding) && (padding == 997 || padding == sequence * 7919 % 61),
                    "torn or altered line: \(text.prefix(80))")
            sequences.append(sequence)
        }
        return (sequences, Array(bytes[start...]), bytes.count)
    }

    static func isIncreasing(_ sequences: [Int]) -> Bool {
        zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }
    }
}

/// A collector listening on a unix socket, as a socket source of Vector or Fluent Bit does:
/// it serves one connection after another on its own thread and keeps what each carried.
/// `paused` holds it back from reading (a slow collector); `hangUpAfter` makes it close its
/// first connection once it has read that many bytes.
private final class Collector: @unchecked Sendable {
    struct State {
        var connections: [[UInt8]] = []
        var ended = 0
        var paused: Bool
        var hangUpAfter: Int?
        var hasHungUp = false
        var stopping = false
        var finished = false
    }

    let path: String
    private let listener: Int32
    private let state: Mutex<State>

    init(path: String, hangUpAfter: Int? = nil, paused: Bool = false) throws {
        self.path = path
        state = Mutex(State(paused: paused, hangUpAfter: hangUpAfter))
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(listener >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0 && listen(listener, 8) == 0, "bind/listen \(path): \(String(cString: strerror(errno)))")
        Thread { [self] in run() }.start()
    }

    var hasHungUp: Bool { state.withLock { $0.hasHungUp } }

    func resume() {
        state.withLock { $0.paused = false }
    }

    /// Waits until `count` connections have ended (the writer closed them or the collector hung
    /// up) and returns what every connection carried.
    func waitForConnections(_ count: Int, timeout: Double = 5) -> [[UInt8]] {
        let deadline = monotonicSeconds() + timeout
        while state.withLock({ $0.ended < count }), monotonicSeconds() < deadline {
            usleep(1000)
        }
        return state.withLock { $0.connections }
    }

    func stop() {
        state.withLock { $0.stopping = true }
        while !state.withLock({ $0.finished }) {
            usleep(1000)
        }
        _ = Glibc.close(listener)
        unlink(path)
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        while !stopping {
            guard wait(for: listener) else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            state.withLock { $0.connections.append([]) }
            serve(connection)
            _ = Glibc.close(connection)
            state.withLock { $0.ended += 1 }
        }
        state.withLock { $0.finished = true }
    }

    private func serve(_ connection: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var received = 0
        while !stopping {
            let (paused, hangUpAfter) = state.withLock { ($0.paused, $0.hangUpAfter) }
            if paused {
                usleep(1000)
                continue
            }
            if let hangUpAfter, received >= hangUpAfter {
                state.withLock {
                    $0.hangUpAfter = nil
                    $0.hasHungUp = true
                }
                return
            }
            guard wait(for: connection) else { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(connection, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            received += count
            state.withLock { $0.connections[$0.connections.count - 1] += buffer[..<count] }
        }
    }

    /// Readable within 10 ms: short enough to notice `stop` promptly.
    private func wait(for descriptor: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, 10) > 0
    }
}

/// A fresh directory under /tmp (short, so socket paths fit in sun_path). Removed by an
/// explicit `defer`: a deinit could run as soon as `path` was last read, under a live socket.
private struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/pktt-output-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

private func contents(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

private func statistics(written lines: Int, bytes: Int) -> EventOutput.Statistics {
    var expected = EventOutput.Statistics()
    expected.linesWritten = lines
    expected.bytesWritten = bytes
    return expected
}

private func makePipe() throws -> (reader: Int32, writer: Int32) {
    var descriptors: [Int32] = [-1, -1]
    try #require(Glibc.pipe(&descriptors) == 0)
    return (descriptors[0], descriptors[1])
}

/// What the pipe holds now (the writer is still open, so read until it would block).
private func readAvailable(_ reader: Int32) -> [UInt8] {
    _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK)
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(reader, $0.baseAddress, $0.count) }
        if count <= 0 { return result }
        result += buffer[..<count]
    }
}

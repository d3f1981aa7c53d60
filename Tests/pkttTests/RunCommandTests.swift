import Foundation
import Testing

/// `pktt run` as a user runs it: real processes, real files growing while it follows them,
/// real signals, standard input, a live capture in a network namespace of the test's own.
@Suite("pktt run", .serialized)
struct RunCommandTests {
    static let rules = ["--rule", "nfs-error: NFS.status != 0", "--rule", "slow: RPC.latency > 0.0002",
                        "--rule", "open-failed: NFS.argop == 18 and NFS.status != 0"]

    /// The alert lines of a run, without `pktt.file`/`pktt.frame` (where a packet was read from
    /// differs between a rotated set and one file; nothing else may).
    static func alerts(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.contains("\"kind\":\"alert\"") }.map {
            $0.replacing(/"file":"[^"]*","index":(\d+),"frame":\d+/) { "\"index\":\($0.1)" }
        }.map(String.init)
    }

    @Test("--read writes the alerts of the rules, and counts them in its final statistics")
    func read() throws {
        let run = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--stats-interval", "0"] + Self.rules)
        #expect(run.status == 0, "\(run.stderr)")
        let alerts = Self.alerts(run.stdout)
        let errors = alerts.filter { $0.contains("\"name\":\"nfs-error\"") }
        let counted = try CLI.run(["match", "--count", "RPC.type == 1 and NFS.status != 0", CLI.fixture("nfs3/lab-nfs-errors.pcap")])
        #expect(errors.count == Int(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(alerts.contains { $0.contains("\"name\":\"open-failed\"") })
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first?.contains("\"action\":\"start\"") == true)
        #expect(lines.last?.contains("\"action\":\"stop\"") == true)
        #expect(run.stdout.contains("\"action\":\"statistics.final\""))
        #expect(run.stdout.contains("\"nfs-error\":\(errors.count)"))
    }

    @Test("Standard input (tcpdump -U -w - | pktt run -r -) gives the events of --read")
    func standardInput() throws {
        let path = CLI.fixture("nfs4/lab-nfsv41.pcap")
        let piped = try PipedCLI.run(["run", "-r", "-", "--stats-interval", "0"] + Self.rules,
                                     input: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        let read = try CLI.run(["run", "-r", path, "--stats-interval", "0"] + Self.rules)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!Self.alerts(read.stdout).isEmpty)
        #expect(Self.alerts(piped.stdout) == Self.alerts(read.stdout))
    }

    @Test("Bad input is a clear error: a rule's expression names its column, a bad BPF filter libpcap's reason")
    func errors() throws {
        let bad = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--rule", "x: NFS.status !== 0"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("rule 'x'") && bad.stderr.contains("column"))
        let noName = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--rule", "NFS.status"])
        #expect(noName.status == 2)
        let filter = try CLI.run(["run", "-i", "lo", "--filter", "tcp port", "--rule", "x: RPC.program == 100003"])
        #expect(filter.status == 1)
        #expect(filter.stderr.contains("tcp port"), "\(filter.stderr)")
        let two = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--follow", "/tmp/x"])
        #expect(two.status != 0 && two.stderr.contains("one source"))
    }

    @Test("--follow gives a growing file's events while records land, and stops cleanly on SIGTERM")
    func followGrowingFile() throws {
        let dir = try TemporaryFolder()
        let capture = try PcapRecords(CLI.fixture("nfs3/lab-nfs-errors.pcap"))
        let path = dir.path + "/live.pcap"
        _ = FileManager.default.createFile(atPath: path, contents: Data(capture.header))
        let daemon = try Daemon(["run", "--follow", path, "--stats-interval", "0"] + Self.rules, in: dir)
        // the first half, record by record, each cut in two writes
        let half = capture.records.count / 2
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try file.seekToEnd()
        for record in capture.records[..<half] {
            try file.write(contentsOf: Data(record.prefix(10)))
            try file.write(contentsOf: Data(record.dropFirst(10)))
        }
        // events of the first half arrive while the file is still open for writing
        let expectedFirst = try CLI.run(["run", "-r", try capture.write(dir.path + "/first.pcap", records: 0..<half),
                                         "--stats-interval", "0"] + Self.rules)
        let firstCount = Self.alerts(expectedFirst.stdout).count
        #expect(firstCount > 0)
        #expect(daemon.waitFor(timeout: 10) { Self.alerts($0).count >= firstCount })
        for record in capture.records[half...] { try file.write(contentsOf: Data(record)) }
        try file.close()
        let all = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--stats-interval", "0"] + Self.rules)
        let expected = Self.alerts(all.stdout)
        #expect(daemon.waitFor(timeout: 10) { Self.alerts($0).count >= expected.count })
        let (status, output) = daemon.stop()
        #expect(status == 0)
        #expect(Self.alerts(output) == expected)
        #expect(output.contains("\"action\":\"statistics.final\"") && output.contains("\"action\":\"stop\""))
    }

    @Test("Rotation sets written over time (-C, -C -W, -G) give the events of --read over the same packets",
          arguments: ["size", "ring", "time"])
    func followRotation(kind: String) throws {
        let dir = try TemporaryFolder()
        let source = CLI.fixture("nfs4/lab-nfsv41.pcap")
        let capture = try PcapRecords(source)
        let expected = Self.alerts(try CLI.run(["run", "-r", source, "--stats-interval", "0"] + Self.rules).stdout)
        #expect(!expected.isEmpty)
        // tcpdump's names: -C: f, f1, f2…; -C -W 10: f0…f9; -G: the strftime pattern
        let names: [String], follow: String
        switch kind {
        case "size": names = ["cap", "cap1", "cap2", "cap3"]; follow = dir.path + "/cap"
        case "ring": names = ["cap0", "cap1", "cap2", "cap3"]; follow = dir.path + "/cap"
        default:
            names = ["nfs-20261207-100000.pcap", "nfs-20261207-100100.pcap", "nfs-20261207-100200.pcap", "nfs-20261207-100300.pcap"]
            follow = dir.path + "/nfs-%Y%m%d-%H%M%S.pcap"
        }
        let parts = names.count, n = capture.records.count
        // the first file exists before pktt starts, as tcpdump's does
        _ = try capture.write(dir.path + "/" + names[0], records: 0..<(n / parts))
        let daemon = try Daemon(["run", "--follow", follow, "--stats-interval", "0"] + Self.rules, in: dir)
        for i in 1..<parts {
            usleep(150_000)
            _ = try capture.write(dir.path + "/" + names[i], records: (i * n / parts)..<((i + 1) * n / parts))
        }
        #expect(daemon.waitFor(timeout: 15) { Self.alerts($0).count >= expected.count })
        let (status, output) = daemon.stop()
        #expect(status == 0)
        #expect(Self.alerts(output) == expected)
        for name in names.dropLast() { #expect(output.contains("\"action\":\"file-finished\"},\"file\":{\"path\":\"\(dir.path)/\(name)\"")) }
    }
}

extension RunCommandTests {
    @Test("A ring slot overwritten while pktt is behind is reported as lost, and the run goes on")
    func ringSlotOverwritten() throws {
        let dir = try TemporaryFolder()
        let capture = try PcapRecords(CLI.fixture("nfs4/lab-nfsv41.pcap"))
        let n = capture.records.count
        _ = try capture.write(dir.path + "/cap0", records: 0..<(n / 2))
        let daemon = try Daemon(["run", "--follow", dir.path + "/cap", "--stats-interval", "0"] + Self.rules, in: dir)
        #expect(daemon.waitFor(timeout: 10) { $0.contains("\"action\":\"file-opened\"") })
        usleep(300_000)
        // pktt falls behind (stopped); meanwhile tcpdump -W 2 goes on to cap1 and wraps to
        // cap0, truncating it in place and writing it again, shorter
        kill(daemon.process.processIdentifier, SIGSTOP)
        _ = try capture.write(dir.path + "/cap1", records: (n / 2)..<n)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path + "/cap0"))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(capture.header + capture.records[0..<5].joined()))
        try handle.close()
        kill(daemon.process.processIdentifier, SIGCONT)
        #expect(daemon.waitFor(timeout: 10) { $0.contains("\"action\":\"file-lost\"") })
        let (status, output) = daemon.stop()
        #expect(status == 0)
        #expect(output.contains("\"lost_files\":") && !output.contains("\"lost_files\":0,"))
    }
}

extension RunCommandTests {
    @Test("What the run could not read or write makes it exit 1 and say so")
    func failuresExitNonzero() throws {
        // a record header whose length is absurd, after the first records
        let corrupt = try CLI.damaged("nfs3/lab-nfs-errors.pcap") { bytes in
            var offset = 24
            for _ in 0..<100 {
                let length = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16
                offset += 16 + length
            }
            bytes[offset + 8] = 0xff; bytes[offset + 9] = 0xff; bytes[offset + 10] = 0xff; bytes[offset + 11] = 0x7f
        }
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        let read = try CLI.run(["run", "-r", corrupt, "--stats-interval", "0"] + Self.rules)
        #expect(read.status == 1)
        #expect(read.stderr.contains(corrupt))
        #expect(read.stdout.contains("\"action\":\"file-error\""))
        let socket = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--stats-interval", "0",
                                  "-o", "unix:/tmp/pktt-no-listener-\(UUID().uuidString)"] + Self.rules)
        #expect(socket.status == 1)
        #expect(socket.stderr.contains("event lines could not be written"))
        let directory = try CLI.run(["run", "--follow", "/tmp"] + Self.rules)
        #expect(directory.status == 1 && directory.stderr.contains("is a directory"))
        let interval = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--stats-interval", "1ns"] + Self.rules)
        #expect(interval.status != 0 && interval.stderr.contains("at least 1s"))
    }

    @Test("A rules file's errors name the file, line and column")
    func rulesFileErrors() throws {
        let dir = try TemporaryFolder()
        func check(_ yaml: String, _ expected: String) throws {
            let path = dir.path + "/rules-\(UUID().uuidString).yaml"
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
            let run = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--rules", path])
            #expect(run.status == 2, "\(yaml)")
            #expect(run.stderr.contains(path + expected), "\(run.stderr)")
        }
        try check("rules:\n  - name: a\n    match: NFS.status != 0\n    severty: error\n", ":4:5: unknown key 'severty' (did you mean 'severity'?)")
        try check("rules:\n  - name: a\n    match: NFS.status !== 0\n", ":3:25: rule 'a': column 14")
        try check("rules:\n  - name: a\n    match: NFS.status != 0\n    no_reply_after: 5 parsecs\n", ":4:21: no_reply_after: bad duration")
        try check("rules:\n  - name: a\n    match: NFS.status != 0\n    suppress: {keys: [client.addr], interval: 1m}\n",
                  ":4:23: unknown suppression key 'client.addr' (did you mean 'client.ip'?)")
        try check("rules:\n  - {name: a, match: NFS.status != 0}\n  - {name: a, match: NFS.status == 0}\n", ":3:5: rule 'a' is defined twice")
        let binary = dir.path + "/binary.yaml"
        try Data([0x72, 0x75, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: binary))
        let notText = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--rules", binary])
        #expect(notText.status == 2 && notText.stderr.contains("not UTF-8 text"))
        let folder = try CLI.run(["run", "-r", CLI.fixture("nfs3/lab-nfs-errors.pcap"), "--rules", dir.path])
        #expect(folder.status == 2 && folder.stderr.contains("is a directory"))
    }
}

/// A pcap file's header and its records' bytes (header included), to write again in pieces.
struct PcapRecords {
    var header: [UInt8]
    var records: [[UInt8]] = []

    init(_ path: String) throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        header = Array(data.prefix(24))
        var offset = 24
        while offset + 16 <= data.count {
            let length = Int(data[offset + 8]) | Int(data[offset + 9]) << 8 | Int(data[offset + 10]) << 16 | Int(data[offset + 11]) << 24
            guard offset + 16 + length <= data.count else { break }
            records.append(Array(data[offset..<(offset + 16 + length)]))
            offset += 16 + length
        }
    }

    /// Writes the header and `range`'s records to `path`; returns the path.
    func write(_ path: String, records range: Range<Int>) throws -> String {
        var bytes = header
        for r in records[range] { bytes += r }
        try Data(bytes).write(to: URL(fileURLWithPath: path + ".tmp"))
        // appear whole, as a new file of tcpdump's does once its first records are flushed
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        return path
    }
}

/// A folder removed when the value goes.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// `pktt run` in the background, its events going to a file the test reads as they come.
final class Daemon {
    let process = Process()
    let output: String

    init(_ arguments: [String], in dir: TemporaryFolder, prefix: [String] = []) throws {
        output = dir.path + "/events-\(UUID().uuidString).jsonl"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        if prefix.isEmpty {
            process.executableURL = CLI.executable
            process.arguments = arguments + ["--output", output]
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [CLI.executable.path] + arguments + ["--output", output]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// Polls the output until `done` holds or `timeout` seconds pass.
    func waitFor(timeout: Double, _ done: (String) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if done(text) { return true }
            usleep(20_000)
        }
        return done(text)
    }

    /// SIGTERM, then the exit status and everything written.
    func stop() -> (Int32, String) {
        process.terminate()
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    deinit { if process.isRunning { process.terminate() } }
}

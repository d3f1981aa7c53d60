import Foundation
import Testing

/// `pktt run` against real traffic: a network namespace of the test's own, UDP RPC replayed on
/// its loopback from a fixture, a real tcpdump rotating its files, and libpcap capturing live.
@Suite("pktt run on real traffic", .serialized, .enabled(if: NetworkNamespace.usable, "needs root, ip(8) and python3"))
struct RunLiveTests {
    static let rules = ["--rule", "nfs: RPC.program == 100003", "--rule", "slow: RPC.latency > 0.0001"]
    static let traffic = CLI.fixture("nfs3/nfsv2-udp.pcap")

    @Test("A live capture on an interface of a test namespace sees the traffic the test sends")
    func liveCapture() throws {
        let ns = try NetworkNamespace()
        let dir = try TemporaryFolder()
        let expected = RunCommandTests.alerts(try CLI.run(["run", "-r", Self.traffic, "--stats-interval", "0"] + Self.rules).stdout)
            .filter { $0.contains("\"name\":\"nfs\"") }.count
        #expect(expected > 50)
        let daemon = try Daemon(["run", "-i", "lo", "--filter", "udp", "--stats-interval", "0", "--workers", "2",
                                 "--buffer-size", "16"] + Self.rules, in: dir, prefix: ns.exec)
        #expect(daemon.waitFor(timeout: 10) { $0.contains("\"action\":\"start\"") })
        // slowly: a loaded machine's capture thread must keep up (what it misses is counted
        // as kernel drops, and the test would fail on them)
        try ns.replay(Self.traffic, rounds: 1, pause: 0.02)
        #expect(daemon.waitFor(timeout: 10) { text in
            RunCommandTests.alerts(text).filter { $0.contains("\"name\":\"nfs\"") }.count >= expected
        })
        let (status, output) = daemon.stop()
        #expect(status == 0)
        let seen = RunCommandTests.alerts(output).filter { $0.contains("\"name\":\"nfs\"") }
        #expect(seen.count == expected)
        #expect(seen.allSatisfy { $0.contains("\"client\":{\"ip\":\"127.0.0.1\"") })
        #expect(output.contains("\"kernel_drops\":0"))
    }

    @Test("Under steady traffic with several workers, alerts and statistics go out while the traffic flows")
    func steadyTraffic() throws {
        let ns = try NetworkNamespace()
        let dir = try TemporaryFolder()
        let daemon = try Daemon(["run", "-i", "lo", "--filter", "udp", "--stats-interval", "1s", "--workers", "4",
                                 "--buffer-size", "16"] + Self.rules, in: dir, prefix: ns.exec)
        #expect(daemon.waitFor(timeout: 10) { $0.contains("\"action\":\"start\"") })
        // the replay never pauses for 100 ms (the capture's read timeout): only the reader's
        // wall-clock flush lets events out before the traffic stops
        let replay = try ns.startReplay(Self.traffic, rounds: 400, pause: 0.002)
        defer { if replay.isRunning { replay.terminate() } }
        #expect(daemon.waitFor(timeout: 10) { RunCommandTests.alerts($0).count > 10 })
        #expect(daemon.waitFor(timeout: 10) { $0.contains("\"action\":\"statistics\"") && !$0.contains("\"records\":0,") })
        #expect(replay.isRunning, "the events came only after the traffic stopped")
        replay.terminate()
        replay.waitUntilExit()
        let (status, _) = daemon.stop()
        #expect(status == 0)
    }

    @Test("A real tcpdump -C writing rotating files: following them gives the events of --read over them")
    func followTcpdumpRotation() throws {
        let ns = try NetworkNamespace()
        let dir = try TemporaryFolder()
        let base = dir.path + "/cap"
        // -C 1: a new file every 1,000,000 bytes; -U and --immediate-mode: each packet written
        // as it comes; -Z root: keep writing to the test's folder
        let tcpdump = Process()
        tcpdump.executableURL = URL(fileURLWithPath: ns.exec[0])
        tcpdump.arguments = Array(ns.exec.dropFirst()) + [NetworkNamespace.tcpdump, "-i", "lo", "-U", "--immediate-mode", "-Z", "root", "-C", "1",
                                                         "-w", base, "udp"]
        tcpdump.standardOutput = FileHandle.nullDevice
        tcpdump.standardError = FileHandle.nullDevice
        try tcpdump.run()
        // SIGKILL: a child of the test process inherits its blocked signals (SIGINT, SIGTERM);
        // with -U every packet is already written whole
        defer { if tcpdump.isRunning { kill(tcpdump.processIdentifier, SIGKILL) } }
        let start = Date()
        while !FileManager.default.fileExists(atPath: base), Date().timeIntervalSince(start) < 10 { usleep(20_000) }
        usleep(300_000)  // tcpdump opens the interface after the file
        let daemon = try Daemon(["run", "--follow", base, "--stats-interval", "0"] + Self.rules, in: dir)
        try ns.replay(Self.traffic, rounds: 120)
        usleep(500_000)
        kill(tcpdump.processIdentifier, SIGKILL)
        tcpdump.waitUntilExit()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("cap") }
            .sorted { (Int($0.dropFirst(3)) ?? 0) < (Int($1.dropFirst(3)) ?? 0) }
        #expect(files.count >= 3, "tcpdump -C 1 made \(files)")
        let read = try CLI.run(["run", "-r"] + files.map { dir.path + "/" + $0 } + ["--stats-interval", "0"] + Self.rules)
        let expected = RunCommandTests.alerts(read.stdout)
        #expect(expected.count > 1000)
        #expect(daemon.waitFor(timeout: 20) { RunCommandTests.alerts($0).count >= expected.count })
        let (status, output) = daemon.stop()
        #expect(status == 0)
        #expect(RunCommandTests.alerts(output) == expected)
    }
}

/// A network namespace made for one test and deleted after it, with its loopback up.
final class NetworkNamespace {
    let name = "pktt-test-\(UInt32.random(in: 0...UInt32.max))"
    var exec: [String] { [Self.ip, "netns", "exec", name] }

    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "ip"
    static let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "tcpdump"
    static var usable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: ip)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    init() throws {
        try Self.run([Self.ip, "netns", "add", name])
        try Self.run([Self.ip, "netns", "exec", name, Self.ip, "link", "set", "lo", "up"])
    }

    deinit { try? Self.run([Self.ip, "netns", "delete", name]) }

    static func run(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: arguments[0])
        p.arguments = Array(arguments.dropFirst())
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw MonitorCLIError("\(arguments.joined(separator: " ")) exited \(p.terminationStatus)") }
    }

    /// The same replay, started in the background.
    func startReplay(_ capture: String, rounds: Int, pause: Double) throws -> Process {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-replay-\(UUID().uuidString).py").path
        try Data(Self.replayer.utf8).write(to: URL(fileURLWithPath: script))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exec[0])
        p.arguments = Array(exec.dropFirst()) + ["/usr/bin/python3", script, capture, String(rounds), String(pause)]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Sends the UDP payloads of `capture` on this namespace's loopback, each endpoint of the
    /// capture a socket bound to its port on 127.0.0.1; `rounds` times, each round's xids its own.
    func replay(_ capture: String, rounds: Int, pause: Double = 0.0005) throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-replay-\(UUID().uuidString).py").path
        try Data(Self.replayer.utf8).write(to: URL(fileURLWithPath: script))
        defer { try? FileManager.default.removeItem(atPath: script) }
        try Self.run(exec + ["/usr/bin/python3", script, capture, String(rounds), String(pause)])
    }

    static let replayer = #"""
    import socket, struct, sys, time
    data = open(sys.argv[1], 'rb').read()
    rounds, pause = int(sys.argv[2]), float(sys.argv[3])
    order = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    packets, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(order + 'I', data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 42 or frame[12:14] != b'\x08\x00' or frame[23] != 17:
            continue
        ihl = (frame[14] & 15) * 4
        udp = 14 + ihl
        sport, dport = struct.unpack('>HH', frame[udp:udp + 4])
        packets.append((sport, dport, frame[udp + 8:]))
    sockets = {}
    for sport, dport, _ in packets:
        for port in (sport, dport):
            if port not in sockets:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('127.0.0.1', port))
                sockets[port] = s
    for r in range(rounds):
        for i, (sport, dport, payload) in enumerate(packets):
            xid = struct.unpack('>I', payload[:4])[0] ^ (r << 20)
            sockets[sport].sendto(struct.pack('>I', xid) + payload[4:], ('127.0.0.1', dport))
            if i % 20 == 0:
                time.sleep(pause)
    """#
}

struct MonitorCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

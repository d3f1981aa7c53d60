import Foundation
import Testing

/// Runs the built `pktt` executable, as a user would.
struct CLI {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The test bundle sits beside the executable in the build directory.
    static var executable: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("pktt").path),
              dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("pktt")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self),
                String(decoding: stderr, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A scratch copy of a fixture's first `bytes` bytes, with `edit` applied.
    static func damaged(_ name: String, bytes: Int? = nil, edit: (inout [UInt8]) -> Void = { _ in }) throws -> String {
        var data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
        if let bytes { data = Array(data.prefix(bytes)) }
        edit(&data)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pktt-\(UUID().uuidString)-\(URL(fileURLWithPath: name).lastPathComponent)").path
        try Data(data).write(to: URL(fileURLWithPath: path))
        return path
    }
}

@Suite("pktt show")
struct ShowCommandTests {
    @Test("One line per packet; --count prints the counts")
    func lines() throws {
        let sample = CLI.fixture("samples/nfsv3-handshake.pcap")
        let shown = try CLI.run(["show", sample])
        #expect(shown.status == 0 && shown.stderr.isEmpty)
        let lines = shown.stdout.split(separator: "\n")
        #expect(lines.count == 60)
        #expect(lines[0] == "0 2026-11-26 15:50:05.721515 10.77.0.2     -> 10.77.0.1     TCP 801 -> 111, seq: 0x780d63e8, ack: 0x00000000, SYN")
        let counted = try CLI.run(["show", "--count", sample])
        #expect(counted.stdout.hasPrefix("packets 60 frames 60 ethernet 60 vlan 0 sll 0 null 0 ipv4 60 ipv6 0 tcp 60 udp 0 rpc 35 portmap 8 mount 6 "))
    }

    @Test("-v 2: NFStest's line and then pktt's annotations; -v 1 is the default; others refused")
    func verbose() throws {
        let file = CLI.fixture("decode/malformed-fuzzed.pcap")
        let plain = try CLI.run(["show", file]), one = try CLI.run(["show", "-v", "1", file])
        let two = try CLI.run(["show", "--verbose", "2", file])
        #expect(plain.status == 0 && one.stdout == plain.stdout && !plain.stdout.contains("[truncated]"))
        let lines = plain.stdout.split(separator: "\n"), annotated = two.stdout.split(separator: "\n")
        #expect(lines.count == annotated.count && annotated.contains { $0.hasSuffix(" [truncated]") })
        for (a, b) in zip(lines, annotated) { #expect(b.hasPrefix(a)) }
        let bad = try CLI.run(["show", "-v", "3", file])
        #expect(bad.status != 0 && bad.stdout.isEmpty && bad.stderr.contains("--verbose is 1"))
    }

    @Test("--json: every line is a JSON object with the record layer")
    func json() throws {
        let result = try CLI.run(["show", "--json", CLI.fixture("decode/vlan-8021q.pcap")])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 201)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["record"] != nil)
        }
        #expect(lines.contains { $0.contains("\"vlan\":[{\"tpid\":33024,") })
    }

    @Test("A corrupt record: every packet before it is shown, then a message with file and offset, exit 1")
    func corruptRecord() throws {
        // Record 3 of this pcap starts at byte 24 + 2 × (16 + 74): make its incl_len absurd.
        let path = try CLI.damaged("decode/ethernet-tcp-nfsv3.pcap") { data in
            let at = 24 + 2 * (16 + 74) + 8
            data.replaceSubrange(at..<(at + 4), with: [0xff, 0xff, 0xff, 0x7f])
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["show", path])
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 2)
        #expect(result.stderr.contains(path) && result.stderr.contains("byte offset 204"))
    }

    @Test("A last record cut short is reported after every whole one, exit 1")
    func truncatedTail() throws {
        let path = try CLI.damaged("decode/ethernet-tcp-nfsv3.pcap", bytes: 19_990)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["show", "--count", path])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("packets 71 "))
        #expect(result.stderr.contains("cut short") && result.stderr.contains("19810"))
    }

    @Test("Not a capture file: a clear message and exit 1")
    func notACapture() throws {
        let path = try CLI.damaged("decode/README.md")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["show", path])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr.contains("is not pcap, pcapng or snoop"))
        let missing = try CLI.run(["show", "/nonexistent/trace.pcap"])
        #expect(missing.status == 1 && missing.stderr.contains("cannot open"))
    }

    @Test("Two files merge in time order; the good one is read even when the other is corrupt")
    func mergeWithBadFile() throws {
        let bad = try CLI.damaged("decode/pcap-nanosecond.pcap") { data in
            let at = 24 + 8
            data.replaceSubrange(at..<(at + 4), with: [0xff, 0xff, 0xff, 0x7f])
        }
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let result = try CLI.run(["show", "--count", CLI.fixture("decode/linux-sll2.pcap"), bad])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("packets 98 "))
        #expect(result.stderr.contains(bad))
    }
}

@Suite("pktt show --depth")
struct ShowDepthTests {
    func counts(_ arguments: [String]) throws -> [String: Int] {
        let result = try CLI.run(["show", "--count"] + arguments + [CLI.fixture("samples/nfsv3-handshake.pcap")])
        #expect(result.status == 0)
        var out: [String: Int] = [:]
        let words = result.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        for i in stride(from: 0, to: words.count - 1, by: 2) { out[words[i]] = Int(words[i + 1]) }
        return out
    }

    @Test("transport stops at TCP/UDP; rpc finds and pairs the messages; all decodes their bodies too")
    func depths() throws {
        let transport = try counts(["--depth", "transport"])
        #expect(transport["tcp"] == 60 && transport["rpc"] == 0 && transport["rpc_paired"] == 0)
        let rpc = try counts(["--depth", "rpc"])
        #expect(rpc["rpc"] == 35 && rpc["rpc_paired"] == 17 && rpc["nfs"] == 0 && rpc["mount"] == 0)
        let all = try counts([])
        #expect(all["rpc"] == 35 && all["rpc_paired"] == 17 && all["nfs"] == 21 && all["mount"] == 6)
        let bad = try CLI.run(["show", "--depth", "deep", CLI.fixture("samples/nfsv3-handshake.pcap")])
        #expect(bad.status != 0 && bad.stderr.contains("deep"))
    }
}

@Suite("pktt output that cannot be written")
struct FullDiskTests {
    @Test("A full disk is an error naming it and exit 1, for show and match alike; nothing is lost in silence")
    func fullDisk() throws {
        for arguments in [["show", CLI.fixture("samples/nfsv3-handshake.pcap")],
                          ["match", "--count", "NFS", CLI.fixture("samples/nfsv3-handshake.pcap")]] {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = arguments
            process.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
            let err = Pipe()
            process.standardError = err
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "\(arguments)")
            #expect(stderr.contains("standard output: write failed: No space left on device"), "\(stderr)")
        }
    }
}

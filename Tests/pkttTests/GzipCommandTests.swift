import Foundation
import Testing

/// gzip captures from pipes and FIFOs, and gzip files that are cut or damaged, through
/// `pktt show` on a real compressed capture (`pcapio/klm.pcap.gz`, 18 frames).
@Suite("pktt show on gzip streams")
struct GzipCommandTests {
    static let fixture = CLI.fixture("pcapio/klm.pcap.gz")
    static let compressed: [UInt8] = [UInt8](FileManager.default.contents(atPath: fixture) ?? Data())

    /// What `pktt show` prints for the whole file, read from disk.
    static func whole() throws -> [Substring] {
        let result = try PipedCLI.run(["show", fixture])
        #expect(result.status == 0 && result.lines.count == 18)
        return result.lines
    }

    /// Python's zlib inflates what it can of `bytes`: the reference for what a cut file holds.
    static func inflatedPrefix(_ bytes: [UInt8]) throws -> [UInt8] {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompressobj(31).decompress(sys.stdin.buffer.read()))"]
        let input = Pipe(), output = Pipe()
        python.standardInput = input
        python.standardOutput = output
        try python.run()
        try input.fileHandleForWriting.write(contentsOf: Data(bytes))
        try input.fileHandleForWriting.close()
        let inflated = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        return [UInt8](inflated)
    }

    /// Whole pcap records (little-endian, as this fixture is) in the first bytes of a capture.
    static func wholePcapRecords(_ bytes: [UInt8]) -> Int {
        var offset = 24, count = 0
        while offset + 16 <= bytes.count {
            let length = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
            guard offset + 16 + length <= bytes.count else { break }
            offset += 16 + length
            count += 1
        }
        return count
    }

    func scratch(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("cat klm.pcap.gz | pktt show -: the same lines as the file, exit 0")
    func standardInput() throws {
        let piped = try PipedCLI.run(["show", "-"], input: Self.compressed)
        #expect(piped.status == 0 && piped.stderr.isEmpty)
        #expect(piped.lines == (try Self.whole()))
    }

    @Test("a FIFO made with mkfifo, written by another thread: the same lines as the file")
    func fifo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-\(UUID().uuidString).fifo").path
        try #require(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let bytes = Self.compressed
        Thread.detachNewThread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            for start in stride(from: 0, to: bytes.count, by: 100) {
                _ = bytes[start..<min(start + 100, bytes.count)].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                usleep(1000)
            }
            close(fd)
        }
        let shown = try PipedCLI.run(["show", "--json", path])
        #expect(shown.status == 0 && shown.stderr.isEmpty)
        #expect(shown.lines.count == 18)
        #expect(shown.lines.allSatisfy { $0.contains("\"file\":\"\(path)\"") })
    }

    /// Cuts, as bytes kept of the 563-byte file: inside the header, the deflate data, just
    /// before the trailer, inside it.
    @Test("a cut gzip stream: every whole record, then a message naming the file and the cut, exit 1",
          arguments: [5, 200, 400, compressed.count - 8, compressed.count - 3])
    func cut(kept: Int) throws {
        let bytes = Array(Self.compressed.prefix(kept))
        let path = try scratch("klm.pcap.gz", bytes)
        for (name, result) in [("file", try PipedCLI.run(["show", path])), ("stdin", try PipedCLI.run(["show", "-"], input: bytes))] {
            let shownAs = name == "file" ? path : "<stdin>"
            #expect(!result.signalled && result.status == 1, "\(name)")
            let records = Self.wholePcapRecords(try Self.inflatedPrefix(bytes))
            #expect(result.lines == Array((try Self.whole()).prefix(records)), "\(name)")
            let message = result.stderr
            #expect(message.hasPrefix("pktt: \(shownAs): "), "\(name): \(message)")
            #expect(!message.contains("<fd:"))
            if kept < 10 {
                #expect(message.contains("gzip header cut short"), "\(name): \(message)")
            } else if kept >= Self.compressed.count - 8 {
                #expect(records == 18)
                #expect(message.contains("gzip stream cut short inside its 8-byte trailer"), "\(name): \(message)")
            } else {
                #expect(message.contains("gzip stream cut short inside its compressed data"), "\(name): \(message)")
            }
        }
    }

    @Test("a bad gzip header: zlib's reason with the file's path, exit 1")
    func badHeader() throws {
        let path = try CLI.damaged("pcapio/klm.pcap.gz") { $0[2] = 9 }
        let result = try PipedCLI.run(["show", path])
        #expect(!result.signalled && result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr == "pktt: \(path): byte offset 0: gzip data error at compressed byte 4: unknown compression method\n")
    }

    @Test("damaged deflate data after a good member: its 18 packets, then the error, exit 1")
    func damagedDeflate() throws {
        // A second member: a bare 10-byte header (RFC 1952 §2.3), then a first block of the
        // reserved type 3 (RFC 1951 §3.2.3).
        let member: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0]
        let path = try scratch("klm.pcap.gz", Self.compressed + member)
        let result = try PipedCLI.run(["show", path])
        #expect(!result.signalled && result.status == 1)
        #expect(result.lines == (try Self.whole()))
        #expect(result.stderr.hasPrefix("pktt: \(path): byte offset "))
        #expect(result.stderr.hasSuffix(": invalid block type\n"))
    }

    @Test("gzip twice: refused with the reason, exit 1")
    func doubleGzip() throws {
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-c", Self.fixture]
        let output = Pipe()
        gzip.standardOutput = output
        try gzip.run()
        let twice = output.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        let path = try scratch("klm.pcap.gz.gz", [UInt8](twice))
        let result = try PipedCLI.run(["show", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path): byte offset 0: compressed twice with gzip"))
    }
}

import Foundation
import Testing
import Decode
@testable import PacketTrace

/// NFS families the committed fixtures cannot carry (their captures come from the linux-nfs
/// mailing list, which states no licence): read in place from the shared corpus that sits beside
/// the repository (`../shared/corpus`, as on every machine of this project and in CI).
@Suite("NFS families on the shared corpus's captures")
struct CorpusNFSTests {
    static let corpus = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")

    struct XZFailed: Error, CustomStringConvertible {
        var path: String
        var status: Int32
        var stderr: String
        var description: String { "xz -dc \(path) exited \(status): \(stderr)" }
    }

    /// Runs `body` on the capture's path, decompressed from .xz into a temporary file when needed;
    /// the temporary file is removed afterwards, whether `body` or xz failed or not.
    static func withCapture<T>(_ relative: String, in directory: URL = FileManager.default.temporaryDirectory,
                               _ body: (String) throws -> T) throws -> T {
        let path = corpus.appendingPathComponent(relative).path
        guard relative.hasSuffix(".xz") else { return try body(path) }
        let out = directory.appendingPathComponent("pktt-\(UUID().uuidString).pcapng")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let xz = Process()
        xz.executableURL = URL(fileURLWithPath: "/usr/bin/xz")
        xz.arguments = ["-dc", path]
        let output = try FileHandle(forWritingTo: out)
        defer { try? output.close() }
        let errors = Pipe()
        xz.standardOutput = output
        xz.standardError = errors
        try xz.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()   // before waiting: a full pipe would block xz
        xz.waitUntilExit()
        guard xz.terminationReason == .exit, xz.terminationStatus == 0 else {
            throw XZFailed(path: path, status: xz.terminationStatus,
                           stderr: String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return try body(out.path)
    }

    struct Seen {
        var ops: Set<Int> = []
        var callbackOps: Set<Int> = []
        var nfsMessages = 0
        var errors: [String] = []
        var integrity = 0
    }

    /// Every NFS message of the capture: its ops (v4) and any decode error.
    static func read(_ relative: String) throws -> Seen {
        try withCapture(relative) { try read(path: $0) }
    }

    static func read(path: String) throws -> Seen {
        let trace = try Pktt(files: [path])
        var seen = Seen()
        var out = TextBuffer(flushAt: .max)
        var json = JSONPacketFormatter()
        while try trace.next() {
            let p = trace.packet
            guard p.has(.nfs) else { continue }
            seen.nfsMessages += 1
            if let error = p.error, error.code != .truncated { seen.errors.append("frame \(trace.record.frame): \(error)") }
            if p.rpc.gssIntegritySequence >= 0 { seen.integrity += 1 }
            json.append(trace, to: &out)
            let object = try JSONSerialization.jsonObject(with: Data(out.take().utf8)) as! [String: Any]
            let ops = ((object["nfs"] as? [String: Any])?["ops"] as? [Int]) ?? []
            if p.rpc.program == 100_003 { seen.ops.formUnion(ops) } else { seen.callbackOps.formUnion(ops) }
        }
        return seen
    }

    @Test("NFSv4.2 COPY and CLONE (over RDMA), and LISTXATTRS, decode with no error")
    func nfs42() throws {
        let rdma = try Self.read("linux-nfs-ml/20210218-1fdb3f60/sniffer2.pcap")
        #expect(rdma.ops.isSuperset(of: [60, 71]) && rdma.errors.isEmpty, "\(rdma.errors.prefix(4))")
        let xattrs = try Self.read("linux-nfs-ml/20241018-47b5b787/bad_deleg_atime.pcapng.xz")
        // Its OPEN replies grant RFC 9754 attribute delegations (type 5) too.
        #expect(xattrs.ops.contains(74) && xattrs.errors.isEmpty, "\(xattrs.errors.prefix(4))")
    }

    @Test("Callbacks: CB_COMPOUND with CB_SEQUENCE and CB_LAYOUTRECALL on the back channel")
    func callbacks() throws {
        let seen = try Self.read("linux-nfs-ml/20260513-96399c74/pnfs_failing_recall.pcap")
        #expect(seen.callbackOps.isSuperset(of: [11, 5]), "callback ops \(seen.callbackOps.sorted())")
        #expect(seen.errors.isEmpty, "\(seen.errors.prefix(4))")
    }

    @Test("krb5i: RPCSEC_GSS integrity-protected NFSv4.2 bodies decode, every one")
    func krb5i() throws {
        let seen = try Self.read("linux-nfs-ml/20230924-a1cdb242/nfs_krb5i.pcap")
        #expect(seen.integrity > 50 && seen.errors.isEmpty, "\(seen.integrity) integrity bodies, \(seen.errors.prefix(4))")
        #expect(seen.ops.contains(53))  // SEQUENCE, inside the protected bodies
    }

    @Test("A capture xz cannot decompress fails with xz's message, and its temporary file is removed")
    func xzFailureAndTemporaryFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-xz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: XZFailed.self) {
            try Self.withCapture("no-such-capture.pcapng.xz", in: directory) { _ in Issue.record("body ran") }
        }
        #expect(error.status != 0 && error.stderr.contains("No such file"), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        // and after a capture that decompresses: the file is there while in use, gone afterwards
        let size = try Self.withCapture("linux-nfs-ml/20241018-47b5b787/bad_deleg_atime.pcapng.xz", in: directory) {
            try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int ?? 0
        }
        #expect(size > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}

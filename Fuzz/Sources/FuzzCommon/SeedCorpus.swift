import Decode
import PacketTrace
import PcapIO
#if canImport(Glibc)
import Glibc
#endif

/// The seeds of every target from one fixture capture each: the file itself for the capture
/// and pipeline targets; its frames for the packet target; its TCP/UDP segments as a script for
/// the stream target; its RPC bodies for the XDR body target.
public struct SeedCorpus {
    let directory: String
    var written: [String: Int] = [:]
    /// Bodies kept per program, version, procedure and direction: a few are enough to start.
    var bodies: [String: Int] = [:]
    static let bodiesPerProcedure = 4
    /// Seeds bigger than this are left out: libFuzzer is slow on big inputs.
    static let maximumSeed = 64 << 10

    public init(directory: String) {
        self.directory = directory
    }

    public static func captures(under root: String) -> [String] {
        var found: [String] = []
        walk(root) { path in
            let n = path.split(separator: "/").last.map(String.init) ?? path
            if n.hasSuffix(".pcap") || n.hasSuffix(".pcapng") || n.hasSuffix(".cap") || n.hasSuffix(".snoop")
                || n.hasSuffix(".gz") || n.hasSuffix(".erf") {
                found.append(path)
            }
        }
        return found.sorted()
    }

    static func walk(_ dir: String, _ visit: (String) -> Void) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." || name == "crashes" { continue }
            let path = dir + "/" + name
            if e.pointee.d_type == DT_DIR { walk(path, visit) } else { visit(path) }
        }
    }

    /// The match target's seeds: every expression of the tshark agreement cases (third column),
    /// and the seed's man page examples.
    public mutating func addExpressions(cases path: String) {
        var expressions = [
            "TCP.flags.ACK == 1 and TCP.flags.SYN == 1", "NFS.argop in [42,43]", "NFS.op == 18",
            "IP.src == re('192.168.1.*')", "NFS.attr_request & 0x4000000000000000L != 0",
            "RPC.xid == 1234 and 62 in NFS.attributes", "NFS.argop == 4 and NFS.stateid == '\\x00\\x01'",
            "re.search(r'192\\.168\\.1\\.\\d*', IP.src)", "crc32(NFS.fh) == 0x0f581ee9", "NFS.opputfh.status == 0",
            "not NFS.status == NFS4ERR_NOENT or RPC.latency >= 0.5",
        ]
        if let bytes = Self.read(path) {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
                if columns.count > 2 { expressions.append(String(columns[2])) }
            }
        }
        for e in expressions { write(Array(e.utf8), target: "FuzzMatch") }
    }

    public mutating func addCapture(_ path: String) {
        guard let bytes = Self.read(path) else { return }
        if bytes.count <= Self.maximumSeed {
            write(bytes, target: "FuzzCaptureFile")
            write(bytes, target: "FuzzPipeline")
            write([0, 0, 0, 0, 0] + bytes, target: "FuzzCaptureGzip")
            let half = bytes.count / 2
            write(CaptureSplit.seed([bytes, bytes]), target: "FuzzCaptureMerged")
            write(CaptureSplit.seed([Array(bytes[..<half]), Array(bytes[half...])]), target: "FuzzCaptureMerged")
        }
        addFrames(path)
        addBodies(path)
    }

    /// The packet target's frames and the stream target's script, from the same records.
    mutating func addFrames(_ path: String) {
        guard let reader = try? CaptureReader(path: path, keepIndex: false) else { return }
        var frames = SeedWriter(), script = SegmentScriptWriter()
        var linkType: UInt32?
        var count = 0
        while count < FrameList.maximumFrames, let r = try? reader.next() {
            if linkType == nil { linkType = r.linkType }
            guard r.linkType == linkType else { continue }
            if frames.bytes.isEmpty {
                frames.u8(UInt8(FrameList.linkTypes.firstIndex(of: r.linkType) ?? 0))
            }
            frames.u16(UInt16(min(r.data.count, 0xffff)))
            frames.u8(UInt8(max(0, min(r.originalLength - r.capturedLength, 255))))
            frames.append(UnsafeRawBufferPointer(rebasing: r.data.prefix(0xffff)))
            script.add(r)
            count += 1
        }
        if frames.bytes.count > 1 && frames.bytes.count <= Self.maximumSeed { write(frames.bytes, target: "FuzzPacket") }
        if !script.writer.bytes.isEmpty && script.writer.bytes.count <= Self.maximumSeed {
            write(script.writer.bytes, target: "FuzzRPCStream")
        }
    }

    /// Every RPC body `Pktt` finds whose program has an XDR description.
    mutating func addBodies(_ path: String) {
        guard let trace = try? Pktt(files: [path]) else { return }
        while (try? trace.next()) == true {
            let p = trace.packet
            guard p.has(.rpc), p.rpc.isCall || p.rpc.isSuccess, p.rpc.body.count > 0 else { continue }
            // a reply carries its call's program, version and procedure once paired
            guard p.rpc.isCall || p.rpc.callSeen else { continue }
            let program = p.rpc.program, version = p.rpc.version, procedure = p.rpc.procedure
            guard let s = XDRBodySelector(program: program, version: version, procedure: procedure,
                                          isReply: !p.rpc.isCall) else { continue }
            let key = "\(s.program).\(s.version).\(s.procedure).\(s.isReply)"
            guard bodies[key, default: 0] < Self.bodiesPerProcedure else { continue }
            var w = SeedWriter()
            s.write(to: &w)
            trace.withMessageBytes { bytes, _ in
                let b = p.rpc.body
                guard b.offset >= 0, b.offset + b.count <= bytes.count else { return }
                w.append(UnsafeRawBufferPointer(rebasing: bytes[b.offset..<b.offset + b.count]))
            }
            if w.bytes.count > XDRBodySelector.size && w.bytes.count <= Self.maximumSeed {
                bodies[key, default: 0] += 1
                write(w.bytes, target: "FuzzXDRBody")
            }
        }
    }

    mutating func write(_ bytes: [UInt8], target: String) {
        let dir = directory + "/" + target
        mkdir(directory, 0o755)
        mkdir(dir, 0o755)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, for a stable name
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let name = dir + "/seed-" + String(hash, radix: 16)
        let fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        written[target, default: 0] += 1
    }

    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return out }
            out += chunk[..<n]
        }
    }

    public func report() {
        for (target, n) in written.sorted(by: { $0.key < $1.key }) { print("\(target): \(n) seeds") }
    }
}

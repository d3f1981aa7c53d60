import Foundation
import Testing
@testable import PacketTrace

/// The seed's man page, example by example, on real captures: `match`, `contains`, `reply`,
/// regular expressions, bit masks, `escape`, buffered matching with `rewind`.
@Suite("Pktt.match: the seed's man page examples on real captures")
struct PkttMatchTests {
    static let nfsv41 = Fixtures.path("nfs4/lab-nfsv41.pcap")
    static let pnfs = Fixtures.path("nfs4/suricata-nfs4-01-pnfs.pcap")

    /// Every packet of a capture, read plainly, to check matches against.
    static func all(_ path: String) throws -> [Pkt] {
        let trace = try Pktt(files: [path], rewindable: false)
        var out: [Pkt] = []
        while try trace.next() { out.append(trace.pkt!) }
        return out
    }

    @Test("SYN and ACK: the first packet with both flags, and the index moves past it")
    func synAck() throws {
        let x = try Pktt(Fixtures.path("samples/nfsv3-handshake.pcap"))
        let pkt = try #require(try x.match("TCP.flags.ACK == 1 and TCP.flags.SYN == 1"))
        let expected = try Self.all(Fixtures.path("samples/nfsv3-handshake.pcap")).first {
            ($0.tcp?.flags ?? 0) & (TCP.SYN | TCP.ACK) == TCP.SYN | TCP.ACK
        }
        #expect(pkt.record.index == expected?.record.index)
        #expect(x.index == pkt.record.index + 1)
        #expect(pkt.description.contains("SYN,ACK") || pkt.description.contains("SYN") )
    }

    @Test("NFS.argop == 42, then in [42, 43]: every EXCHANGE_ID and CREATE_SESSION call, in order")
    func exchangeIdOrCreateSession() throws {
        let x = try Pktt(Self.nfsv41)
        let first = try #require(try x.match("NFS.argop == 42"))
        #expect(first.nfs?.ops.contains(42) == true && first.rpc?.isCall == true)
        #expect(x.nfsOp?.name == "EXCHANGE_ID" && x.nfsOp?.op == 42)
        try x.rewind(to: 0)
        var found: [Int] = []
        while let p = try x.match("NFS.argop in [42,43]") { found.append(p.record.index) }
        let expected = try Self.all(Self.nfsv41).filter {
            $0.rpc?.isCall == true && ($0.nfs?.ops ?? []).contains { $0 == 42 || $0 == 43 }
        }.map(\.record.index)
        #expect(found == expected && found.count >= 4)
    }

    @Test("NFS.op == 18: OPEN calls and replies alike")
    func openCallOrReply() throws {
        let x = try Pktt(Self.nfsv41)
        var calls = 0, replies = 0
        while let p = try x.match("NFS.op == 18") {
            #expect(p.nfs?.ops.contains(18) == true)
            if p.rpc?.isCall == true { calls += 1 } else { replies += 1 }
        }
        #expect(calls > 0 && calls == replies)
    }

    @Test("IP.src by regular expression, in both of the seed's forms")
    func ipSourceByRegex() throws {
        let x = try Pktt(Self.nfsv41)
        var byRe = 0
        while try x.match(#"IP.src == re('10.77.0.2')"#) != nil { byRe += 1 }
        try x.rewind(to: 0)
        var bySearch = 0
        while try x.match(#"re.search(r'^10\.77\.0\.2$', IP.src)"#) != nil { bySearch += 1 }
        let expected = try Self.all(Self.nfsv41).filter { $0.ipv4?.src.description == "10.77.0.2" }.count
        #expect(byRe == expected && bySearch == expected && expected > 0)
    }

    @Test("GETATTR asking for FATTR4_FS_LAYOUT_TYPES (bit 62), then its reply holding 62 in NFS.attributes")
    func layoutTypes() throws {
        let x = try Pktt(Self.pnfs)
        let call = try #require(try x.match("NFS.attr_request & 0x4000000000000000L != 0"))
        #expect(call.nfs?.ops.contains(9) == true && call.rpc?.isCall == true)
        let xid = try #require(call.rpc?.xid)
        let reply = try #require(try x.match("RPC.xid == \(xid) and 62 in NFS.attributes"))
        #expect(reply.rpc?.isCall == false && reply.rpc?.xid == xid && reply.rpc?.callIndex == call.record.index)
    }

    @Test("WRITE: match, then the same with contains (the seed's `in`)")
    func write() throws {
        let x = try Pktt(Self.nfsv41)
        let w = try #require(try x.match("NFS.argop == 38"))
        #expect(w.nfs?.ops.contains(38) == true)
        #expect(w.description.contains("WRITE"))
        try x.rewind(to: 0)
        #expect(try x.contains("NFS.argop == 38"))
        #expect(x.pkt?.record.index == w.record.index)
        // a match that fails leaves the index where the search began
        let here = x.index
        #expect(try x.match("NFS.argop == 38 and RPC.xid == 1") == nil)
        #expect(x.index == here)
        #expect(try x.match("NFS.argop == 38 and RPC.xid == 1", rewind: false) == nil)
        #expect(x.index > here)
    }

    @Test("reply: true returns the replies of the calls matched, whatever the expression")
    func replies() throws {
        let x = try Pktt(Self.nfsv41)
        var calls: [UInt32] = [], replies: [UInt32] = []
        while let p = try x.match("NFS.argop == 38", reply: true) {
            if p.replyMatched { replies.append(p.rpc!.xid) } else { calls.append(p.rpc!.xid) }
        }
        #expect(!calls.isEmpty && Set(calls) == Set(replies))
    }

    @Test("Buffered matching: OPEN, its reply, the CLOSE of the same stateid (escape), its reply, rewind")
    func bufferedOpenClose() throws {
        let x = try Pktt(Self.nfsv41)
        var list: [Pkt] = []
        while try x.match("NFS.op in [4,18]") != nil { list.append(x.pkt!) }
        #expect(list.count > 4)
        x.setPacketList(list)
        var walked = 0
        while let open = try x.match("NFS.argop == 18") {
            let index = x.index
            let reply = try #require(try x.match("RPC.xid == \(open.rpc!.xid) and NFS.resop == 18"))
            let op = try #require(x.nfsOp)
            #expect(op.name == "OPEN")
            guard case .bytes(let other)? = op["stateid"] else { Issue.record("OPEN reply without a stateid"); break }
            #expect(other.count == 12)
            let stid = Pktt.escape(other)
            let close = try #require(try x.match("NFS.argop == 4 and NFS.stateid == '\(stid)'"))
            #expect(close.nfs?.ops.contains(4) == true && close.record.index > reply.record.index)
            #expect(x.nfsOp?.name == "CLOSE")
            let closeReply = try #require(try x.match("RPC.xid == \(close.rpc!.xid) and NFS.resop == 4"))
            #expect(closeReply.rpc?.isCall == false)
            walked += 1
            #expect(try x.rewind(to: index))
        }
        x.setPacketList(nil)
        #expect(walked > 0)
    }

    @Test("escape, ipTCPSrcExpr and ipTCPDstExpr write what the language reads back")
    func helpers() throws {
        #expect(Pktt.escape([0x61, 0x27, 0x62, 0x22, 0x63, 0x00]) == #"a\x27b\x22c\x00"#)
        #expect(Pktt.ipTCPSrcExpr("10.77.0.1", port: 2049) == "IP.src == '10.77.0.1' and TCP.src_port == 2049")
        #expect(Pktt.ipTCPDstExpr("10.77.0.1", port: 2049) == "IP.dst == '10.77.0.1' and TCP.dst_port == 2049")
        let x = try Pktt(Self.nfsv41)
        let p = try #require(try x.match(Pktt.ipTCPDstExpr("10.77.0.1", port: 2049)))
        #expect(p.ipv4?.dst.description == "10.77.0.1" && p.tcp?.dstPort == 2049)
        #expect(p["TCP.dst_port"] == .integer(2049))
        #expect(p["IP.dst"] == .ip(p.ipv4!.dst))
        #expect(p["NFS.nothing"] == nil)
        #expect(throws: MatchError.self) { _ = try x.match("NFS.argopp == 1") }
    }

    @Test("A trace is a Sequence of packets from the current index on")
    func sequence() throws {
        let x = try Pktt(Self.nfsv41)
        let all = Array(x)
        #expect(all.count == 798 && all.map(\.record.index) == Array(0..<798))
        try x.rewind(to: 790)
        #expect(x.map(\.record.index) == Array(790..<798))
        #expect(x.errors.isEmpty)
        let damaged = try Pktt(Fixtures.path("decode/malformed-fuzzed.pcap"))
        #expect(damaged.reduce(0) { n, _ in n + 1 } > 0)
    }

    @Test("The README's example, line for line")
    func readmeExample() throws {
        var printed: [String] = []
        func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }
        let x = try Pktt(Self.pnfs)
        while let call = try x.match("NFS.attr_request & 0x4000000000000000L != 0") {
            let xid = call.rpc!.xid
            guard let reply = try x.match("RPC.xid == \(xid) and 62 in NFS.attributes") else { continue }
            print(reply, reply["NFS.status"]?.description ?? "-")
        }
        try x.rewind(to: 0)
        print(try x.contains("NFS.argop == 38"), x.index, x.nfsOp?.name ?? "")
        #expect(printed.count == 4)
        #expect(printed.prefix(3).allSatisfy { $0.contains("NFS") && $0.hasSuffix(" NFS4_OK") })
        #expect(printed.last?.hasPrefix("true ") == true && printed.last?.hasSuffix(" WRITE") == true)
    }

    @Test("A packet without an RPC message has no body fields: the last message's never shows through")
    func noStaleBody() throws {
        for (capture, expression) in [(Self.nfsv41, "NFS.sequenceid == 5 and not NFS"),
                                      (Fixtures.path("nfs3/lab-nfs-errors.pcap"), "NFS.status != 0 and not RPC"),
                                      (Fixtures.path("rpc/mount-portmap-rpcbind.pcap"), "MOUNT.status != 0 and not MOUNT")] {
            let x = try Pktt(capture)
            #expect(try x.match(expression) == nil, "\(expression)")
            try x.rewind(to: 0)
            var bare = 0
            while try x.next() {
                guard !x.packet.has(.rpc) else { continue }
                bare += 1
                #expect(x.tape.isEmpty, "packet \(x.record.index) has no RPC message but a body")
            }
            #expect(bare > 0)
        }
    }

    @Test("A reply's call (pktCall) and subscripts by index")
    func callAndSubscript() throws {
        let x = try Pktt(Self.nfsv41)
        let reply = try #require(try x.match("NFS.resop == 38"))
        let call = try #require(x.pktCall)
        #expect(call.record.index == reply.rpc?.callIndex && call.rpc?.xid == reply.rpc?.xid)
        #expect(x.pkt?.record.index == reply.record.index)
        #expect(x[5]?.record.index == 5 && x.index == 6)
        #expect(x[2]?.record.index == 2)
        #expect(x[100_000] == nil)
    }
}

/// `rewind(to:)`: the same packets as a fresh read from that index, byte for byte, on a trace of
/// two files merged, at a bounded cost.
@Suite("Pktt.rewind(to:)")
struct PkttRewindTests {
    static let files = [Fixtures.path("nfs4/lab-nfsv41.pcap"), Fixtures.path("nfs3/lab-nfsv3-procedures.pcap"),
                        Fixtures.path("nfs4/nfstrace-nfsv41.pcap")]

    static func json(_ trace: Pktt) -> String {
        var out = TextBuffer(descriptor: -1)
        var f = JSONPacketFormatter()
        f.append(trace, to: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    @Test("At random indexes across three merged files: byte-identical JSON to a fresh read")
    func identical() throws {
        let fresh = try Pktt(files: Self.files, rewindable: false)
        var lines: [String] = []
        while try fresh.next() { lines.append(Self.json(fresh)) }
        #expect(lines.count > 1_000)
        let trace = try Pktt(files: Self.files)
        while try trace.next() {}
        var rng = SystemRandomNumberGenerator()
        var indexes = (0..<40).map { _ in Int.random(in: 0..<lines.count, using: &rng) }
        indexes += [0, lines.count - 1, 255, 256, 257, 512]
        for i in indexes {
            #expect(try trace.rewind(to: i))
            #expect(trace.index == i)
            // the cost: what is read again is at most one spacing of packets
            let checkpoints = try #require(trace.checkpoints)
            #expect(i - checkpoints.nearest(atOrBefore: i).index <= checkpoints.spacing)
            var j = i
            while j < min(i + 60, lines.count), try trace.next() {
                #expect(Self.json(trace) == lines[j], "packet \(j) after rewind(to: \(i))")
                j += 1
            }
            #expect(j == min(i + 60, lines.count))
        }
        #expect(try !trace.rewind(to: lines.count + 1))
        #expect(try !trace.rewind(to: -1))
    }
}

/// `live`: a capture still being written is followed to its end, a half-written record decoded
/// once it is whole.
@Suite("Pktt live mode")
struct PkttLiveTests {
    @Test("A file written in pieces, cut inside records, gives every packet; the end comes after the timeout")
    func growingFile() throws {
        let source = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("nfs4/lab-nfsv41.pcap"))))
        let whole = try Pktt(files: [Fixtures.path("nfs4/lab-nfsv41.pcap")], rewindable: false)
        var expected: [String] = []
        while try whole.next() { expected.append(whole.pkt!.description) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-live-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // the file header and a cut inside the first records, then the rest in uneven pieces
        let cuts = [100, 5_000, 5_001, 40_000, 123_457, source.count]
        FileManager.default.createFile(atPath: path, contents: Data(source[0..<cuts[0]]))
        // a thread of its own, as tcpdump is: the test's own thread blocks in `next()`
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let handle = FileHandle(forWritingAtPath: path)!
            for (from, to) in zip(cuts, cuts.dropFirst()) {
                usleep(150_000)
                handle.seekToEndOfFile()
                handle.write(Data(source[from..<to]))
            }
            try? handle.close()
            written.signal()
        }
        let trace = try Pktt(files: [path], rewindable: false, live: true, liveTimeout: 1.5)
        var seen: [String] = []
        let clock = ContinuousClock()
        let started = clock.now
        while try trace.next() { seen.append(trace.pkt!.description) }
        written.wait()
        #expect(seen == expected)
        #expect(clock.now - started >= .seconds(1.5))
        #expect(trace.truncatedTails.isEmpty)
    }
}

/// What a hostile reviewer found, kept fixed.
@Suite("Pktt and match: review findings")
struct PkttReviewTests {
    static let nfsv41 = Fixtures.path("nfs4/lab-nfsv41.pcap")

    static func count(_ expression: String, _ path: String = nfsv41) throws -> Int {
        let x = try Pktt(files: [path], rewindable: false)
        let e = try MatchExpression(expression)
        var scratch = MatchScratch()
        var n = 0
        while try x.next() {
            if x.matches(e, scratch: &scratch) { n += 1 }
        }
        return n
    }

    @Test("Snapshots are bounded in bytes: 30,000 calls never answered keep the rewind memory within budget")
    func snapshotBudget() throws {
        // UDP NFSv3 GETATTR calls from many ports, none answered: the xid table grows to 30,000
        var file: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        for i in 0..<30_000 {
            let rpc = be32(UInt32(i + 1)) + be32(0) + be32(2) + be32(100_003) + be32(3) + be32(1) + be32(0) + be32(0)
                + be32(0) + be32(0) + be32(8) + [1, 2, 3, 4, 5, 6, 7, 8]
            let udpLength = 8 + rpc.count
            let port = UInt16(1024 + i % 60_000)
            let udp: [UInt8] = [UInt8(port >> 8), UInt8(port & 0xff), 0x08, 0x01, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
            let total = 20 + udpLength
            let ip: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 17, 0, 0,
                               10, 0, UInt8(i >> 8 & 0xff), UInt8(i & 0xff), 10, 1, 0, 1]
            let frame: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0] + ip + udp + rpc
            file += le32(1_700_000_000 + UInt32(i / 200)) + le32(UInt32(i % 200) * 5_000) + le32(UInt32(frame.count))
                + le32(UInt32(frame.count)) + frame
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-unanswered-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data(file))
        let x = try Pktt(path)
        while try x.next() {}
        #expect(x.unansweredCalls > 20_000)
        let checkpoints = try #require(x.checkpoints)
        #expect(checkpoints.heldBytes <= PkttCheckpoints.budgetBytes)
        #expect(try x.rewind(to: 25_000) && x.index == 25_000)
    }

    @Test("Words on named header fields are checked and compared case aside")
    func headerWords() throws {
        let replies = try Self.count("RPC.type == reply")
        let upper = try Self.count("RPC.type == REPLY"), numbered = try Self.count("RPC.type == 1")
        #expect(replies > 0 && replies == upper && replies == numbered)
        let lower = try Self.count("RPC.cred.flavor == auth_sys"), named = try Self.count("RPC.cred.flavor == AUTH_SYS")
        #expect(lower > 0 && lower == named)
        #expect(throws: MatchError.self) { _ = try MatchExpression("RPC.type == BOGUS") }
        #expect(throws: MatchError.self) { _ = try MatchExpression("RPC.status != NOPE") }
    }

    @Test("Addresses are strings to `in` (NFStest's), TCP.flags is the flags byte")
    func seedForms() throws {
        let v4 = try Self.count("'10.77' in IP.src"), byRegex = try Self.count("IP.src == re('10\\\\.77')")
        #expect(v4 > 0 && v4 == byRegex)
        let flags = try Self.count("TCP.flags == 0x18"), raw = try Self.count("TCP.flags_raw == 0x18")
        #expect(flags > 0 && flags == raw)
        let synAck = try Self.count("TCP.flags & 0x12 == 0x12"), both = try Self.count("TCP.flags.SYN == 1 and TCP.flags.ACK == 1")
        #expect(synAck > 0 && synAck == both)
        do {
            _ = try MatchExpression("ETHERNET.src == 'B6-54-27-63-A6-C8'")
            Issue.record("a bad MAC compiled")
        } catch {
            #expect(error.message.contains("is not a MAC address"))
        }
    }

    @Test("Fields by name: a bare word is no field; record fields are there")
    func fieldsByName() throws {
        let x = try Pktt(Self.nfsv41)
        let p = try #require(x[7])
        #expect(p["foo"] == nil)
        #expect(throws: MatchError.self) { _ = try p.values("BOGUS") }
        #expect(p["record.index"] == .integer(7))
        #expect(p["record.frame"] == .integer(Int128(p.record.frame)))
        let long = "NFS." + String(repeating: "a", count: 100_000)
        let clock = ContinuousClock()
        var message = ""
        let elapsed = clock.measure {
            do { _ = try MatchExpression(long) } catch let e as MatchError { message = e.message } catch {}
        }
        #expect(elapsed < .seconds(2) && message.count < 200)
    }
}

import Decode
import Foundation
import PacketTrace
import Testing

/// The one-line summary (`TapeSummary`) and the JSON members (`TapeJSON`) of decoded RPC bodies,
/// on real messages (Tests/Fixtures/rpc/messages.jsonl) and on built ones.
@Suite struct XDRDisplayTests {
    struct Message: Decodable {
        var capture: String
        var frame: Int
        var program: UInt32
        var version: UInt32
        var procedure: UInt32
        var reply: Bool
        var body: String
    }

    /// Tests/Fixtures/rpc/messages.jsonl, read once; a file that cannot be read or a line that
    /// does not decode fails every test that uses it.
    static let loaded = Result { () throws -> [Message] in
        let text = try String(contentsOfFile: Fixtures.path("rpc/messages.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
    }

    static func messages() throws -> [Message] { try loaded.get() }

    /// How many messages of each capture scripts/xdr-fixtures put in the file (at least): a loop
    /// over the messages that sees fewer checks less than it says.
    static let minimumMessages = [
        "rpc/mount-portmap-rpcbind.pcap": 76, "decode/ethernet-tcp-nfsv3.pcap": 36, "decode/gzip.pcap.gz": 16,
        "rpc/nfsv3-mount-nsm-loopback.pcap": 14, "decode/pcap-big-endian.pcap": 12, "pcapio/klm.pcap.gz": 2,
    ]

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// (summary, JSON members) of a body.
    static func show(_ program: UInt32, _ version: UInt32, _ procedure: UInt32, reply: Bool, _ body: [UInt8],
                     fullFileHandles: Bool = false) -> (String, String) {
        var tape = Tape()
        var out = TextBuffer()
        return body.withUnsafeBytes { raw in
            var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
            _ = try? RPCPrograms.decodeBody(program: program, version: version, procedure: procedure, isReply: reply,
                                            reader: &r, into: &tape)
            TapeSummary.append(tape, bytes: raw, program: program, version: version, procedure: procedure,
                               isReply: reply, to: &out)
            let summary = out.take()
            out.jsonBeginObject()
            TapeJSON.append(tape, bytes: raw, fullFileHandles: fullFileHandles, to: &out)
            out.jsonEndObject()
            return (summary, out.take())
        }
    }

    static func show(_ capture: String, _ frame: Int) throws -> (String, String) {
        let m = try #require(try messages().first { $0.capture.hasSuffix(capture) && $0.frame == frame })
        return show(m.program, m.version, m.procedure, reply: m.reply, bytes(hex: m.body))
    }

    @Test func summariesOfRealMessages() throws {
        let lab = "mount-portmap-rpcbind.pcap"
        for (capture, frame, summary) in [
            (lab, 184, "prog:MOUNT vers:3 proto:TCP port:0"),           // PORTMAP v2 GETPORT call
            (lab, 185, "20048"),                                        // and its reply: the port alone
            (lab, 16, "entries:10"),                                    // PORTMAP v2 DUMP reply
            (lab, 4, "prog:PORTMAP vers:2 netid:tcp"),                  // RPCBIND v4 GETADDR call
            (lab, 6, "addr:10.77.0.1 port:111"),                        // and its reply
            (lab, 38, "prog:NFS vers:3 netid:tcp"),                     // GETADDRLIST call
            (lab, 40, "entries:1"),
            (lab, 214, "/export"),                                      // MOUNT v3 MNT call
            (lab, 215, "FH:0x8dfb25e1 auth_flavors:[AUTH_UNIX]"),       // OK: the root file handle, the flavors
            (lab, 263, "MNT3ERR_ACCES"),                                // refused: the status alone
            (lab, 152, ""),                                             // EXPORT reply: NFStest shows nothing
            (lab, 23, ""),                                              // NULL: nothing to say
            ("pcap-big-endian.pcap", 2, "addr:139.25.22.102 port:1048"), // RPCBIND v3 GETADDR reply
            ("pcap-big-endian.pcap", 127, "/home/girlich/export"),      // MOUNT v1 UMNT
            ("gzip.pcap.gz", 3, "Mon__name"),                           // NSM STAT call
            ("gzip.pcap.gz", 4, "state:0"),                             // STAT_SUCC: status left out
            ("gzip.pcap.gz", 6, "STAT_FAIL state:1"),                    // (tshark leaves state out on STAT_FAIL)
            ("gzip.pcap.gz", 7, "mon_name1 prog:200048 proc:1"),        // MON: an unknown program stays a number
            ("gzip.pcap.gz", 15, "My_NaMe state:0"),                    // NOTIFY
        ] {
            #expect(try Self.show(capture, frame).0 == summary, "\(capture) frame \(frame)")
        }
    }

    @Test func nlmSummariesReadLikeTheSeeds() {
        let fh: [UInt8] = Array(0..<32)
        let crc = String(format: "0x%08x", fh.withUnsafeBytes { CRC32.checksum($0) })
        func lockArgs(block: Bool, exclusive: Bool, reclaim: Bool) -> [UInt8] {
            var b: [UInt8] = []
            func u32(_ v: UInt32) { b += withUnsafeBytes(of: v.bigEndian, Array.init) }
            func opaque(_ v: [UInt8]) { u32(UInt32(v.count)); b += v + [UInt8](repeating: 0, count: (4 - v.count % 4) % 4) }
            opaque([1, 2]); u32(block ? 1 : 0); u32(exclusive ? 1 : 0)
            opaque(Array("client7".utf8)); opaque(fh); opaque([9]); u32(77); u32(0); u32(0); u32(0); u32(100)
            u32(reclaim ? 1 : 0); u32(3)
            return b
        }
        #expect(Self.show(100_021, 4, 2, reply: false, lockArgs(block: false, exclusive: true, reclaim: false)).0
            == "FH:\(crc) off:0 len:100 excl")
        #expect(Self.show(100_021, 4, 7, reply: false, lockArgs(block: true, exclusive: false, reclaim: true)).0
            == "FH:\(crc) off:0 len:100 block reclaim")
        // NLM4_DENIED TEST reply: the status and the holder's range
        let denied: [UInt8] = [0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0,
                               0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 2, 0]
        #expect(Self.show(100_021, 4, 1, reply: true, denied).0 == "NLM4_DENIED off:8 len:512")
        #expect(Self.show(100_021, 4, 12, reply: false, [0, 0, 0, 0, 0, 0, 0, 0]).0 == "NLM4_GRANTED")
        #expect(Self.show(100_021, 4, 2, reply: true, [0, 0, 0, 0, 0, 0, 0, 0]).0 == "")
    }

    @Test func jsonOfRealMessages() throws {
        let lab = "mount-portmap-rpcbind.pcap"
        #expect(try Self.show(lab, 215).1
            == #"{"fhs_status":"MNT3_OK","fhs_status_code":0,"mountinfo":{"fhandle":{"hash":"8dfb25e1"},"auth_flavors":["AUTH_UNIX"]}}"#)
        #expect(try Self.show(lab, 263).1 == #"{"fhs_status":"MNT3ERR_ACCES","fhs_status_code":13}"#)
        #expect(try Self.show(lab, 214).1 == #"{"dirpath":"/export"}"#)
        #expect(try Self.show(lab, 185).1 == #"{"port":20048}"#)
        #expect(try Self.show(lab, 184).1
            == #"{"prog":"MOUNT","prog_code":100005,"vers":3,"prot":"TCP","prot_code":6,"port":0}"#)
        #expect(try Self.show(lab, 6).1 == #"{"r_addr":"10.77.0.1.0.111","r_addr_ip":"10.77.0.1","r_addr_port":111}"#)
        #expect(try Self.show(lab, 152).1 == #"{"exports":[{"ex_dir":"/export","ex_groups":[]},{"ex_dir":"/ro","ex_groups":[]}]}"#)
        #expect(try Self.show(lab, 40).1 == #"{"entries":[{"rpcb_entry_map":{"r_maddr":"10.77.0.1.8.1","r_maddr_ip":"10.77.0.1","#
            + #""r_maddr_port":2049,"r_nc_netid":"tcp","r_nc_semantics":"NC_TPI_COTS_ORD","r_nc_semantics_code":3,"#
            + #""r_nc_protofmly":"inet","r_nc_proto":"tcp"}}]}"#)
        #expect(try Self.show("gzip.pcap.gz", 7).1
            == #"{"mon_id":{"mon_name":"mon_name1","my_id":{"my_name":"my_name1","my_prog":"200048","my_prog_code":200048,"#
            + #""my_vers":1,"my_proc":1}},"priv":"31323334353637383941424344454600"}"#)
        #expect(try Self.show(lab, 23).1 == "{}")
        // every message's members make valid JSON
        let messages = try Self.messages()
        for (capture, minimum) in Self.minimumMessages {
            let count = messages.count { $0.capture.hasSuffix("Fixtures/" + capture) }
            #expect(count >= minimum, "\(capture): \(count) messages in rpc/messages.jsonl, expected \(minimum)")
        }
        for m in messages {
            let json = Self.show(m.program, m.version, m.procedure, reply: m.reply, Self.bytes(hex: m.body)).1
            #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil, "\(m.capture) \(m.frame): \(json)")
        }
    }

    @Test func jsonOfGetstatNestsArraysInArrays() throws {
        let json = try Self.show("mount-portmap-rpcbind.pcap", 50).1
        #expect(json.hasPrefix(#"{"stats":[{"info":[1,0,0,3,1,0,0,0,0,0,0,0,0],"setinfo":0,"unsetinfo":0,"addrinfo":[{"prog":"MOUNT","#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((parsed["stats"] as? [Any])?.count == 3)
    }

    @Test func fileHandlesInFullWhenAsked() throws {
        let m = try #require(try Self.messages().first { $0.capture.hasSuffix("mount-portmap-rpcbind.pcap") && $0.frame == 215 })
        let json = Self.show(m.program, m.version, m.procedure, reply: true, Self.bytes(hex: m.body), fullFileHandles: true).1
        #expect(json.contains(#""fhandle":{"hash":"8dfb25e1","hex":"430000011244be1803a5a2a7da2d015180f700fde6daaf00"}"#))
    }

    @Test func stringsAreEscapedAndBadBytesKeptVisible() {
        // NSM STAT call: mon_name with a quote, a newline, a control byte, then a byte that is not UTF-8
        let name: [UInt8] = Array("a\"b\n".utf8) + [0x01, 0xff]
        var body: [UInt8] = [0, 0, 0, UInt8(name.count)] + name
        body += [UInt8](repeating: 0, count: (4 - name.count % 4) % 4)
        let (summary, json) = Self.show(100_024, 1, 1, reply: false, body)
        #expect(json == #"{"mon_name":"a\"b\n\u0001\u00ff"}"#)
        #expect(summary == #"a"b\x0a\x01\xff"#)
        // valid UTF-8 passes through
        let utf8 = Array("dépôt".utf8)
        let (_, json2) = Self.show(100_024, 1, 1, reply: false, [0, 0, 0, UInt8(utf8.count)] + utf8 + [0])
        #expect(json2 == #"{"mon_name":"dépôt"}"#)
    }

    @Test func anIncompleteTapeSaysSo() {
        // MNT reply whose file handle is longer than FHSIZE3: the status stays, the rest is cut
        let body: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 65] + [UInt8](repeating: 1, count: 68)
        let (summary, json) = Self.show(100_005, 3, 1, reply: true, body)
        #expect(json == #"{"fhs_status":"MNT3_OK","fhs_status_code":0,"mountinfo":{},"incomplete":true}"#)
        #expect(summary == "")
    }
}

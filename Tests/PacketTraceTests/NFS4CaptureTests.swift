import Decode
import Foundation
import PacketTrace
import Testing

/// NFSv4 (4.0, 4.1 sessions, pNFS file layouts) from real captures (Tests/Fixtures/nfs4/README.md),
/// decoded by the decoders generated from xdr/nfs4.x and checked against tshark's reading of the
/// same messages (Tests/Fixtures/nfs4/*.tshark.jsonl, made by scripts/nfs4-fixtures): every body
/// decodes whole, the op lists equal tshark's nfs.opcode, the statuses its nfs.nfsstat4, and the
/// fields of `mapping` its values, in order.
@Suite struct NFS4CaptureTests {
    static let compared: [(capture: String, expected: String)] = [
        ("nfs4/lab-nfsv40.pcap", "nfs4/lab-nfsv40.tshark.jsonl"),
        ("nfs4/lab-nfsv41.pcap", "nfs4/lab-nfsv41.tshark.jsonl"),
        ("nfs3/lab-nfs-errors.pcap", "nfs4/lab-nfs-errors.tshark.jsonl"),
        ("nfs4/suricata-nfs4-01-pnfs.pcap", "nfs4/suricata-nfs4-01-pnfs.tshark.jsonl"),
        ("nfs4/nfstrace-nfsv41.pcap", "nfs4/nfstrace-nfsv41.tshark.jsonl"),
    ]

    struct Expected: Decodable {
        var frame: Int
        var xid: String
        var reply: Bool
        var program: UInt32
        var version: UInt32
        var procedure: UInt32
        var ops: [Int64]
        var status: [Int64]
        var fields: [[String]]
    }

    struct Message {
        var frame: Int
        var xid: UInt32
        var reply: Bool
        var program: UInt32
        var procedure: UInt32
        var body: [UInt8]
        var tape = Tape()
        var error: DecodeError?
        var consumed = 0
        var key: String { "\(frame) \(String(format: "0x%08x", xid)) \(reply ? "reply" : "call")" }
    }

    enum Form { case value, hash, hex64, hex32, bytes, hexBytes, length }

    /// tshark field -> which tape fields hold the same value (`parent.name`, `*:type` for any field
    /// of that declared type, `@fh` for every file handle) and how tshark shows it.
    static let mapping: [String: ([String], Form)] = [
        "nfs.tag": (["COMPOUND4args.tag", "COMPOUND4res.tag"], .value),
        "nfs.minorversion": (["COMPOUND4args.minorversion"], .value),
        "nfs.fh.hash": (["@fh"], .hash),
        "nfs.stateid.seqid": (["stateid4.seqid"], .value),
        "nfs.slotid": (["SEQUENCE4args.sa_slotid", "SEQUENCE4resok.sr_slotid"], .value),
        "nfs.high_slotid": (["SEQUENCE4args.sa_highest_slotid", "SEQUENCE4resok.sr_highest_slotid"], .value),
        "nfs.target_high_slotid": (["SEQUENCE4resok.sr_target_highest_slotid"], .value),
        "nfs.offset4": (["*:offset4"], .value),
        "nfs.count4": (["READ4args.count", "COMMIT4args.count", "WRITE4resok.count"], .value),
        "nfs.length4": (["*:length4", "-LAYOUTGET4args.loga_minlength"], .value),
        "nfs.name": (["*:component4"], .value),
        "nfs.entry_name": (["entry4.name"], .value),
        "nfs.cookie4": (["*:nfs_cookie4"], .value),
        "nfs.stable_how4": (["*:stable_how4"], .value),
        "nfs.eof": (["READ4resok.eof"], .value),
        "nfs.nfs_ftype4": (["*:nfs_ftype4"], .value),
        "nfs.fattr4.size": (["fattr4_attr.size"], .value),
        "nfs.fattr4.fileid": (["fattr4_attr.fileid"], .value),
        "nfs.fattr4.numlinks": (["fattr4_attr.numlinks"], .value),
        "nfs.fattr4_owner": (["fattr4_attr.owner"], .value),
        "nfs.fattr4_owner_group": (["fattr4_attr.owner_group"], .value),
        "nfs.fattr4.space_used": (["fattr4_attr.space_used"], .value),
        "nfs.fsid4.major": (["fsid4.major"], .value),
        "nfs.fsid4.minor": (["fsid4.minor"], .value),
        "nfs.fattr4.lease_time": (["fattr4_attr.lease_time"], .value),
        "nfs.fattr4.maxread": (["fattr4_attr.maxread"], .value),
        "nfs.fattr4.maxwrite": (["fattr4_attr.maxwrite"], .value),
        "nfs.fattr4.files_total": (["fattr4_attr.files_total"], .value),
        "nfs.clientid": (["*:clientid4"], .hex64),
        "nfs.open.claim_type": (["open_claim4.claim"], .value),
        "nfs.open.delegation_type": (["open_delegation4.delegation_type"], .value),
        "nfs.layouttype": (["*:layouttype4", "*:layouttype4<>"], .value),
        "nfs.iomode": (["*:layoutiomode4"], .value),
        "nfs.deviceid": (["*:deviceid4"], .bytes),
        "nfs.nfl_util": (["nfsv4_1_file_layout4.nfl_util"], .hex32),
        "nfs.nfl_first_stripe_index": (["nfsv4_1_file_layout4.nfl_first_stripe_index"], .value),
        "nfs.r_addr": (["netaddr4.na_r_addr"], .value),
        "nfs.r_netid": (["netaddr4.na_r_netid"], .value),
        "nfs.seqid": (["*:seqid4", "*:sequenceid4"], .hex32),
        "nfs.session_id4": (["*:sessionid4"], .bytes),
        "nfs.cachethis4": (["SEQUENCE4args.sa_cachethis"], .value),
        "nfs.dircount": (["READDIR4args.dircount"], .value),
        "nfs.maxcount": (["READDIR4args.maxcount", "LAYOUTGET4args.loga_maxcount", "GETDEVICEINFO4args.gdia_maxcount"], .value),
        "nfs.open4.share_access": (["OPEN4args.share_access", "OPEN_DOWNGRADE4args.share_access"], .value),
        "nfs.open4.share_deny": (["OPEN4args.share_deny", "OPEN_DOWNGRADE4args.share_deny"], .value),
        "nfs.createmode4": (["createhow4.mode"], .value),
        "nfs.open.opentype": (["openflag4.opentype"], .value),
        "nfs.mode": (["fattr4_attr.mode"], .value),
        "nfs.nfstime4.seconds": (["nfstime4.seconds"], .value),
        "nfs.nfstime4.nseconds": (["nfstime4.nseconds"], .value),
        "nfs.verifier4": (["*:verifier4"], .hexBytes),
        "nfs.read.data_length": (["READ4resok.data"], .length),
        "nfs.write.data_length": (["WRITE4args.data"], .length),
        "nfs.dirlist4.eof": (["dirlist4.eof"], .value),
        "nfs.symlink.linktext": (["*:linktext4"], .value),
        "nfs.change_info.atomic": (["change_info4.atomic"], .value),
        "nfs.changeid4.before": (["change_info4.before"], .value),
        "nfs.changeid4.after": (["change_info4.after"], .value),
        "nfs.specdata1": (["specdata4.specdata1"], .value),
        "nfs.specdata2": (["specdata4.specdata2"], .value),
        "nfs.fattr4.files_avail": (["fattr4_attr.files_avail"], .value),
        "nfs.fattr4.files_free": (["fattr4_attr.files_free"], .value),
        "nfs.fattr4.space_avail": (["fattr4_attr.space_avail"], .value),
        "nfs.fattr4.space_free": (["fattr4_attr.space_free"], .value),
        "nfs.fattr4.space_total": (["fattr4_attr.space_total"], .value),
        "nfs.majorid4": (["server_owner4.so_major_id"], .bytes),
        "nfs.minorid4": (["server_owner4.so_minor_id"], .value),
        "nfs.maxreqs4": (["channel_attrs4.ca_maxrequests"], .value),
        "nfs.maxops4": (["channel_attrs4.ca_maxoperations"], .value),
        "nfs.padsize4": (["channel_attrs4.ca_headerpadsize"], .value),
        "nfs.maxreqsize4": (["channel_attrs4.ca_maxrequestsize"], .value),
        "nfs.maxrespsize4": (["channel_attrs4.ca_maxresponsesize"], .value),
        "nfs.maxrespsizecached4": (["channel_attrs4.ca_maxresponsesize_cached"], .value),
        "nfs.flavor4": (["secinfo4.flavor", "callback_sec_parms4.cb_secflavor"], .value),
        "nfs.reclaim_one_fs4": (["RECLAIM_COMPLETE4args.rca_one_fs"], .value),
        "nfs.cb_program": (["cb_client4.cb_program", "CREATE_SESSION4args.csa_cb_program",
                            "BACKCHANNEL_CTL4args.bca_cb_program"], .hex32),
    ]

    static func expected(_ relative: String) throws -> [Expected] {
        let text = try String(contentsOfFile: Fixtures.path(relative), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }
    }

    static func isNFS4(_ program: UInt32, _ version: UInt32) -> Bool {
        (program == 100_003 && version == 4) || (0x4000_0000...0x5fff_ffff).contains(program)
    }

    /// Every NFSv4 call, and every reply whose call was seen and that carries results.
    static func messages(_ relative: String) throws -> [Message] {
        let trace = try Pktt(files: [Fixtures.path(relative)])
        var out: [Message] = []
        while try trace.next() {
            let p = trace.packet
            guard p.has(.rpc) else { continue }
            let rpc = p.rpc
            guard isNFS4(rpc.program, rpc.version), rpc.isCall || (rpc.callSeen && rpc.isSuccess) else { continue }
            let body: [UInt8] = trace.withMessageBytes { bytes, _ in
                guard rpc.body.offset >= 0, rpc.body.end <= bytes.count else { return [] }
                return Array(bytes[rpc.body.offset..<rpc.body.end])
            }
            var m = Message(frame: trace.record.frame, xid: rpc.xid, reply: !rpc.isCall, program: rpc.program,
                            procedure: rpc.procedure, body: body)
            decode(&m, version: rpc.version)
            out.append(m)
        }
        return out
    }

    static func decode(_ m: inout Message, version: UInt32) {
        var tape = Tape()
        var failure: DecodeError?
        var offset = 0
        let (program, procedure, reply) = (m.program, m.procedure, m.reply)
        m.body.withUnsafeBytes { raw in
            var reader = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
            do throws(DecodeError) {
                _ = try RPCPrograms.decodeBody(program: program, version: version, procedure: procedure,
                                               isReply: reply, reader: &reader, into: &tape)
            } catch {
                failure = error
            }
            offset = reader.offset
        }
        m.tape = tape
        m.error = failure
        m.consumed = offset
    }

    static func matches(_ key: String, _ f: XDRField) -> Bool {
        if key == "@fh" { return f.hint == .fileHandle }
        if key.hasPrefix("*:") { return f.type == key.dropFirst(2) }
        return key == "\(f.parent).\(f.name)"
    }

    /// The values of the tape entries the keys name, in tape order, as tshark shows them.
    static func values(_ m: Message, _ keys: [String], _ form: Form) -> [String] {
        let include = keys.filter { !$0.hasPrefix("-") }
        let exclude = keys.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) }
        return m.body.withUnsafeBytes { raw in
            m.tape.entries.compactMap { e in
                let f = XDRCatalogue.field(e.field)
                guard e.kind != .end, e.kind != .absent, !e.isBegin || form == .length,
                      include.contains(where: { matches($0, f) }),
                      !exclude.contains(where: { matches($0, f) }) else { return nil }
                switch (form, e.kind) {
                case (.hash, .opaque): return String(format: "0x%08x", CRC32.checksum(raw, e.byteRange))
                case (.length, .opaque), (.length, .string): return String(e.count)
                case (.hexBytes, .opaque):
                    return "0x" + raw[e.byteRange.offset..<e.byteRange.end].map { String(format: "%02x", $0) }.joined()
                case (.hex64, _): return String(format: "0x%016llx", e.value)
                case (.hex32, _): return String(format: "0x%08llx", e.value)
                case (_, .int32), (_, .int64), (_, .enumeration): return String(e.signedValue)
                case (_, .uint32), (_, .uint64), (_, .bool): return String(e.value)
                case (_, .string): return String(decoding: raw[e.byteRange.offset..<e.byteRange.end], as: UTF8.self)
                default: return raw[e.byteRange.offset..<e.byteRange.end].map { String(format: "%02x", $0) }.joined()
                }
            }
        }
    }

    /// The ops of a compound tape, and every nfsstat4 on it in order (the compound's status, each
    /// op's, and any other nfsstat4 a result holds).
    /// nil when the tape has no op array: a COMPOUND (or CB_COMPOUND) always has one, even empty.
    static func ops(_ m: Message) -> [Int64]? {
        guard let array = XDRCompound.operations(m.tape, program: m.program, version: 4, procedure: m.procedure,
                                                 isReply: m.reply) else { return nil }
        return XDRCompound.elements(m.tape, array: array).compactMap { XDRCompound.opcode(m.tape, element: $0)?.value }
    }

    static func statuses(_ m: Message) -> [Int64] {
        m.tape.entries.compactMap { e in
            let f = XDRCatalogue.field(e.field)
            return e.kind == .enumeration && f.type == "nfsstat4" ? e.signedValue : nil
        }
    }

    /// Where decoding left bytes it did not understand inside an opaque (`@xdr`, `@attrs`).
    static func undecoded(_ m: Message) -> [String] {
        m.tape.entries.compactMap { e in
            let f = XDRCatalogue.field(e.field)
            return f.name.hasSuffix("_undecoded") || f.name.hasSuffix("_unknown") ? "\(f.parent).\(f.name)=\(e.value)" : nil
        }
    }

    @Test(arguments: compared.map(\.capture))
    func everyMessageDecodesWholeAndAgreesWithTshark(_ capture: String) throws {
        let expected = try Self.expected(Self.compared.first { $0.capture == capture }!.expected)
        let messages = try Self.messages(capture)
        var byKey: [String: Message] = [:]
        for m in messages { byKey[m.key] = m }
        var compared = 0
        var opCounts: [Int64: Int] = [:]
        #expect(messages.count >= expected.count, "\(capture): pktt found fewer NFSv4 messages than tshark")
        for x in expected {
            let key = "\(x.frame) \(x.xid) \(x.reply ? "reply" : "call")"
            guard let m = byKey[key] else {
                Issue.record("\(capture) \(key): tshark decodes this message, pktt has no such message")
                continue
            }
            #expect(m.error == nil, "\(capture) \(key): \(String(describing: m.error))")
            #expect(m.consumed == m.body.count, "\(capture) \(key): read \(m.consumed) of \(m.body.count) bytes")
            #expect(Self.undecoded(m).isEmpty, "\(capture) \(key): \(Self.undecoded(m))")
            guard x.procedure == 1 else { continue }
            guard let ops = Self.ops(m) else {
                Issue.record("\(capture) \(key): the tape has no op array")
                continue
            }
            #expect(ops == x.ops, "\(capture) \(key): ops \(ops), tshark \(x.ops)")
            if !x.reply { for op in ops { opCounts[op, default: 0] += 1 } }
            if x.reply {
                let statuses = Self.statuses(m)
                #expect(statuses == x.status, "\(capture) \(key): status \(statuses), tshark \(x.status)")
            }
            var byName: [String: [String]] = [:]
            for field in x.fields { byName[field[0], default: []].append(field[1]) }
            for (name, want) in byName {
                guard let (keys, form) = Self.mapping[name] else {
                    Issue.record("\(name) has no mapping")
                    continue
                }
                let got = Self.values(m, keys, form)
                // tshark shows bytes as aa:bb:…, pktt's tape as aabb…
                let norm = want.map { form == .bytes ? $0.replacingOccurrences(of: ":", with: "") : $0 }
                #expect(got == norm, "\(capture) \(key) \(name): pktt \(got), tshark \(norm)")
                compared += got.count
            }
        }
        #expect(compared > 0, "\(capture): no field values compared with tshark")
        let counts = opCounts.keys.sorted().map { "\(XDRCompound.nfs4OpName(UInt32($0))):\(opCounts[$0]!)" }
        print("NFS4 vs tshark \(capture): \(expected.count) messages, \(compared) values compared; ops in calls: \(counts.joined(separator: " "))")
    }
}

import Decode
import Testing

/// NFSv4 ops the fixture captures lack (Tests/Fixtures/nfs4/README.md lists which they have),
/// built item by item from RFC 7863 (4.0–4.2), RFC 8276 (xattrs), RFC 8435 (flex files) and the
/// callback program: every call and reply decodes whole, with its op list, and the values read back.
@Suite struct NFS4BuiltTests {
    typealias Body = @Sendable (XDRBytes) -> Void

    static func call(_ ops: [(UInt32, Body)], minor: UInt32 = 2, callback: Bool = false) -> XDRBytes {
        let b = XDRBytes().string("tag").u32(minor)
        if callback { b.u32(7) }
        b.u32(UInt32(ops.count))
        for (op, body) in ops { b.u32(op); body(b) }
        return b
    }

    static func reply(_ ops: [(UInt32, Body)], status: UInt32 = 0) -> XDRBytes {
        let b = XDRBytes().u32(status).string("tag").u32(UInt32(ops.count))
        for (op, body) in ops { b.u32(op); body(b) }
        return b
    }

    /// A message decoded whole: no error, every byte read, nothing left undecoded in an opaque.
    static func whole(_ d: Decoded, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(d.error == nil, "\(what): \(String(describing: d.error))", sourceLocation: sourceLocation)
        #expect(d.offset == d.bytes.count, "\(what): read \(d.offset) of \(d.bytes.count)", sourceLocation: sourceLocation)
        let odd = d.lines.filter { $0.contains("_undecoded") || $0.contains("_unknown") }
        #expect(odd.isEmpty, "\(what): \(odd)", sourceLocation: sourceLocation)
        #expect(d.layer == .nfs, sourceLocation: sourceLocation)
    }

    static func ops(_ d: Decoded, program: UInt32 = 100_003, version: UInt32 = 4, reply: Bool) -> [Int64] {
        guard let at = XDRCompound.operations(d.tape, program: program, version: version, procedure: 1, isReply: reply)
        else { return [] }
        return XDRCompound.elements(d.tape, array: at).compactMap { XDRCompound.opcode(d.tape, element: $0)?.value }
    }

    static let ok: Body = { $0.u32(0) }
    static func stateid(_ seqid: UInt32, _ b: XDRBytes) { b.u32(seqid).fixed([UInt8](repeating: UInt8(seqid), count: 12)) }
    static func verifier(_ b: XDRBytes) { b.fixed([1, 2, 3, 4, 5, 6, 7, 8]) }
    static func sessionid(_ b: XDRBytes) { b.fixed([UInt8](repeating: 0xab, count: 16)) }
    static func fh(_ b: XDRBytes) { b.opaque([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]) }
    static func bitmap(_ words: [UInt32], _ b: XDRBytes) { b.u32(UInt32(words.count)); for w in words { b.u32(w) } }
    static func changeInfo(_ b: XDRBytes) { b.bool(true).u64(1).u64(2) }
    static func writeResponse(_ b: XDRBytes) { b.u32(1); stateid(3, b); b.u64(4096).u32(2); verifier(b) }
    /// fattr4 with type NF4REG and size 1234.
    static func fattr(_ b: XDRBytes) { bitmap([0x12], b); b.u32(12).u32(1).u64(1234) }

    /// (op, arguments, results) for every op no fixture capture has.
    static let rounds: [(UInt32, String, Body, Body)] = [
        (7, "DELEGPURGE", { $0.u64(0x1122) }, ok),
        (12, "LOCK", { b in b.u32(2).bool(false).u64(100).u64(200).bool(true).u32(1); stateid(1, b); b.u32(0).u64(9).opaque([1, 2]) },
         { b in b.u32(0); stateid(1, b) }),
        (13, "LOCKT", { b in b.u32(1).u64(0).u64(10).u64(9).opaque([7]) },
         { b in b.u32(10010).u64(0).u64(10).u32(2).u64(9).opaque([8]) }),
        (14, "LOCKU", { b in b.u32(2).u32(3); stateid(2, b); b.u64(100).u64(200) }, { b in b.u32(0); stateid(3, b) }),
        (16, "LOOKUPP", { _ in }, ok),
        (17, "NVERIFY", { b in fattr(b) }, ok),
        (19, "OPENATTR", { $0.bool(true) }, ok),
        (21, "OPEN_DOWNGRADE", { b in stateid(2, b); b.u32(5).u32(1).u32(0) }, { b in b.u32(0); stateid(3, b) }),
        (23, "PUTPUBFH", { _ in }, ok),
        (30, "RENEW", { $0.u64(0x77) }, ok),
        (31, "RESTOREFH", { _ in }, ok),
        (33, "SECINFO", { $0.string("dir") },
         { b in b.u32(0).u32(2).u32(6).opaque([0x2a, 0x86]).u32(0).u32(1).u32(1) }),
        (37, "VERIFY", { b in fattr(b) }, ok),
        (39, "RELEASE_LOCKOWNER", { $0.u64(5).opaque([1, 2, 3]) }, ok),
        (40, "BACKCHANNEL_CTL", { b in b.u32(0x4000_0000).u32(2).u32(1).u32(9).string("client").u32(0).u32(0).u32(1).u32(10).u32(0) }, ok),
        (41, "BIND_CONN_TO_SESSION", { b in sessionid(b); b.u32(3).bool(false) },
         { b in b.u32(0); sessionid(b); b.u32(3).bool(false) }),
        (45, "FREE_STATEID", { b in stateid(4, b) }, ok),
        (46, "GET_DIR_DELEGATION", { b in b.bool(false); bitmap([1], b); b.u64(1).u32(0).u64(2).u32(0); bitmap([], b); bitmap([0x10], b) },
         { b in b.u32(0).u32(0); verifier(b); stateid(1, b); bitmap([1], b); bitmap([], b); bitmap([0x10], b) }),
        (48, "GETDEVICELIST", { b in b.u32(1).u32(10).u64(0); verifier(b) },
         { b in b.u32(0).u64(1); verifier(b); b.u32(1); sessionid(b); b.bool(true) }),
        (49, "LAYOUTCOMMIT", { b in b.u64(0).u64(4096).bool(false); stateid(1, b); b.bool(true).u64(4095).bool(false).u32(1).opaque([]) },
         { b in b.u32(0).bool(true).u64(4096) }),
        (54, "SET_SSV", { $0.opaque([1, 2, 3, 4]).opaque([5]) }, { $0.u32(0).opaque([6, 7]) }),
        (55, "TEST_STATEID", { b in b.u32(2); stateid(1, b); stateid(2, b) }, { $0.u32(0).u32(2).u32(0).u32(10025) }),
        (56, "WANT_DELEGATION", { $0.u32(0x100).u32(1).u32(1) }, { $0.u32(0).u32(0) }),
        (59, "ALLOCATE", { b in stateid(1, b); b.u64(0).u64(1 << 20) }, ok),
        (60, "COPY", { b in stateid(1, b); stateid(2, b); b.u64(0).u64(512).u64(4096).bool(true).bool(false).u32(1).u32(1).string("src.example") },
         { b in b.u32(0); writeResponse(b); b.bool(true).bool(false) }),
        (61, "COPY_NOTIFY", { b in stateid(1, b); b.u32(3).string("tcp").string("10.0.0.2.8.1") },
         { b in b.u32(0).u64(90).u32(0); stateid(5, b); b.u32(1).u32(2).string("nfs://src/") }),
        (62, "DEALLOCATE", { b in stateid(1, b); b.u64(4096).u64(8192) }, ok),
        (63, "IO_ADVISE", { b in stateid(1, b); b.u64(0).u64(100); bitmap([0x10], b) }, { b in b.u32(0); bitmap([0x10], b) }),
        (64, "LAYOUTERROR", { b in b.u64(0).u64(10); stateid(1, b); b.u32(1); sessionid(b); b.u32(10008).u32(25) }, ok),
        (65, "LAYOUTSTATS", { b in b.u64(0).u64(10); stateid(1, b); b.u64(1).u64(2).u64(3).u64(4); sessionid(b); b.u32(4).opaque([]) }, ok),
        (66, "OFFLOAD_CANCEL", { b in stateid(5, b) }, ok),
        (67, "OFFLOAD_STATUS", { b in stateid(5, b) }, { $0.u32(0).u64(4096).u32(1).u32(0) }),
        (68, "READ_PLUS", { b in stateid(1, b); b.u64(0).u32(8192) },
         { $0.u32(0).bool(true).u32(2).u32(0).u64(0).opaque([1, 2, 3]).u32(1).u64(3).u64(8189) }),
        (69, "SEEK", { b in stateid(1, b); b.u64(0).u32(1) }, { $0.u32(0).bool(false).u64(65536) }),
        (70, "WRITE_SAME", { b in stateid(1, b); b.u32(2).u64(0).u64(512).u64(8).u64(0).u32(0).u64(0).opaque([0xff]) },
         { b in b.u32(0); writeResponse(b) }),
        (71, "CLONE", { b in stateid(1, b); stateid(2, b); b.u64(0).u64(0).u64(1 << 16) }, ok),
        (72, "GETXATTR", { $0.string("user.a") }, { $0.u32(0).opaque([0x61, 0x62]) }),
        (73, "SETXATTR", { $0.u32(1).string("user.a").opaque([1]) }, { b in b.u32(0); changeInfo(b) }),
        (74, "LISTXATTRS", { $0.u64(0).u32(4096) }, { $0.u32(0).u64(9).u32(2).string("user.a").string("user.b").bool(true) }),
        (75, "REMOVEXATTR", { $0.string("user.a") }, { b in b.u32(0); changeInfo(b) }),
        (10044, "ILLEGAL", { _ in }, { $0.u32(10044) }),
    ]

    @Test func everyOpTheCapturesLackDecodesWhole() {
        for (op, name, args, results) in Self.rounds {
            let c = decode(100_003, 4, 1, reply: false, Self.call([(53, { b in Self.sessionid(b); b.u32(1).u32(0).u32(0).bool(false) }), (op, args)]))
            Self.whole(c, "\(name) call")
            #expect(Self.ops(c, reply: false) == [53, Int64(op)], "\(name) call")
            #expect(XDRCompound.nfs4OpName(op) == name)
            let r = decode(100_003, 4, 1, reply: true, Self.reply([(op, results)]))
            Self.whole(r, "\(name) reply")
            #expect(Self.ops(r, reply: true) == [Int64(op)], "\(name) reply")
        }
    }

    @Test func valuesReadBack() {
        let lock = decode(100_003, 4, 1, reply: false, Self.call([Self.rounds[1].0].map { ($0, Self.rounds[1].2) }))
        #expect(lock.value("LOCK4args.locktype") == "WRITE_LT")
        #expect(lock.value("LOCK4args.offset") == "100")
        #expect(lock.value("open_to_lock_owner4.lock_seqid") == "0")
        let denied = decode(100_003, 4, 1, reply: true, Self.reply([(13, Self.rounds[2].3)], status: 10010))
        #expect(denied.value("COMPOUND4res.status") == "NFS4ERR_DENIED")
        #expect(denied.value("LOCK4denied.locktype") == "WRITE_LT")
        let copy = decode(100_003, 4, 1, reply: false, Self.call([(60, Self.rounds.first { $0.0 == 60 }!.2)]))
        #expect(copy.values("stateid4.seqid") == ["1", "2"])
        #expect(copy.value("COPY4args.ca_count") == "4096")
        #expect(copy.value("netloc4.nl_name") == "src.example")
        let plus = decode(100_003, 4, 1, reply: true, Self.reply([(68, Self.rounds.first { $0.0 == 68 }!.3)]))
        #expect(plus.values("read_plus_content.rpc_content") == ["NFS4_CONTENT_DATA", "NFS4_CONTENT_HOLE"])
        #expect(plus.value("data_info4.di_length") == "8189")
        let list = decode(100_003, 4, 1, reply: true, Self.reply([(74, Self.rounds.first { $0.0 == 74 }!.3)]))
        #expect(list.values("LISTXATTRS4resok.lxr_names") == ["#2", "user.a", "user.b"])
    }

    /// A status no RFC lists (nfsstat4 is @open) is kept as a number, not a malformed message.
    @Test func aStatusNoRFCListsIsANumber() {
        let r = decode(100_003, 4, 1, reply: true, Self.reply([(22, { $0.u32(12345) })], status: 12345))
        Self.whole(r, "status 12345")
        #expect(r.values("PUTFH4res.status") == ["12345"])
        #expect(r.value("COMPOUND4res.status") == "12345")
    }

    /// The attributes of RFC 7530 section 5 (and 4.1/4.2 ones) decoded by the bitmap, in order.
    @Test func attributesDecodeByTheBitmap() {
        let vals = XDRBytes()
        vals.u32(2)                                             // 1 type NF4DIR
        vals.u64(77)                                            // 3 change
        vals.u64(4096)                                          // 4 size
        vals.u64(1).u64(2)                                      // 8 fsid
        vals.u32(1).u32(0).u32(0).u32(0x1f0000).string("OWNER@")  // 12 acl: one ace
        vals.u64(99)                                            // 20 fileid
        vals.u32(0).u32(1).u32(1).string("srv").u32(1).string("exp")  // 24 fs_locations: fs_root [], one location
        vals.u32(0o755)                                         // 33 mode
        vals.u32(3)                                             // 35 numlinks
        vals.string("alice").string("staff")                    // 36 owner, 37 owner_group
        vals.u32(8).u32(1)                                      // 41 rawdev
        vals.u64(8192)                                          // 45 space_used
        vals.u64(1000).u32(5)                                   // 47 time_access
        vals.u64(2000).u32(6)                                   // 52 time_metadata
        vals.u64(3000).u32(7)                                   // 53 time_modify
        vals.u64(55)                                            // 55 mounted_on_fileid
        vals.u32(1).u32(1)                                      // 62 fs_layout_types [FILES]
        vals.bool(true)                                         // 82 xattr_support
        let w0: UInt32 = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 12) | (1 << 20) | (1 << 24)
        let w1: UInt32 = (1 << (33 - 32)) | (1 << (35 - 32)) | (1 << (36 - 32)) | (1 << (37 - 32)) | (1 << (41 - 32))
            | (1 << (45 - 32)) | (1 << (47 - 32)) | (1 << (52 - 32)) | (1 << (53 - 32)) | (1 << (55 - 32)) | (1 << (62 - 32))
        let w2: UInt32 = 1 << (82 - 64)
        let valBytes = vals.bytes
        let r = decode(100_003, 4, 1, reply: true, Self.reply([(9, { b in
            b.u32(0); Self.bitmap([w0, w1, w2], b); b.opaque(valBytes)
        })]))
        Self.whole(r, "GETATTR reply")
        #expect(r.value("fattr4_attr.type") == "NF4DIR")
        #expect(r.value("fattr4_attr.size") == "4096")
        #expect(r.value("fsid4.minor") == "2")
        #expect(r.value("nfsace4.who") == "OWNER@")
        #expect(r.value("fattr4_attr.fileid") == "99")
        #expect(r.value("fs_location4.rootpath") == "#1")
        #expect(r.value("fattr4_attr.mode") == "493")
        #expect(r.value("fattr4_attr.owner") == "alice")
        #expect(r.value("fattr4_attr.owner_group") == "staff")
        #expect(r.value("specdata4.specdata1") == "8")
        #expect(r.values("nfstime4.seconds") == ["1000", "2000", "3000"])
        #expect(r.value("fattr4_attr.mounted_on_fileid") == "55")
        #expect(r.values("fattr4_attr.fs_layout_types") == ["#1", "LAYOUT4_NFSV4_1_FILES"])
        #expect(r.value("fattr4_attr.xattr_support") == "true")
    }

    /// An attribute the .x file has no arm for stops the attributes with a mark; the rest of the
    /// message still decodes.
    @Test func anUnknownAttributeStopsTheAttributesNotTheMessage() {
        let r = decode(100_003, 4, 1, reply: true, Self.reply([
            (9, { b in b.u32(0); Self.bitmap([1 << 4, 0, 1 << (90 - 64)], b); b.opaque(XDRBytes().u64(10).u32(0xdead).bytes) }),
            (10, { b in b.u32(0); Self.fh(b) }),
        ]))
        #expect(r.error == nil)
        #expect(r.offset == r.bytes.count)
        #expect(r.value("fattr4_attr.size") == "10")
        #expect(r.value("fattr4.attr_vals_unknown") == "90")
        #expect(r.value("fattr4.attr_vals_undecoded") == "0000dead")
        #expect(Self.ops(r, reply: true) == [9, 10])
        let crc = [UInt8]([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]).withUnsafeBytes { CRC32.checksum($0, ByteRange(offset: 0, count: 8)) }
        #expect(r.value("GETFH4resok.object") == "FH:0x" + String(crc, radix: 16).leftPad(8))
    }

    /// Attribute values shorter than the bitmap says: the attributes stop there, marked.
    @Test func attributesCutShortAreMarked() {
        let r = decode(100_003, 4, 1, reply: true, Self.reply([
            (9, { b in b.u32(0); Self.bitmap([(1 << 4) | (1 << 20)], b); b.opaque(XDRBytes().u64(10).u32(1).bytes) }),
        ]))
        #expect(r.error == nil)
        #expect(r.value("fattr4_attr.size") == "10")
        #expect(r.value("fattr4.attr_vals_unknown") == "20")
        #expect(r.value("fattr4.attr_vals_undecoded") == "00000001")
    }

    /// pNFS flexible file layout (RFC 8435) in LAYOUTGET and GETDEVICEINFO; an unknown layout
    /// type stays opaque.
    @Test func flexFilesLayoutAndDevice() {
        let body = XDRBytes().u64(65536).u32(1).u32(1)
        Self.sessionid(body)
        body.u32(1)
        Self.stateid(0, body)
        body.u32(1).opaque([9, 9, 9, 9]).string("1000").string("1000").u32(0x2).u32(5)
        let layout = body.bytes
        let get = decode(100_003, 4, 1, reply: true, Self.reply([(50, { b in
            b.u32(0).bool(false); Self.stateid(1, b); b.u32(1).u64(0).u64(.max).u32(2).u32(4).opaque(layout)
        })]))
        Self.whole(get, "LAYOUTGET flex files")
        #expect(get.value("ff_layout4.ffl_stripe_unit") == "65536")
        #expect(get.value("ff_data_server4.ffds_user") == "1000")
        #expect(get.value("ff_layout4.ffl_stats_collect_hint") == "5")
        let addr = XDRBytes().u32(1).string("tcp").string("10.0.0.9.8.1").u32(1).u32(3).u32(0).u32(1 << 20).u32(1 << 20).bool(false)
        let device = addr.bytes
        let dev = decode(100_003, 4, 1, reply: true, Self.reply([(47, { b in
            b.u32(0).u32(4).opaque(device); Self.bitmap([], b)
        })]))
        Self.whole(dev, "GETDEVICEINFO flex files")
        #expect(dev.value("netaddr4.na_r_addr") == "10.0.0.9.8.1")
        #expect(dev.value("ff_device_versions4.ffdv_version") == "3")
        let block = decode(100_003, 4, 1, reply: true, Self.reply([(47, { b in
            b.u32(0).u32(3).opaque([1, 2, 3]); Self.bitmap([], b)
        })]))
        Self.whole(block, "GETDEVICEINFO block layout")
        #expect(block.value("device_addr4.da_addr_body") == "010203")
    }

    /// The callback program, whatever number the client gave it in 0x40000000-0x5fffffff.
    static let callbackRounds: [(UInt32, String, Body, Body)] = [
        (3, "CB_GETATTR", { b in fh(b); bitmap([0x18], b) }, { b in b.u32(0); fattr(b) }),
        (4, "CB_RECALL", { b in stateid(1, b); b.bool(false); fh(b) }, ok),
        (5, "CB_LAYOUTRECALL", { b in b.u32(1).u32(3).bool(true).u32(1); fh(b); b.u64(0).u64(.max); stateid(2, b) }, ok),
        (6, "CB_NOTIFY", { b in stateid(1, b); fh(b); b.u32(1); bitmap([1 << 3], b); b.opaque([1, 2, 3, 4]) }, ok),
        (7, "CB_PUSH_DELEG", { b in fh(b); b.u32(0) }, ok),
        (8, "CB_RECALL_ANY", { b in b.u32(10); bitmap([1], b) }, ok),
        (9, "CB_RECALLABLE_OBJ_AVAIL", { b in b.u32(10); bitmap([1], b) }, ok),
        (10, "CB_RECALL_SLOT", { $0.u32(4) }, ok),
        (11, "CB_SEQUENCE", { b in sessionid(b); b.u32(1).u32(0).u32(0).bool(false).u32(1); sessionid(b); b.u32(1).u32(7).u32(3) },
         { b in b.u32(0); sessionid(b); b.u32(1).u32(0).u32(0).u32(0) }),
        (12, "CB_WANTS_CANCELLED", { $0.bool(true).bool(false) }, ok),
        (13, "CB_NOTIFY_LOCK", { b in fh(b); b.u64(1).opaque([1]) }, ok),
        (14, "CB_NOTIFY_DEVICEID", { $0.u32(0) }, ok),
        (15, "CB_OFFLOAD", { b in fh(b); stateid(3, b); b.u32(0); writeResponse(b) }, ok),
        (10044, "CB_ILLEGAL", { _ in }, { $0.u32(10044) }),
    ]

    @Test func everyCallbackOpDecodesWhole() {
        for program: UInt32 in [0x4000_0000, 0x4000_0123, 0x5fff_ffff] {
            #expect(RPCPrograms.name(program: program, version: 1) == "NFS_CB")
            #expect(RPCPrograms.procedureName(program: program, version: 1, procedure: 1) == "CB_COMPOUND")
            for (op, name, args, results) in Self.callbackRounds {
                let c = decode(program, 1, 1, reply: false, Self.call([(11, Self.callbackRounds[8].2), (op, args)], minor: 1, callback: true))
                Self.whole(c, "\(name) call")
                #expect(Self.ops(c, program: program, version: 1, reply: false) == [11, Int64(op)], "\(name)")
                #expect(XDRCompound.nfs4OpName(op, callback: true) == name)
                let r = decode(program, 1, 1, reply: true, Self.reply([(op, results)]))
                Self.whole(r, "\(name) reply")
            }
        }
        let recall = decode(0x4000_0001, 1, 1, reply: false, Self.call([(5, Self.callbackRounds[2].2)], callback: true))
        #expect(recall.value("layoutrecall4.lor_recalltype") == "LAYOUTRECALL4_FILE")
        #expect(recall.value("layoutrecall_file4.lor_length") == "18446744073709551615")
        #expect(recall.value("CB_COMPOUND4args.callback_ident") == "7")
    }

    /// NULL of both programs reads nothing.
    @Test func nullProcedures() {
        let n = decode(100_003, 4, 0, reply: false, XDRBytes())
        #expect(n.error == nil && n.layer == .nfs)
        #expect(RPCPrograms.procedureName(program: 0x4000_0000, version: 1, procedure: 0) == "CB_NULL")
        #expect(RPCPrograms.procedureName(program: 100_003, version: 4, procedure: 1) == "COMPOUND")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

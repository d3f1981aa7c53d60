import Decode
import Testing

/// An enum value its XDR definition lacks (RFC 4506 section 4.3: an error of the sender) is kept
/// as its number, flagged (`TapeEntry.isUndefined`) and counted (`Tape.undefinedValues`), and
/// decoding goes on: only what the value selects is given up — the arm of a union that has none
/// for it, and with it the rest of the message, which can no longer be placed.
@Suite struct XDRUndefinedEnumTests {
    static let fh = [UInt8](repeating: 0xfe, count: 32)

    /// The `parent.name` of every flagged entry, in tape order.
    static func undefined(_ d: Decoded) -> [String] {
        d.tape.entries.filter(\.isUndefined).map {
            let f = XDRCatalogue.field($0.field)
            return "\(f.parent).\(f.name)"
        }
    }

    @Test func aPlainEnumInAStructIsKeptAndTheFieldsAfterItDecode() {
        // GETATTR3res: NFS3_OK, fattr3 whose ftype3 is 0x42424242 (zeek's nfs_getattr_bad_ftype)
        let b = XDRBytes().u32(0)
        NFS3Tests.fattr3(b, type: 0x4242_4242, mode: 0o1777, size: 4096, fileid: 128)
        let d = decode(100_003, 3, 1, reply: true, b)
        #expect(d.error == nil && !d.tape.incomplete)
        #expect(d.offset == b.bytes.count)
        #expect(Self.undefined(d) == ["fattr3.type"])
        #expect(d.tape.undefinedValues == 1)
        #expect(d.value("fattr3.type") == "1111638594")
        #expect(d.value("fattr3.mode") == "1023")
        #expect(d.value("fattr3.size") == "4096")
        #expect(d.value("fattr3.fileid") == "128")
        #expect(d.value("nfstime3.nseconds") == "5")
    }

    @Test func stableHowOutsideItsEnumKeepsTheDataAfterIt() {
        let b = XDRBytes().opaque(Self.fh).u64(0).u32(5).u32(3).opaque(Array("hello".utf8))
        let d = decode(100_003, 3, 7, reply: false, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(Self.undefined(d) == ["WRITE3args.stable"])
        #expect(d.value("WRITE3args.stable") == "3")
        #expect(d.value("WRITE3args.data") == "68656c6c6f")
    }

    @Test func aDiscriminantOutsideItsEnumTakesTheDefaultArm() {
        // LOOKUP3res: default arm LOOKUP3resfail (post_op_attr, here absent)
        let d = decode(100_003, 3, 3, reply: true, XDRBytes().u32(12345).bool(false))
        #expect(d.error == nil && d.offset == 8)
        #expect(Self.undefined(d) == ["LOOKUP3res.status"])
        #expect(d.lines == ["LOOKUP3res.status=12345", "LOOKUP3res.resfail{", "LOOKUP3resfail.dir_attributes{",
                            "post_op_attr.attributes_follow=false", "}", "}"])
        // MOUNT v3 MNT: mountstat3 has no 3; the default arm is void
        let mnt = decode(100_005, 3, 1, reply: true, XDRBytes().u32(3))
        #expect(mnt.error == nil && mnt.offset == 4)
        #expect(Self.undefined(mnt) == ["mountres3.fhs_status"])
    }

    @Test func aDiscriminantWithNoArmEndsTheMessageThereKeepingTheValue() {
        // CREATE3args: createhow3 has arms for UNCHECKED, GUARDED and EXCLUSIVE (0-2) only, no
        // default: the arm of mode 7 cannot be placed, nor anything after it
        let b = XDRBytes().opaque(Self.fh).string("f").u32(7).u64(0x1122_3344_5566_7788)
        let d = decode(100_003, 3, 8, reply: false, b)
        #expect(d.error == DecodeError(.badValue, layer: .nfs, offset: 44))
        #expect(d.tape.incomplete)
        #expect(Self.undefined(d) == ["createhow3.mode"])
        #expect(d.lines.suffix(3) == ["CREATE3args.how{", "createhow3.mode=7", "}"])
        #expect(d.value("diropargs3.name") == "f")
    }

    @Test func aDefinedValueWithNoArmIsNotFlagged() {
        // nlm4_stats 10 is undefined; in nlm4_res it is a plain enum, so the reply is whole
        let nlm = decode(100_021, 4, 2, reply: true, XDRBytes().opaque([1, 2, 3, 4, 5]).u32(10))
        #expect(nlm.error == nil && nlm.offset == 16)
        #expect(Self.undefined(nlm) == ["nlm4_stat.stat"])
        // NSM STAT: sm_res 2 is undefined, the state after it is there
        let nsm = decode(100_024, 1, 1, reply: true, XDRBytes().u32(2).i32(7))
        #expect(nsm.error == nil && nsm.value("sm_stat_res.state") == "7")
        #expect(Self.undefined(nsm) == ["sm_stat_res.res_stat"])
        // NFSv2 REMOVE: the status alone
        let v2 = decode(100_003, 2, 10, reply: true, XDRBytes().u32(3))
        #expect(v2.error == nil && Self.undefined(v2) == ["NFSPROC_REMOVE.status"])
    }

    /// NFSv4 LAYOUTGET reply: two layouts, the first with an undefined iomode and an undefined
    /// layout type (the `@xdr` discriminant of its body: the body stays an opaque).
    static func layoutget(iomode: UInt32, type: UInt32) -> XDRBytes {
        NFS4BuiltTests.reply([(50, { b in
            b.u32(0).bool(false)
            NFS4BuiltTests.stateid(1, b)
            b.u32(2)
            b.u64(0).u64(4096).u32(iomode).u32(type).opaque([9, 9, 9, 9])
            b.u64(4096).u64(4096).u32(1).u32(0x77).opaque([8, 8])
        })])
    }

    @Test func aPlainEnumInAnArrayElementLetsTheArrayGoOn() {
        let d = decode(100_003, 4, 1, reply: true, Self.layoutget(iomode: 9, type: 0x66))
        #expect(d.error == nil && d.offset == d.bytes.count && !d.tape.incomplete)
        #expect(Self.undefined(d) == ["layout4.lo_iomode", "layout_content4.loc_type", "layout_content4.loc_type"])
        #expect(d.tape.undefinedValues == 3)
        #expect(d.value("LAYOUTGET4resok.logr_layout") == "#2")
        #expect(d.values("layout4.lo_offset") == ["0", "4096"])
        #expect(d.values("layout_content4.loc_body") == ["09090909", "0808"])
    }

    @Test func aUnionInAnArrayElementWithNoArmCutsTheArrayThere() {
        // COMPOUND call: PUTROOTFH, op 2 (nfs_opnum4 starts at 3; nfs_argop4 has no default), GETATTR
        let b = NFS4BuiltTests.call([(24, { _ in }), (2, { _ in }), (9, { NFS4BuiltTests.bitmap([0x12], $0) })])
        let d = decode(100_003, 4, 1, reply: false, b)
        #expect(d.error?.code == .badValue && d.tape.incomplete)
        #expect(Self.undefined(d) == ["nfs_argop4.argop"])
        #expect(d.value("COMPOUND4args.argarray") == "#2")
        #expect(NFS4BuiltTests.ops(d, reply: false) == [24, 2])
    }

    @Test func openEnumsAreNotFlagged() {
        // nfsstat4 is @open: a status a later RFC added is shown as a number, not flagged
        let d = decode(100_003, 4, 1, reply: true, NFS4BuiltTests.reply([(24, { $0.u32(99_999) })], status: 99_999))
        #expect(d.error == nil && Self.undefined(d).isEmpty && d.tape.undefinedValues == 0)
    }

    @Test func resetForgetsTheCount() {
        var tape = Tape()
        let b = XDRBytes().u32(12345).bool(false).bytes
        b.withUnsafeBytes { raw in
            for _ in 0..<2 {
                var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
                _ = try? RPCPrograms.decodeBody(program: 100_003, version: 3, procedure: 3, isReply: true,
                                                reader: &r, into: &tape)
                #expect(tape.undefinedValues == 1)
            }
        }
    }
}

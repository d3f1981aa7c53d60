import Decode
import Testing

/// NLM versions 1, 3 (X/Open XNFS) and 4 (RFC 1813 appendix II), and NSM (X/Open XNFS), on bytes
/// built from their specifications. No public capture holds NLM traffic (the corpus notes say so),
/// so these built messages are NLM's only test.
@Suite struct XDRLockStatusTests {
    let fh: [UInt8] = Array(hex: "01000601a2b3c4d5e6f708090a0b0c0d0e0f1011")

    /// nlm_lock (32-bit offsets, version 1 and 3) or nlm4_lock (64-bit).
    func lock(_ b: XDRBytes, wide: Bool, offset: UInt64, length: UInt64) {
        b.string("client7").opaque(fh).opaque([0x6f, 0x77, 0x6e]).i32(4242)
        if wide { b.u64(offset).u64(length) } else { b.u32(UInt32(offset)).u32(UInt32(length)) }
    }

    func lockArgs(wide: Bool) -> XDRBytes {
        let b = XDRBytes()
        b.opaque([0xc0, 0x0c]).bool(true).bool(true)
        lock(b, wide: wide, offset: wide ? 1 << 40 : 4096, length: 100)
        return b.bool(false).i32(3)
    }

    @Test func nlm4LockTakesA64BitRange() {
        for procedure: UInt32 in [2, 7, 22] {      // LOCK, LOCK_MSG, NM_LOCK
            let d = decode(100_021, 4, procedure, reply: false, lockArgs(wide: true))
            #expect(d.layer == .nlm)
            #expect(d.lines == [
                "nlm4_lockargs.cookie=c00c", "nlm4_lockargs.block=true", "nlm4_lockargs.exclusive=true",
                "nlm4_lockargs.alock{",
                "nlm4_lock.caller_name=client7",
                String(format: "nlm4_lock.fh=FH:0x%08x", fh.withUnsafeBytes { CRC32.checksum($0) }),
                "nlm4_lock.oh=6f776e", "nlm4_lock.svid=4242",
                "nlm4_lock.l_offset=1099511627776", "nlm4_lock.l_len=100",
                "}",
                "nlm4_lockargs.reclaim=false", "nlm4_lockargs.state=3",
            ], "procedure \(procedure)")
        }
    }

    @Test func nlmVersions1And3TakeA32BitRangeAndTheirOwnNames() {
        for version: UInt32 in [1, 3] {
            let d = decode(100_021, version, 2, reply: false, lockArgs(wide: false))
            #expect(d.values("nlm_lock.uppid") == ["4242"])
            #expect(d.values("nlm_lock.l_offset") == ["4096"])
            #expect(d.offset == lockArgs(wide: false).bytes.count)
        }
        // version 1 stops at 15; the share procedures are version 3's
        let v1 = decode(100_021, 1, 20, reply: false, [])
        #expect(v1.layer == nil && v1.error == nil)
        #expect(decode(100_021, 3, 20, reply: false, []).error?.code == .shortData)   // known, but no arguments
    }

    @Test func testCancelUnlockGrantedAndTheirMessages() {
        for version: UInt32 in [1, 3, 4] {
            let wide = version == 4
            let p = wide ? "nlm4_" : "nlm_"
            let test = XDRBytes().opaque([1]).bool(false)
            lock(test, wide: wide, offset: 0, length: 0)
            for procedure: UInt32 in [1, 5, 6, 10] {          // TEST, GRANTED, TEST_MSG, GRANTED_MSG
                let d = decode(100_021, version, procedure, reply: false, test)
                #expect(d.value("\(p)testargs.exclusive") == "false")
                #expect(d.value("\(p)lock.caller_name") == "client7")
            }
            let cancel = XDRBytes().opaque([2]).bool(true).bool(false)
            lock(cancel, wide: wide, offset: 10, length: 20)
            for procedure: UInt32 in [3, 8] {
                #expect(decode(100_021, version, procedure, reply: false, cancel).value("\(p)cancargs.block") == "true")
            }
            let unlock = XDRBytes().opaque([3])
            lock(unlock, wide: wide, offset: 10, length: 20)
            for procedure: UInt32 in [4, 9] {
                let d = decode(100_021, version, procedure, reply: false, unlock)
                #expect(d.value("\(p)lock.l_len") == "20")
                #expect(d.offset == unlock.bytes.count)
            }
        }
    }

    @Test func resultsAndTheResCallsThatCarryThem() {
        // nlm4_res: cookie, nlm4_stat { nlm4_stats stat }
        let res = XDRBytes().opaque([7]).u32(3)
        for (procedure, reply): (UInt32, Bool) in [(2, true), (3, true), (4, true), (5, true), (22, true),
                                                  (12, false), (13, false), (14, false), (15, false)] {
            #expect(decode(100_021, 4, procedure, reply: reply, res).lines
                == ["nlm4_res.cookie=07", "nlm4_res.stat{", "nlm4_stat.stat=NLM4_BLOCKED", "}"])
        }
        #expect(decode(100_021, 1, 2, reply: true, XDRBytes().opaque([7]).u32(4)).value("nlm_stat.stat")
            == "LCK_DENIED_GRACE_PERIOD")
        // the _MSG procedures are answered by _RES calls: their RPC replies carry nothing
        #expect(decode(100_021, 4, 7, reply: true, []).tape.isEmpty)
    }

    @Test func testReplyShowsTheHolderOnlyWhenDenied() {
        let denied = XDRBytes().opaque([1]).u32(1).bool(true).i32(99).opaque([0xee]).u64(0).u64(512)
        for (procedure, reply): (UInt32, Bool) in [(1, true), (11, false)] {
            #expect(decode(100_021, 4, procedure, reply: reply, denied).lines == [
                "nlm4_testres.cookie=01", "nlm4_testres.stat{", "nlm4_testrply.stat=NLM4_DENIED",
                "nlm4_testrply.holder{", "nlm4_holder.exclusive=true", "nlm4_holder.svid=99", "nlm4_holder.oh=ee",
                "nlm4_holder.l_offset=0", "nlm4_holder.l_len=512", "}", "}",
            ])
        }
        #expect(decode(100_021, 4, 1, reply: true, XDRBytes().opaque([1]).u32(0)).lines
            == ["nlm4_testres.cookie=01", "nlm4_testres.stat{", "nlm4_testrply.stat=NLM4_GRANTED", "}"])
        let v1 = decode(100_021, 1, 1, reply: true, XDRBytes().opaque([1]).u32(1).bool(false).i32(5).opaque([]).u32(0).u32(9))
        #expect(v1.value("nlm_testrply.stat") == "LCK_DENIED")
        #expect(v1.value("nlm_holder.uppid") == "5")
    }

    @Test func shareUnshareAndFreeAll() {
        for version: UInt32 in [3, 4] {
            let p = version == 4 ? "nlm4_" : "nlm_"
            let share = XDRBytes().opaque([5]).string("client7").opaque(fh).opaque([1]).u32(2).u32(3).bool(true)
            for procedure: UInt32 in [20, 21] {
                let d = decode(100_021, version, procedure, reply: false, share)
                #expect(d.value("\(p)share.mode") == "fsm_DW")
                #expect(d.value("\(p)share.access") == "fsa_RW")
                #expect(d.value("\(p)shareargs.reclaim") == "true")
                #expect(decode(100_021, version, procedure, reply: true, XDRBytes().opaque([5]).u32(0).i32(17)).lines
                    == ["\(p)shareres.cookie=05", "\(p)shareres.stat=\(version == 4 ? "NLM4_GRANTED" : "LCK_GRANTED")",
                        "\(p)shareres.sequence=17"])
            }
            #expect(decode(100_021, version, 23, reply: false, XDRBytes().string("client7").i32(6)).lines
                == ["\(p)notify.name=client7", "\(p)notify.state=6"])
        }
        #expect(RPCPrograms.procedureName(program: 100_021, version: 4, procedure: 23) == "FREE_ALL")
        #expect(RPCPrograms.procedureName(program: 100_021, version: 3, procedure: 22) == "NM_LOCK")
        #expect(RPCPrograms.procedureName(program: 100_021, version: 1, procedure: 13) == "CANCEL_RES")
        #expect(RPCPrograms.procedureName(program: 100_021, version: 1, procedure: 20) == nil)
    }

    // MARK: NSM

    @Test func nsmEveryProcedure() {
        #expect(decode(100_024, 1, 1, reply: false, XDRBytes().string("server1")).lines == ["sm_name.mon_name=server1"])
        #expect(decode(100_024, 1, 1, reply: true, XDRBytes().u32(1).i32(0)).lines
            == ["sm_stat_res.res_stat=STAT_FAIL", "sm_stat_res.state=0"])
        let monID = XDRBytes().string("server1").string("client7").i32(100_021).i32(4).i32(16)
        let mon = XDRBytes()
        mon.bytes = monID.bytes
        mon.fixed(Array(0..<16))
        #expect(decode(100_024, 1, 2, reply: false, mon).lines == [
            "mon.mon_id{", "mon_id.mon_name=server1", "mon_id.my_id{", "my_id.my_name=client7",
            "my_id.my_prog=100021", "my_id.my_vers=4", "my_id.my_proc=16", "}", "}",
            "mon.priv=000102030405060708090a0b0c0d0e0f",
        ])
        #expect(decode(100_024, 1, 2, reply: true, XDRBytes().u32(0).i32(7)).value("sm_stat_res.res_stat") == "STAT_SUCC")
        #expect(decode(100_024, 1, 3, reply: false, monID).values("mon_id.mon_name") == ["server1"])
        #expect(decode(100_024, 1, 3, reply: true, XDRBytes().i32(9)).lines == ["sm_stat.state=9"])
        let myID = XDRBytes().string("client7").i32(100_021).i32(4).i32(16)
        #expect(decode(100_024, 1, 4, reply: false, myID).values("my_id.my_name") == ["client7"])
        #expect(decode(100_024, 1, 4, reply: true, XDRBytes().i32(9)).lines == ["sm_stat.state=9"])
        #expect(decode(100_024, 1, 5, reply: false, []).layer == .nsm)
        #expect(decode(100_024, 1, 6, reply: false, XDRBytes().string("server1").i32(11)).lines
            == ["stat_chge.mon_name=server1", "stat_chge.state=11"])
        #expect(decode(100_024, 1, 6, reply: true, []).tape.isEmpty)
        #expect(decode(100_024, 1, 7, reply: false, []).layer == nil)
        #expect(RPCPrograms.name(program: 100_024, version: 1) == "NSM")
        #expect(RPCPrograms.procedureName(program: 100_024, version: 1, procedure: 5) == "SIMU_CRASH")
    }
}

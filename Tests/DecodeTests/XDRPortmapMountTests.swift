import Decode
import Testing

/// PORTMAP v2, RPCBIND v3/v4 and MOUNT v1/v3 on bytes built from their RFCs: every procedure's
/// arguments and results land on the tape under their XDR names.
@Suite struct XDRPortmapMountTests {
    // MARK: PORTMAP version 2 (RFC 1833 section 3)

    func mapping(_ prog: UInt32, _ vers: UInt32, _ prot: UInt32, _ port: UInt32) -> XDRBytes {
        let b = XDRBytes()
        b.u32(prog).u32(vers).u32(prot).u32(port)
        return b
    }

    @Test func portmapSetUnsetGetportTakeAMapping() {
        for procedure: UInt32 in [1, 2, 3] {
            let d = decode(100_000, 2, procedure, reply: false, mapping(100_005, 3, 6, 20048))
            #expect(d.layer == .portmap)
            #expect(d.lines == ["mapping.prog=100005", "mapping.vers=3", "mapping.prot=TCP", "mapping.port=20048"])
            #expect(d.offset == 16)
        }
        let yes = XDRBytes()
        yes.bool(true)
        #expect(decode(100_000, 2, 1, reply: true, yes).lines == ["PMAPPROC_SET.result=true"])
        #expect(decode(100_000, 2, 2, reply: true, XDRBytes().bool(false)).lines == ["PMAPPROC_UNSET.result=false"])
        #expect(decode(100_000, 2, 3, reply: true, XDRBytes().u32(2049)).lines == ["PMAPPROC_GETPORT.port=2049"])
    }

    @Test func portmapNullHasNoBodyEitherWay() {
        for reply in [false, true] {
            let d = decode(100_000, 2, 0, reply: reply, [])
            #expect(d.layer == .portmap)
            #expect(d.tape.isEmpty)
        }
    }

    @Test func portmapDumpIsALinkedListDecodedAsOneArray() {
        let b = XDRBytes()
        b.bool(true)
        b.bytes += mapping(100_000, 2, 17, 111).bytes
        b.bool(true)
        b.bytes += mapping(100_003, 3, 6, 2049).bytes
        b.bool(false)
        let d = decode(100_000, 2, 4, reply: true, b)
        #expect(d.lines == [
            "PMAPPROC_DUMP.maplist[2",
            "PMAPPROC_DUMP.maplist{", "pmaplist.map{",
            "mapping.prog=100000", "mapping.vers=2", "mapping.prot=UDP", "mapping.port=111", "}", "}",
            "PMAPPROC_DUMP.maplist{", "pmaplist.map{",
            "mapping.prog=100003", "mapping.vers=3", "mapping.prot=TCP", "mapping.port=2049", "}", "}",
            "]",
        ])
        #expect(d.offset == b.bytes.count)
        #expect(decode(100_000, 2, 4, reply: true, XDRBytes().bool(false)).lines == ["PMAPPROC_DUMP.maplist[0", "]"])
        #expect(decode(100_000, 2, 4, reply: false, []).tape.isEmpty)
    }

    @Test func portmapCallitForwardsOpaqueArguments() {
        let call = XDRBytes()
        call.u32(100_024).u32(1).u32(1).opaque([1, 2, 3, 4, 5])
        #expect(decode(100_000, 2, 5, reply: false, call).lines
            == ["call_args.prog=100024", "call_args.vers=1", "call_args.proc=1", "call_args.args=0102030405"])
        let res = XDRBytes()
        res.u32(1011).opaque([0xaa])
        #expect(decode(100_000, 2, 5, reply: true, res).lines == ["call_result.port=1011", "call_result.res=aa"])
    }

    // MARK: RPCBIND versions 3 and 4 (RFC 1833 section 2)

    func rpcb(_ prog: UInt32, _ vers: UInt32, _ netid: String, _ addr: String, _ owner: String) -> XDRBytes {
        let b = XDRBytes()
        b.u32(prog).u32(vers).string(netid).string(addr).string(owner)
        return b
    }

    @Test func rpcbindSetUnsetGetaddrTakeAnRpcb() {
        let expected = ["rpcb.r_prog=100003", "rpcb.r_vers=3", "rpcb.r_netid=tcp6", "rpcb.r_addr=fd77::1.8.1",
                        "rpcb.r_owner=superuser"]
        for (version, procedure): (UInt32, UInt32) in [(3, 1), (3, 2), (3, 3), (4, 1), (4, 2), (4, 3), (4, 9), (4, 11)] {
            let d = decode(100_000, version, procedure, reply: false, rpcb(100_003, 3, "tcp6", "fd77::1.8.1", "superuser"))
            #expect(d.layer == .portmap)
            #expect(d.lines == expected, "v\(version) proc \(procedure)")
        }
        #expect(decode(100_000, 4, 1, reply: true, XDRBytes().bool(true)).lines == ["RPCBPROC_SET.result=true"])
        #expect(decode(100_000, 3, 3, reply: true, XDRBytes().string("10.77.0.1.8.1")).lines
            == ["RPCBPROC_GETADDR.r_addr=10.77.0.1.8.1"])
        #expect(decode(100_000, 4, 9, reply: true, XDRBytes().string("")).lines == ["RPCBPROC_GETVERSADDR.r_addr="])
    }

    @Test func rpcbindDumpGetaddrlistAndGetstat() {
        let dump = XDRBytes()
        dump.bool(true)
        dump.bytes += rpcb(100_000, 4, "udp", "0.0.0.0.0.111", "superuser").bytes
        dump.bool(false)
        #expect(decode(100_000, 3, 4, reply: true, dump).lines == [
            "RPCBPROC_DUMP.rpcblist[1", "RPCBPROC_DUMP.rpcblist{", "rp__list.rpcb_map{",
            "rpcb.r_prog=100000", "rpcb.r_vers=4", "rpcb.r_netid=udp", "rpcb.r_addr=0.0.0.0.0.111",
            "rpcb.r_owner=superuser", "}", "}", "]",
        ])

        let list = XDRBytes()
        list.bool(true).string("10.77.0.1.8.1").string("tcp").u32(3).string("inet").string("tcp").bool(false)
        #expect(decode(100_000, 4, 11, reply: true, list).lines == [
            "RPCBPROC_GETADDRLIST.entries[1", "RPCBPROC_GETADDRLIST.entries{", "rpcb_entry_list.rpcb_entry_map{",
            "rpcb_entry.r_maddr=10.77.0.1.8.1", "rpcb_entry.r_nc_netid=tcp", "rpcb_entry.r_nc_semantics=NC_TPI_COTS_ORD",
            "rpcb_entry.r_nc_protofmly=inet", "rpcb_entry.r_nc_proto=tcp", "}", "}", "]",
        ])

        // GETSTAT: rpcb_stat[3]; the first with one address entry and one forwarded-call entry
        let stat = XDRBytes()
        for version in 0..<3 {
            for k in 0..<13 { stat.i32(Int32(version * 100 + k)) }
            stat.i32(7).i32(8)
            if version == 0 {
                stat.bool(true).u32(100_005).u32(3).i32(1).i32(0).string("tcp").bool(false)
                stat.bool(true).u32(100_024).u32(1).u32(2).i32(4).i32(5).i32(1).string("udp").bool(false)
            } else {
                stat.bool(false).bool(false)
            }
        }
        let d = decode(100_000, 4, 12, reply: true, stat)
        #expect(d.error == nil)
        #expect(d.offset == stat.bytes.count)
        #expect(d.values("RPCBPROC_GETSTAT.stats") == ["#3", "", "", ""])
        #expect(d.values("rpcb_stat.info").count == 3 * 14)    // three arrays: count, then 13 values
        #expect(d.values("rpcb_stat.info")[1...13] == ArraySlice((0..<13).map(String.init)))
        #expect(d.values("rpcb_stat.setinfo") == ["7", "7", "7"])
        #expect(d.values("rpcbs_addrlist.netid") == ["tcp"])
        #expect(d.values("rpcbs_rmtcalllist.indirect") == ["1"])
        #expect(d.values("rpcb_stat.rmtinfo") == ["#1", "", "#0", "#0"])
    }

    @Test func rpcbindForwardedCallsTimeAndAddressTranslation() {
        let args = XDRBytes()
        args.u32(100_003).u32(3).u32(0).opaque([])
        for (version, procedure): (UInt32, UInt32) in [(3, 5), (4, 5), (4, 10)] {
            #expect(decode(100_000, version, procedure, reply: false, args).lines == [
                "rpcb_rmtcallargs.prog=100003", "rpcb_rmtcallargs.vers=3", "rpcb_rmtcallargs.proc=0",
                "rpcb_rmtcallargs.args=",
            ])
            let res = XDRBytes()
            res.string("10.77.0.1.8.1").opaque([9])
            #expect(decode(100_000, version, procedure, reply: true, res).lines
                == ["rpcb_rmtcallres.addr=10.77.0.1.8.1", "rpcb_rmtcallres.results=09"])
        }
        #expect(decode(100_000, 4, 6, reply: true, XDRBytes().u32(1_764_000_000)).lines
            == ["RPCBPROC_GETTIME.time=1764000000"])
        #expect(decode(100_000, 3, 7, reply: false, XDRBytes().string("10.0.0.1.0.111")).lines
            == ["RPCBPROC_UADDR2TADDR.uaddr=10.0.0.1.0.111"])
        let netbuf = XDRBytes()
        netbuf.u32(16).opaque([0, 2, 0, 111, 10, 0, 0, 1])
        #expect(decode(100_000, 3, 7, reply: true, netbuf).lines == ["netbuf.maxlen=16", "netbuf.buf=0002006f0a000001"])
        #expect(decode(100_000, 4, 8, reply: false, netbuf).lines == ["netbuf.maxlen=16", "netbuf.buf=0002006f0a000001"])
        #expect(decode(100_000, 4, 8, reply: true, XDRBytes().string("10.0.0.1.0.111")).lines
            == ["RPCBPROC_TADDR2UADDR.uaddr=10.0.0.1.0.111"])
    }

    @Test func rpcbindVersion3LacksTheVersion4Procedures() {
        for procedure: UInt32 in [9, 10, 11, 12, 13] {
            let d = decode(100_000, 3, procedure, reply: false, rpcb(1, 1, "tcp", "", ""))
            #expect(d.layer == nil && d.error == nil && d.offset == 0 && d.tape.isEmpty)
        }
        #expect(decode(100_000, 4, 13, reply: false, []).layer == nil)
        #expect(decode(100_000, 5, 0, reply: false, []).layer == nil)
    }

    // MARK: MOUNT version 1 (RFC 1094 appendix A) and version 3 (RFC 1813 appendix I)

    @Test func mountMntAndUmntTakeADirpath() {
        for (version, procedure, parent): (UInt32, UInt32, String) in
            [(1, 1, "MOUNTPROC_MNT"), (1, 3, "MOUNTPROC_UMNT"), (3, 1, "MOUNTPROC3_MNT"), (3, 3, "MOUNTPROC3_UMNT")] {
            let d = decode(100_005, version, procedure, reply: false, XDRBytes().string("/export"))
            #expect(d.layer == .mount)
            #expect(d.lines == ["\(parent).dirpath=/export"])
        }
        #expect(decode(100_005, 3, 3, reply: true, []).tape.isEmpty)
        #expect(decode(100_005, 3, 4, reply: false, []).layer == .mount)
    }

    @Test func mountV3MntReplyCarriesTheRootFileHandleOnlyWhenOK() {
        let fh: [UInt8] = Array(hex: "430000011244be1803a5a2a7da2d015180f700fde6daaf00")
        let ok = XDRBytes()
        ok.u32(0).opaque(fh).u32(2).i32(1).i32(390_004)
        #expect(decode(100_005, 3, 1, reply: true, ok).lines == [
            "mountres3.fhs_status=MNT3_OK", "mountres3.mountinfo{",
            // the CRC32 tshark shows as nfs.fh.hash for this handle (lab capture, frame 215)
            "mountres3_ok.fhandle=FH:0x8dfb25e1",
            "mountres3_ok.auth_flavors[2", "mountres3_ok.auth_flavors=AUTH_UNIX", "mountres3_ok.auth_flavors=AUTH_GSS_KRB5I", "]",
            "}",
        ])
        #expect(decode(100_005, 3, 1, reply: true, XDRBytes().u32(13)).lines == ["mountres3.fhs_status=MNT3ERR_ACCES"])
    }

    @Test func mountV1MntReplyIsAFixedSizeHandleOrAnErrno() {
        let ok = XDRBytes()
        ok.u32(0).fixed([UInt8](repeating: 0xab, count: 32))
        let d = decode(100_005, 1, 1, reply: true, ok)
        #expect(d.lines.count == 2)
        #expect(d.lines.first == "fhstatus.status=0")
        #expect(d.offset == 36)
        #expect(decode(100_005, 1, 1, reply: true, XDRBytes().u32(2)).lines == ["fhstatus.status=2"])
    }

    @Test func mountDumpAndExportAreListsOfLists() {
        let dump = XDRBytes()
        dump.bool(true).string("client1").string("/export").bool(true).string("client2").string("/ro").bool(false)
        #expect(decode(100_005, 3, 2, reply: true, dump).lines == [
            "MOUNTPROC3_DUMP.mountlist[2",
            "MOUNTPROC3_DUMP.mountlist{", "mountbody.ml_hostname=client1", "mountbody.ml_directory=/export", "}",
            "MOUNTPROC3_DUMP.mountlist{", "mountbody.ml_hostname=client2", "mountbody.ml_directory=/ro", "}",
            "]",
        ])
        #expect(decode(100_005, 1, 2, reply: true, dump).values("mountlist.hostname") == ["client1", "client2"])

        let exports = XDRBytes()
        exports.bool(true).string("/export").bool(true).string("10.0.0.0/8").bool(true).string("@trusted").bool(false)
        exports.bool(true).string("/ro").bool(false).bool(false)
        #expect(decode(100_005, 3, 5, reply: true, exports).lines == [
            "MOUNTPROC3_EXPORT.exports[2",
            "MOUNTPROC3_EXPORT.exports{", "exportnode.ex_dir=/export",
            "exportnode.ex_groups[2",
            "exportnode.ex_groups{", "groupnode.gr_name=10.0.0.0/8", "}",
            "exportnode.ex_groups{", "groupnode.gr_name=@trusted", "}",
            "]", "}",
            "MOUNTPROC3_EXPORT.exports{", "exportnode.ex_dir=/ro", "exportnode.ex_groups[0", "]", "}",
            "]",
        ])
        let v1 = decode(100_005, 1, 5, reply: true, exports)
        #expect(v1.values("exportlist.filesys") == ["/export", "/ro"])
        #expect(v1.values("groups.grname") == ["10.0.0.0/8", "@trusted"])
    }

    @Test func procedureAndProgramNames() {
        #expect(RPCPrograms.name(program: 100_000, version: 2) == "PORTMAP")
        #expect(RPCPrograms.name(program: 100_000, version: 3) == "RPCBIND")
        #expect(RPCPrograms.name(program: 100_000, version: 4) == "RPCBIND")
        #expect(RPCPrograms.name(program: 100_005, version: 1) == "MOUNT")
        #expect(RPCPrograms.name(program: 100_005, version: 2) == "MOUNT")   // a version no .x defines
        #expect(RPCPrograms.name(program: 100_003, version: 3) == "NFS")
        #expect(RPCPrograms.name(program: 0x4000_0001, version: 1) == "NFS_CB")
        #expect(RPCPrograms.name(program: 123_456, version: 1) == nil)
        #expect(RPCPrograms.procedureName(program: 100_000, version: 2, procedure: 3) == "GETPORT")
        #expect(RPCPrograms.procedureName(program: 100_000, version: 4, procedure: 5) == "BCAST")
        #expect(RPCPrograms.procedureName(program: 100_000, version: 3, procedure: 5) == "CALLIT")
        #expect(RPCPrograms.procedureName(program: 100_000, version: 4, procedure: 12) == "GETSTAT")
        #expect(RPCPrograms.procedureName(program: 100_005, version: 3, procedure: 1) == "MNT")
        #expect(RPCPrograms.procedureName(program: 100_005, version: 1, procedure: 5) == "EXPORT")
        #expect(RPCPrograms.procedureName(program: 100_005, version: 3, procedure: 6) == nil)
    }
}

import Decode
import Testing

/// NFSv2 bodies (xdr/nfs2.x, RFC 1094) and NFS_ACL v2 (xdr/nfsacl.x) built item by item.
@Suite struct NFS2Tests {
    static let fh: [UInt8] = Array(repeating: 7, count: 32)

    static func fattr(_ b: XDRBytes, type: UInt32 = 1, size: UInt32 = 11, fileid: UInt32 = 45661) {
        b.u32(type).u32(0o100644).u32(1).u32(0).u32(1).u32(size).u32(8192).u32(0).u32(2).u32(0x101085).u32(fileid)
        for _ in 0..<3 { b.u32(944_207_338).u32(0) }
    }

    @Test func procedureNamesComeFromTheXDR() {
        let v2 = (0...17).map { RPCPrograms.procedureName(program: 100_003, version: 2, procedure: $0) ?? "?" }
        #expect(v2 == ["NULL", "GETATTR", "SETATTR", "ROOT", "LOOKUP", "READLINK", "READ", "WRITECACHE", "WRITE",
                       "CREATE", "REMOVE", "RENAME", "LINK", "SYMLINK", "MKDIR", "RMDIR", "READDIR", "STATFS"])
        #expect(RPCPrograms.name(program: 100_003, version: 2) == "NFS")
    }

    @Test func getattrCallIsAFixedHandle() {
        let b = XDRBytes().fixed(Self.fh)
        let d = decode(100_003, 2, 1, reply: false, b)
        #expect(d.error == nil && d.offset == 32)
        #expect(d.layer == .nfs)
        #expect(d.value("NFSPROC_GETATTR.file")?.hasPrefix("FH:0x") == true)
        // a short handle is an error
        #expect(decode(100_003, 2, 1, reply: false, XDRBytes().fixed(Array(Self.fh[0..<16]))).error?.code == .shortData)
    }

    @Test func getattrReply() {
        let b = XDRBytes().u32(0)
        Self.fattr(b, type: 2, size: 96, fileid: 45658)
        let d = decode(100_003, 2, 1, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("attrstat.status") == "NFS_OK")
        #expect(d.value("fattr.type") == "NFDIR")
        #expect(d.value("fattr.size") == "96")
        #expect(d.value("fattr.fileid") == "45658")
    }

    @Test func errorReplyIsTheStatusAlone() {
        let b = XDRBytes().u32(2)
        let d = decode(100_003, 2, 4, reply: true, b)
        #expect(d.error == nil && d.offset == 4)
        #expect(d.value("diropres.status") == "NFSERR_NOENT")
        #expect(d.values("diropokres.file").isEmpty)
        #expect(decode(100_003, 2, 10, reply: true, XDRBytes().u32(66)).value("NFSPROC_REMOVE.status") == "NFSERR_NOTEMPTY")
    }

    @Test func writeCall() {
        let b = XDRBytes().fixed(Self.fh).u32(0).u32(4096).u32(6).opaque(Array("hello\n".utf8))
        let d = decode(100_003, 2, 8, reply: false, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("writeargs.offset") == "4096")
        #expect(d.value("writeargs.data") == "68656c6c6f0a")
    }

    @Test func readdirReplyEntries() {
        let b = XDRBytes().u32(0)
        for (i, name) in [".", "..", "b"].enumerated() {
            b.bool(true).u32(UInt32(45658 + i)).string(name).fixed([0, 0, 0, UInt8(i + 1)])
        }
        b.bool(false).bool(true)
        let d = decode(100_003, 2, 16, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.values("entry.name") == [".", "..", "b"])
        #expect(d.value("readdirok.entries") == "#3")
        #expect(d.value("readdirok.eof") == "true")
    }

    @Test func voidProceduresReadNothing() {
        for procedure: UInt32 in [0, 3, 7] {
            let d = decode(100_003, 2, procedure, reply: false, [])
            #expect(d.error == nil && d.layer == .nfs, "\(procedure)")
        }
    }

    @Test func aclV2GetaclReply() {
        let b = XDRBytes().u32(0)
        Self.fattr(b)
        b.u32(0xf).i32(1).u32(1).u32(1).u32(0).u32(7).i32(1).u32(1).u32(0x1001).u32(0).u32(7)
        let d = decode(100_227, 2, 1, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("GETACL2res.status") == "NFS_OK")
        #expect(d.values("aclent.type") == ["1", "4097"])
    }

    @Test func aclV2AccessAndGetxattrdir() {
        let access = decode(100_227, 2, 4, reply: false, XDRBytes().fixed(Self.fh).u32(0x3f))
        #expect(access.error == nil && access.offset == 36)
        let xattr = decode(100_227, 2, 5, reply: false, XDRBytes().fixed(Self.fh).bool(true))
        #expect(xattr.error == nil && xattr.value("GETXATTRDIR2args.create") == "true")
    }
}

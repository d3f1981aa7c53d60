import Decode
import Testing

/// NFSv3 bodies (xdr/nfs3.x, RFC 1813) and NFS_ACL v3 (xdr/nfsacl.x) built item by item.
@Suite struct NFS3Tests {
    static let fh: [UInt8] = Array(1...28)

    static func fattr3(_ b: XDRBytes, type: UInt32 = 1, mode: UInt32 = 0o644, size: UInt64 = 70000,
                       fileid: UInt64 = 42) {
        b.u32(type).u32(mode).u32(1).u32(1000).u32(100).u64(size).u64(size).u32(0).u32(0).u64(7).u64(fileid)
        for _ in 0..<3 { b.u32(1_700_000_000).u32(5) }
    }

    @Test func procedureNamesComeFromTheXDR() {
        let v3 = (0...21).map { RPCPrograms.procedureName(program: 100_003, version: 3, procedure: $0) ?? "?" }
        #expect(v3 == ["NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE", "CREATE",
                       "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK", "READDIR", "READDIRPLUS",
                       "FSSTAT", "FSINFO", "PATHCONF", "COMMIT"])
        #expect(RPCPrograms.procedureName(program: 100_003, version: 3, procedure: 22) == nil)
        #expect(RPCPrograms.name(program: 100_003, version: 3) == "NFS")
        #expect(RPCPrograms.name(program: 100_227, version: 3) == "NFS_ACL")
        let acl2 = (0...5).map { RPCPrograms.procedureName(program: 100_227, version: 2, procedure: $0) ?? "?" }
        #expect(acl2 == ["NULL", "GETACL", "SETACL", "GETATTR", "ACCESS", "GETXATTRDIR"])
        #expect(RPCPrograms.procedureName(program: 100_227, version: 3, procedure: 3) == nil)
        // NFSv4 keeps its hand table until nfs4.x exists
        #expect(RPCPrograms.procedureName(program: 100_003, version: 4, procedure: 1) == "COMPOUND")
    }

    @Test func writeCall() {
        let b = XDRBytes().opaque(Self.fh).u64(8192).u32(5).u32(2).opaque(Array("hello".utf8))
        let d = decode(100_003, 3, 7, reply: false, b)
        #expect(d.error == nil)
        #expect(d.layer == .nfs)
        #expect(d.offset == b.bytes.count)
        #expect(d.value("WRITE3args.offset") == "8192")
        #expect(d.value("WRITE3args.count") == "5")
        #expect(d.value("WRITE3args.stable") == "FILE_SYNC")
        #expect(d.value("WRITE3args.data") == "68656c6c6f")
        #expect(d.value("WRITE3args.file")?.hasPrefix("FH:0x") == true)
    }

    @Test func getattrReply() {
        let b = XDRBytes().u32(0)
        Self.fattr3(b, type: 2, mode: 0o755, size: 4096, fileid: 16237964)
        let d = decode(100_003, 3, 1, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("GETATTR3res.status") == "NFS3_OK")
        #expect(d.value("fattr3.type") == "NF3DIR")
        #expect(d.value("fattr3.mode") == "493")
        #expect(d.value("fattr3.fileid") == "16237964")
        #expect(d.value("nfstime3.nseconds") == "5")
    }

    @Test func lookupFailureCarriesOnlyTheDirectoryAttributes() {
        let b = XDRBytes().u32(2).bool(true)
        Self.fattr3(b, type: 2)
        let d = decode(100_003, 3, 3, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("LOOKUP3res.status") == "NFS3ERR_NOENT")
        #expect(d.values("LOOKUP3resok.object").isEmpty)
        #expect(d.value("fattr3.type") == "NF3DIR")
    }

    @Test func readdirplusEntriesAreOneArray() {
        let b = XDRBytes().u32(0).bool(false).fixed([0, 0, 0, 0, 0, 0, 0, 9])
        for (i, name) in ["a", "bb"].enumerated() {
            b.bool(true).u64(UInt64(100 + i)).string(name).u64(UInt64(i + 1))
            b.bool(true)
            Self.fattr3(b, fileid: UInt64(100 + i))
            b.bool(true).opaque(Self.fh)
        }
        b.bool(false).bool(true)
        let d = decode(100_003, 3, 17, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.values("entryplus3.name") == ["a", "bb"])
        #expect(d.values("entryplus3.cookie") == ["1", "2"])
        #expect(d.value("dirlistplus3.entries") == "#2")
        #expect(d.value("dirlistplus3.eof") == "true")
    }

    @Test func createExclusiveCarriesTheVerifier() {
        let b = XDRBytes().opaque(Self.fh).string("x.txt").u32(2).fixed([1, 2, 3, 4, 5, 6, 7, 8])
        let d = decode(100_003, 3, 8, reply: false, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("createhow3.mode") == "EXCLUSIVE")
        #expect(d.value("createhow3.verf") == "0102030405060708")
    }

    @Test func setattrSetsOnlyWhatItSays() {
        // mode set, uid gid size not, atime to server time, mtime to client time; no guard
        let b = XDRBytes().opaque(Self.fh).bool(true).u32(0o600).bool(false).bool(false).bool(false)
            .u32(1).u32(2).u32(1_700_000_000).u32(0).bool(false)
        let d = decode(100_003, 3, 2, reply: false, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("set_mode3.mode") == "384")
        #expect(d.values("set_uid3.uid").isEmpty)
        #expect(d.value("set_atime.set_it") == "SET_TO_SERVER_TIME")
        #expect(d.value("set_mtime.set_it") == "SET_TO_CLIENT_TIME")
    }

    @Test func truncatedReadArgumentsAreAnError() {
        let b = XDRBytes().opaque(Self.fh).u64(0)
        let d = decode(100_003, 3, 6, reply: false, b)
        #expect(d.error?.code == .shortData)
        #expect(d.tape.incomplete)
    }

    @Test func aclV3GetaclReply() {
        // status OK, no attributes, mask 3, 2 entries, no default entries
        let b = XDRBytes().u32(0).bool(false).u32(3).i32(2).u32(2)
            .u32(1).u32(1000).u32(6).u32(0x20).u32(0).u32(4).i32(0).u32(0)
        let d = decode(100_227, 3, 1, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.layer == .nfs)
        #expect(d.value("secattr.mask") == "3")
        #expect(d.values("aclent.id") == ["1000", "0"])
        #expect(d.values("aclent.perm") == ["6", "4"])
        #expect(d.value("secattr.dfaclent") == "#0")
    }

    @Test func aclV3SetaclReplyKeepsAttributesOnError() {
        let b = XDRBytes().u32(13).bool(false)
        let d = decode(100_227, 3, 2, reply: true, b)
        #expect(d.error == nil && d.offset == b.bytes.count)
        #expect(d.value("SETACL3res.status") == "NFS3ERR_ACCES")
    }
}

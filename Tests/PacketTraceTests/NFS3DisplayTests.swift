import Decode
import Foundation
import PacketTrace
import Testing

/// The one-line summaries of NFSv2, NFSv3 and NFS_ACL messages (the @call / @reply formats of
/// xdr/nfs2.x, nfs3.x, nfsacl.x) on real captures — NFStest 3.2's for NFSv3 — and their JSON
/// members.
@Suite struct NFS3DisplayTests {
    /// pktt's line for the message of packet `index` (the number `pktt show` starts the line
    /// with), from the procedure name on.
    static func line(_ capture: String, frame index: Int, reply: Bool) throws -> String {
        let m = try #require(try NFSCaptures.messages(capture).first { $0.index == index && $0.reply == reply })
        let r = try #require(m.line.range(of: "xid:0x"))
        // "xid:0x0d5f36ca GETATTR    NF3DIR …" -> "GETATTR NF3DIR …"
        return m.line[r.upperBound...].split(separator: " ").dropFirst().joined(separator: " ")
    }

    @Test func nfs3Lines() throws {
        let lab = "nfs3/lab-nfsv3-procedures.pcap"
        #expect(try Self.line(lab, frame: 9, reply: false) == "GETATTR FH:0x8dfb25e1")
                #expect(try Self.line(lab, frame: 10, reply: true)
                == "GETATTR NF3DIR mode:0755 nlink:5 uid:0 gid:0 size:4096 fileid:16220241")
        #expect(try Self.line(lab, frame: 15, reply: false) == "LOOKUP DH:0x8dfb25e1/notempty")
        #expect(try Self.line(lab, frame: 16, reply: true) == "LOOKUP FH:0xc3eb3a3a")
        #expect(try Self.line(lab, frame: 69, reply: false) == "READ FH:0x20a0dbf2 off:0 len:23")
        #expect(try Self.line(lab, frame: 70, reply: true) == "READ eof:TRUE count:23")
        #expect(try Self.line(lab, frame: 200, reply: false) == "WRITE FH:0x720ca47c off:0 len:11 UNSTABLE")
        #expect(try Self.line(lab, frame: 203, reply: true) == "WRITE count:6 verf:0x2c55086b00000000 FILE_SYNC")
        #expect(try Self.line(lab, frame: 198, reply: false) == "CREATE DH:0x1c6b008a/a.txt UNCHECKED")
        #expect(try Self.line(lab, frame: 214, reply: false) == "CREATE DH:0x1c6b008a/x.txt EXCLUSIVE")
        #expect(try Self.line(lab, frame: 215, reply: true) == "CREATE FH:0xb9f8aec9")
        #expect(try Self.line(lab, frame: 216, reply: false) == "SYMLINK DH:0x1c6b008a/ln -> a.txt")
        #expect(try Self.line(lab, frame: 221, reply: true) == "READLINK a.txt")
        #expect(try Self.line(lab, frame: 222, reply: false) == "LINK DH:0x1c6b008a/hard -> FH:0x720ca47c")
        #expect(try Self.line(lab, frame: 224, reply: false) == "MKNOD NF3FIFO DH:0x1c6b008a/fifo")
        #expect(try Self.line(lab, frame: 226, reply: false) == "RENAME DH:0x1c6b008a/g.txt -> DH:0x1c6b008a/g2.txt")
        #expect(try Self.line(lab, frame: 228, reply: false) == "READDIR DH:0x1c6b008a cookie:0 verf:0x3000000000000000 count:4096")
        #expect(try Self.line(lab, frame: 229, reply: true) == "READDIR verf:0x0000000000000000 eof:TRUE")
        #expect(try Self.line(lab, frame: 231, reply: true) == "READDIRPLUS verf:0x0000000000000000 eof:TRUE")
        #expect(try Self.line(lab, frame: 194, reply: false) == "ACCESS FH:0x8dfb25e1 acc:0x3f")
        #expect(try Self.line(lab, frame: 206, reply: false) == "COMMIT FH:0x720ca47c off:0 len:0")
        #expect(try Self.line(lab, frame: 207, reply: true) == "COMMIT verf:0x2c55086b00000000")
    }

    @Test func nfs3ErrorsShowTheStatusOnly() throws {
        let errors = "nfs3/lab-nfs-errors.pcap"
        #expect(try Self.line(errors, frame: 310, reply: true) == "LOOKUP NFS3ERR_NOENT")
        #expect(try Self.line(errors, frame: 316, reply: true) == "REMOVE NFS3ERR_NOENT")
        #expect(try Self.line(errors, frame: 324, reply: true) == "RMDIR NFS3ERR_ACCES")
        #expect(try Self.line(errors, frame: 328, reply: true) == "RMDIR NFS3ERR_NOTDIR")
        #expect(try Self.line(errors, frame: 221, reply: true) == "CREATE NFS3ERR_ROFS")
    }

    @Test func nfs2Lines() throws {
        let v2 = "nfs3/nfsv2-udp.pcap"
        #expect(try Self.line(v2, frame: 9, reply: true) == "GETATTR NFDIR mode:40755 nlink:2 uid:0 gid:1 size:96 fileid:45658")
        #expect(try Self.line(v2, frame: 11, reply: true) == "STATFS tsize:8192 bsize:1024 blocks:1024000 bfree:417190")
        #expect(try Self.line(v2, frame: 12, reply: false) == "LOOKUP DH:0x38a4e9f6/a")
        #expect(try Self.line(v2, frame: 13, reply: true) == "LOOKUP NFSERR_NOENT")
        #expect(try Self.line(v2, frame: 23, reply: true) == "LOOKUP FH:0x7b0e545a")
        #expect(try Self.line(v2, frame: 63, reply: true) == "READDIR entries:6 eof")
        #expect(try Self.line(v2, frame: 100, reply: false) == "READ FH:0xa5fcf973 off:0 len:8192")
        #expect(try Self.line(v2, frame: 54, reply: false) == "SYMLINK DH:0x38a4e9f6/blns -> b")
        #expect(try Self.line(v2, frame: 73, reply: true) == "READLINK b")
    }

    @Test func nfsACLLines() throws {
        let acl = "nfs3/nfsacl-getsetacl.cap"
        let calls = try NFSCaptures.messages(acl).filter { $0.program == 100_227 }
        #expect(calls.count == 12)
        #expect(calls.allSatisfy { $0.line.contains("NFS_ACL v3") })
        let getacl = try #require(calls.first { $0.procedure == 1 && !$0.reply })
        #expect(getacl.line.hasSuffix("GETACL     FH:0xe59e70e3 mask:0x3"))
        let getaclReply = try #require(calls.first { $0.procedure == 1 && $0.reply })
        #expect(getaclReply.line.hasSuffix("GETACL     mask:0x3 acl:4 dfacl:0"))
        let setacl = try #require(calls.first { $0.procedure == 2 && !$0.reply })
        #expect(setacl.line.hasSuffix("SETACL     FH:0xe59e70e3 mask:0x1 acl:5 dfacl:0"))
    }

    @Test func jsonOfAGetattrReply() throws {
        let m = try #require(try NFSCaptures.messages("nfs3/lab-nfsv3-procedures.pcap").first { $0.index == 10 && $0.reply })
        let (summary, json) = XDRDisplayTests.show(m.program, m.version, m.procedure, reply: true, m.body)
        #expect(summary == "NF3DIR mode:0755 nlink:5 uid:0 gid:0 size:4096 fileid:16220241")
        #expect(json.contains("\"status\":\"NFS3_OK\""), "\(json)")
        #expect(json.contains("\"type\":\"NF3DIR\""), "\(json)")
        #expect(json.contains("\"fileid\":16220241"), "\(json)")
        let call = try #require(try NFSCaptures.messages("nfs3/lab-nfsv3-procedures.pcap").first { $0.index == 9 })
        let (_, callJSON) = XDRDisplayTests.show(call.program, call.version, call.procedure, reply: false, call.body)
        #expect(callJSON.contains("\"object\":{\"hash\":\"8dfb25e1\"}"), "\(callJSON)")
    }
}

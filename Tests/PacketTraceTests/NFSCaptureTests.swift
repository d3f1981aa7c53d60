import Decode
import Foundation
import PacketTrace
import Testing

/// NFSv2, NFSv3 and NFS_ACL bodies decoded from real captures (xdr/nfs2.x, nfs3.x, nfsacl.x),
/// checked message by message against tshark's reading (Tests/Fixtures/nfs3/README.md).
@Suite struct NFSCaptureTests {
    /// tshark field -> the catalogue fields holding the same value (NFSCaptures.matches), and how
    /// tshark shows it. Every field the fixtures hold must be listed, so none goes unchecked.
    static let mapping: [String: ([String], NFSCaptures.Form)] = [
        "nfs.status2": (["*.status:stat", "*.status:nfsstat"], .value),
        "nfs.status3": (["*.status:nfsstat3"], .value),
        "nfs.fh.hash": (["@fh"], .hash),
        "nfs.name": (["diropargs3.name", "diropargs.name"], .value),
        "nfs.symlink.to": (["symlinkdata3.symlink_data", "symlinkargs.to"], .value),
        "nfs.readlink.data": (["READLINK3resok.data", "readlinkres.data"], .value),
        "nfs.offset3": (["READ3args.offset", "WRITE3args.offset", "COMMIT3args.offset"], .value),
        "nfs.count3": (["READ3args.count", "READ3resok.count", "WRITE3args.count", "WRITE3resok.count",
                        "COMMIT3args.count", "READDIR3args.count"], .value),
        "nfs.count3_dircount": (["READDIRPLUS3args.dircount"], .value),
        "nfs.count3_maxcount": (["READDIRPLUS3args.maxcount"], .value),
        "nfs.cookie3": (["READDIR3args.cookie", "READDIRPLUS3args.cookie"], .value),
        "nfs.write.stable": (["WRITE3args.stable"], .value),
        "nfs.write.committed": (["WRITE3resok.committed"], .value),
        "nfs.read.eof": (["READ3resok.eof"], .value),
        "nfs.readdir.eof": (["dirlist3.eof", "dirlistplus3.eof", "readdirok.eof"], .value),
        "nfs.createmode": (["createhow3.mode"], .value),
        "nfs.read.offset": (["readargs.offset"], .value),
        "nfs.read.count": (["readargs.count"], .value),
        "nfs.read.totalcount": (["readargs.totalcount"], .value),
        "nfs.write.offset": (["writeargs.offset"], .value),
        "nfs.write.beginoffset": (["writeargs.beginoffset"], .value),
        "nfs.write.totalcount": (["writeargs.totalcount"], .value),
        "nfs.readdir.count": (["readdirargs.count"], .value),
        "nfs.fattr3.type": (["fattr3.type"], .value),
        "nfs.mode3": (["fattr3.mode", "set_mode3.mode"], .value),
        "nfs.fattr3.nlink": (["fattr3.nlink"], .value),
        "nfs.fattr3.uid": (["fattr3.uid"], .value),
        "nfs.fattr3.gid": (["fattr3.gid"], .value),
        "nfs.fattr3.size": (["fattr3.size"], .value),
        "nfs.fattr3.used": (["fattr3.used"], .value),
        "nfs.fattr3.fsid": (["fattr3.fsid"], .hex),
        "nfs.fattr3.fileid": (["fattr3.fileid"], .value),
        "nfs.wcc_attr.size": (["wcc_attr.size"], .value),
        "nfs.ftype": (["fattr.type"], .value),
        "nfs.mode": (["fattr.mode", "sattr.mode"], .value),
        "nfs.fattr.nlink": (["fattr.nlink"], .value),
        "nfs.fattr.uid": (["fattr.uid", "sattr.uid"], .value),
        "nfs.fattr.gid": (["fattr.gid", "sattr.gid"], .value),
        "nfs.fattr.size": (["fattr.size", "sattr.size"], .value),
        "nfs.fattr.blocksize": (["fattr.blocksize"], .value),
        "nfs.fattr.rdev": (["fattr.rdev"], .value),
        "nfs.fattr.blocks": (["fattr.blocks"], .value),
        "nfs.fattr.fsid": (["fattr.fsid"], .hex),
        "nfs.fattr.fileid": (["fattr.fileid"], .value),
        "nfs.readdir.entry3.fileid": (["entry3.fileid"], .value),
        "nfs.readdir.entry3.name": (["entry3.name"], .value),
        "nfs.readdir.entry3.cookie": (["entry3.cookie"], .value),
        "nfs.readdirplus.entry.fileid": (["entryplus3.fileid"], .value),
        "nfs.readdirplus.entry.name": (["entryplus3.name"], .value),
        "nfs.readdirplus.entry.cookie": (["entryplus3.cookie"], .value),
        "nfs.readdir.entry.fileid": (["entry.fileid"], .value),
        "nfs.readdir.entry.name": (["entry.name"], .value),
        "nfs.fsstat3_resok.tbytes": (["FSSTAT3resok.tbytes"], .value),
        "nfs.fsstat3_resok.fbytes": (["FSSTAT3resok.fbytes"], .value),
        "nfs.fsstat3_resok.abytes": (["FSSTAT3resok.abytes"], .value),
        "nfs.fsstat3_resok.tfiles": (["FSSTAT3resok.tfiles"], .value),
        "nfs.fsstat3_resok.ffiles": (["FSSTAT3resok.ffiles"], .value),
        "nfs.fsstat3_resok.afiles": (["FSSTAT3resok.afiles"], .value),
        "nfs.fsstat.invarsec": (["FSSTAT3resok.invarsec"], .value),
        "nfs.fsinfo.rtmax": (["FSINFO3resok.rtmax"], .value),
        "nfs.fsinfo.rtpref": (["FSINFO3resok.rtpref"], .value),
        "nfs.fsinfo.rtmult": (["FSINFO3resok.rtmult"], .value),
        "nfs.fsinfo.wtmax": (["FSINFO3resok.wtmax"], .value),
        "nfs.fsinfo.wtpref": (["FSINFO3resok.wtpref"], .value),
        "nfs.fsinfo.wtmult": (["FSINFO3resok.wtmult"], .value),
        "nfs.fsinfo.dtpref": (["FSINFO3resok.dtpref"], .value),
        "nfs.fsinfo.maxfilesize": (["FSINFO3resok.maxfilesize"], .value),
        "nfs.pathconf.linkmax": (["PATHCONF3resok.linkmax"], .value),
        "nfs.pathconf.name_max": (["PATHCONF3resok.name_max"], .value),
        "nfs.statfs.tsize": (["statfsokres.tsize"], .value),
        "nfs.statfs.bsize": (["statfsokres.bsize"], .value),
        "nfs.statfs.blocks": (["statfsokres.blocks"], .value),
        "nfs.statfs.bfree": (["statfsokres.bfree"], .value),
        "nfs.statfs.bavail": (["statfsokres.bavail"], .value),
        "nfsacl.mask": (["secattr.mask", "GETACL3args.mask", "GETACL2args.mask"], .hex),
        "nfsacl.aclcnt": (["secattr.aclcnt"], .value),
        "nfsacl.dfaclcnt": (["secattr.dfaclcnt"], .value),
        "nfsacl.aclent.type": (["aclent.type"], .value),
        "nfsacl.aclent.uid": (["aclent.id"], .value),
        "nfsacl.aclent.perm": (["aclent.perm"], .value),
    ]

    enum Bad { case noSuchProcedure, shortArguments }
    /// nfs_errors.pcap's calls made to fail: procedure 99 (answered PROC_UNAVAIL, not decoded:
    /// no .x defines it) and GETATTR with 2 bytes of arguments (answered GARBAGE_ARGS).
    static let knownBad: [String: [Int: Bad]] = ["nfs3/lab-nfs-errors.pcap": [635: .noSuchProcedure, 645: .shortArguments]]

    @Test(arguments: NFSCaptures.compared.map(\.capture))
    func everyMessageDecodesWholeAndAgreesWithTshark(_ capture: String) throws {
        let expectedFile = try #require(NFSCaptures.compared.first { $0.capture == capture }?.expected)
        let expected = try NFSCaptures.expected(expectedFile)
        var ours = try NFSCaptures.messages(capture)
        #expect(!expected.isEmpty)

        // every message pktt gives decodes whole, with no error, but the lab's deliberate bad calls
        for m in ours where m.missingBytes == 0 {
            if let why = Self.knownBad[capture]?[m.frame] {
                #expect(why == .noSuchProcedure ? !m.hasNFSLayer && m.error == nil : m.error != nil && m.packetError != nil,
                        "\(m)")
                continue
            }
            #expect(m.error == nil, "\(m): \(String(describing: m.error))")
            #expect(m.consumed == m.body.count, "\(m): stopped at \(m.consumed) of \(m.body.count)")
            #expect(!m.tape.incomplete, "\(m)")
            #expect(m.packetError == nil, "\(m): \(String(describing: m.packetError))")
            #expect(m.hasNFSLayer, "\(m)")
        }

        // tshark's messages, matched by xid and direction in capture order
        var compared = 0
        for t in expected {
            guard let at = ours.firstIndex(where: { $0.xidText == t.xid && $0.reply == t.reply }) else {
                Issue.record("\(capture) \(t): pktt has no such message")
                continue
            }
            let m = ours.remove(at: at)
            #expect(m.program == t.program && m.version == t.version && m.procedure == t.procedure, "\(m) vs \(t)")
            var shown: [String: [String]] = [:]
            for pair in t.fields { shown[pair[0], default: []].append(pair[1]) }
            for (name, theirs) in shown {
                guard let (keys, form) = Self.mapping[name] else {
                    Issue.record("\(m): tshark shows \(name), which the test does not map")
                    continue
                }
                #expect(NFSCaptures.values(m, keys, form) == theirs, "\(m): \(name)")
                compared += theirs.count
            }
        }
        print("NFS vs tshark \(capture): \(expected.count) messages, \(compared) values compared")
        #expect(compared >= expected.count)
    }

    /// The lab capture of every NFSv3 procedure: counts per procedure, printed, and all decode.
    @Test func everyProcedureOfTheLabCapture() throws {
        var counts: [String: (calls: Int, replies: Int)] = [:]
        for capture in ["nfs3/lab-nfsv3-procedures.pcap", "nfs3/lab-nfs-errors.pcap"] {
            for m in try NFSCaptures.messages(capture) where m.program == 100_003 {
                let name = RPCPrograms.procedureName(program: m.program, version: m.version, procedure: m.procedure)
                    ?? "proc\(m.procedure)"
                let key = "v\(m.version) \(name)"
                var c = counts[key, default: (0, 0)]
                if m.reply { c.replies += 1 } else { c.calls += 1 }
                counts[key] = c
                #expect(m.error == nil || Self.knownBad[capture]?[m.frame] != nil, "\(m): \(String(describing: m.error))")
            }
        }
        for key in counts.keys.sorted() {
            print("NFS procedure counts (lab): \(key) calls \(counts[key]!.calls) replies \(counts[key]!.replies)")
        }
        let v3 = counts.keys.filter { $0.hasPrefix("v3 ") && !$0.hasPrefix("v3 proc") }
        #expect(v3.count == 22)
        for key in v3 { #expect(counts[key]!.calls > 0 && counts[key]!.replies > 0, "\(key)") }
    }

    // zeek's NFS captures with one value scrambled (an undefined enum value each) decode whole:
    // UndefinedEnumCaptureTests.

    /// tcpdump's malformed NFS captures: the bad messages give errors, pktt goes on.
    @Test func tcpdumpMalformed() throws {
        for capture in ["nfs3/nfs-cannot-pad-32-bit.pcap", "nfs3/nfs-attr-oobr.pcap"] {
            let trace = try Pktt(files: [Fixtures.path(capture)])
            var errors = 0
            var packets = 0
            while try trace.next() {
                packets += 1
                if trace.packet.error != nil { errors += 1 }
            }
            print("NFS malformed \(capture): \(packets) packets, \(errors) decode errors")
            #expect(errors > 0, "\(capture)")
            #expect(errors == trace.statistics.decodeErrors)
        }
    }
}

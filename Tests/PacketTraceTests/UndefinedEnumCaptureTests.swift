import Decode
import Foundation
import PacketTrace
import Testing

/// An enum value its XDR definition lacks hides nothing else of the message (xdr/README.md,
/// "Enums"): the zeek captures with one value scrambled, where tshark still shows every field
/// after it. Each message is checked field by field against tshark's reading of that frame,
/// pinned in the `.tshark.tsv` beside the capture (the command is in the fixtures' README).
@Suite struct UndefinedEnumCaptureTests {
    struct Case: CustomStringConvertible, Sendable {
        var capture: String
        var table: String
        /// The catalogue fields (`parent.name`) that hold the undefined values, and the values.
        var fields: [String]
        var values: [Int64]
        /// What the one-line summary of the message ends with.
        var summary: String
        var description: String { capture }
    }

    static let cases = [
        // fattr3.type, a plain enum in a struct: the attributes after it are all there
        Case(capture: "nfs3/zeek-getattr-bad-ftype.pcap", table: "nfs3/zeek-getattr-bad-ftype.tshark.tsv",
             fields: ["fattr3.type"], values: [0x4242_4242],
             summary: "GETATTR    1111638594 mode:41777 nlink:15 uid:0 gid:0 size:4096 fileid:128"),
        // stable_how, a plain enum: the write verifier after it is there
        Case(capture: "nfs3/zeek-write-bad-stable-how.pcap", table: "nfs3/zeek-write-bad-stable-how.tshark.tsv",
             fields: ["WRITE3resok.committed"], values: [0x4343_4343], summary: "WRITE      count:13 verf:0x67c8733222e2ea08 1128481603"),
        // nfsstat3, a union discriminant with a default arm: the default arm (post_op_attr) decodes
        Case(capture: "nfs3/zeek-fsinfo-bad-status.pcap", table: "nfs3/zeek-fsinfo-bad-status.tshark.tsv",
             fields: ["FSINFO3res.status"], values: [0x4141_4141], summary: "FSINFO     1094795585"),
        // mountstat3, a union discriminant whose default arm is void
        Case(capture: "rpc/zeek-mount-unmount-bad-status.pcap", table: "rpc/zeek-mount-unmount-bad-status.tshark.tsv",
             fields: ["mountres3.fhs_status"], values: [0x4242_4242], summary: "MNT        1111638594"),
        // time_how, the discriminants of set_atime and set_mtime, whose default arms are void: the
        // guard after them is there (the call's summary shows neither)
        Case(capture: "nfs3/zeek-setattr-bad-set-it.pcap", table: "nfs3/zeek-setattr-bad-set-it.tshark.tsv",
             fields: ["set_atime.set_it", "set_mtime.set_it"], values: [0x4242_4242, 0x4343_4343],
             summary: "SETATTR    FH:0x5fbcc878 "),
    ]

    /// tshark field -> the tape entries holding it, as `parent.name` or, for a member of a nested
    /// struct, `parent.member.name` (`fattr3.atime.seconds`), in tape order; and how tshark shows it.
    enum Form { case value, hex, bytes, hash }
    static let mapping: [String: ([String], Form)] = [
        "nfs.status3": (["GETATTR3res.status", "WRITE3res.status", "FSINFO3res.status"], .value),
        "nfs.attributes_follow": (["pre_op_attr.attributes_follow", "post_op_attr.attributes_follow"], .value),
        "nfs.fattr3.type": (["fattr3.type"], .value),
        "nfs.mode3": (["fattr3.mode"], .value),
        "nfs.fattr3.nlink": (["fattr3.nlink"], .value),
        "nfs.fattr3.uid": (["fattr3.uid"], .value),
        "nfs.fattr3.gid": (["fattr3.gid"], .value),
        "nfs.fattr3.size": (["fattr3.size"], .value),
        "nfs.fattr3.used": (["fattr3.used"], .value),
        "nfs.specdata1": (["specdata3.specdata1"], .value),
        "nfs.specdata2": (["specdata3.specdata2"], .value),
        "nfs.fattr3.fsid": (["fattr3.fsid"], .hex),
        "nfs.fattr3.fileid": (["fattr3.fileid"], .value),
        "nfs.atime.sec": (["fattr3.atime.seconds"], .value),
        "nfs.atime.nsec": (["fattr3.atime.nseconds"], .value),
        "nfs.mtime.sec": (["fattr3.mtime.seconds"], .value),
        "nfs.mtime.nsec": (["fattr3.mtime.nseconds"], .value),
        "nfs.ctime.sec": (["fattr3.ctime.seconds"], .value),
        "nfs.ctime.nsec": (["fattr3.ctime.nseconds"], .value),
        "nfs.count3": (["WRITE3resok.count"], .value),
        "nfs.write.committed": (["WRITE3resok.committed"], .value),
        "nfs.verifier": (["WRITE3resok.verf"], .bytes),
        "mount.status": (["mountres3.fhs_status"], .value),
        "nfs.fh.hash": (["SETATTR3args.object"], .hash),
        "nfs.set_it": (["set_mode3.set_it", "set_uid3.set_it", "set_gid3.set_it", "set_size3.set_it",
                        "set_atime.set_it", "set_mtime.set_it"], .value),
        "nfs.sattrguard3": (["sattrguard3.check"], .value),
    ]

    @Test(arguments: cases)
    func theFieldsAfterTheValueAreThereAsTsharkShowsThem(_ c: Case) throws {
        setenv("TZ", "UTC", 1)
        tzset()
        let tshark = try #require(Fixtures.tsharkTable(c.table).first)
        let frame = try #require(Int(tshark["frame.number"] ?? ""))
        let trace = try Pktt(files: [Fixtures.path(c.capture)])
        var line = OneLineFormatter()
        var json = JSONPacketFormatter()
        var found = false
        while try trace.next() {
            guard trace.record.frame == frame, trace.packet.has(.rpc) else { continue }
            found = true
            let tape = trace.tape
            #expect(trace.packet.error == nil, "\(String(describing: trace.packet.error))")
            #expect(!tape.incomplete)
            #expect(tape.undefinedValues == c.values.count)
            let undefined = tape.entries.filter(\.isUndefined)
            #expect(undefined.map { Self.key(XDRCatalogue.field($0.field)) } == c.fields)
            #expect(undefined.map(\.signedValue) == c.values)

            var compared = 0
            for (name, theirs) in tshark where name != "frame.number" {
                let (keys, form) = try #require(Self.mapping[name], "tshark shows \(name), which the test does not map")
                let ours = trace.withMessageBytes { bytes, _ in Self.values(tape, bytes, keys, form) }
                #expect(ours.joined(separator: ",") == theirs, "\(name)")
                compared += 1
            }
            #expect(compared == tshark.count - 1)

            // JSON: the number, its `_code` twin, and `_undefined`; no error
            var out = TextBuffer(flushAt: .max)
            json.append(trace, to: &out)
            let text = out.take()
            for (field, value) in zip(c.fields, c.values) {
                let name = String(field.split(separator: ".").last!)
                let status = name == "status"  // an NFS status is the nfs object's own `status`
                #expect(text.contains(status ? "\"status\":\(value),\"status_undefined\":true"
                                             : "\"\(name)\":\"\(value)\",\"\(name)_code\":\(value),\"\(name)_undefined\":true"),
                        "\(text)")
            }
            #expect(!text.contains("\"error\""), "\(text)")
            #expect(!text.contains("incomplete"), "\(text)")

            // the one-line summary shows the number
            line.append(trace, to: &out)
            let shown = out.take()
            #expect(shown.hasSuffix(c.summary + "\n"), "\(shown)")
        }
        #expect(found, "frame \(frame)")
        #expect(trace.statistics.undefinedValues == c.values.count)
        #expect(trace.statistics.decodeErrors == 0)
        #expect(trace.statistics.summary.hasSuffix("errors 0 undefined_values \(c.values.count)"), "\(trace.statistics.summary)")
    }

    static func key(_ f: XDRField) -> String { "\(f.parent).\(f.name)" }

    /// The values of the entries `keys` name, in tape order, as tshark shows them.
    static func values(_ tape: Tape, _ bytes: UnsafeRawBufferPointer, _ keys: [String], _ form: Form) -> [String] {
        var out: [String] = []
        var enclosing: [String] = []  // `parent.name` of each struct open around an entry
        for e in tape.entries {
            let f = XDRCatalogue.field(e.field)
            switch e.kind {
            case .structBegin, .arrayBegin:
                enclosing.append(key(f))
                continue
            case .end:
                enclosing.removeLast()
                continue
            case .absent:
                continue
            default:
                break
            }
            guard keys.contains(key(f)) || keys.contains("\(enclosing.last ?? "").\(f.name)") else { continue }
            switch (form, e.kind) {
            case (.hash, _):
                out.append(String(format: "0x%08x", CRC32.checksum(bytes, e.byteRange)))
            case (.hex, _):
                out.append(String(format: "0x%016llx", e.value))
            case (.bytes, _):
                out.append(bytes[e.byteRange.offset..<e.byteRange.end].map { String(format: "%02x", $0) }.joined())
            case (_, .int32), (_, .int64), (_, .enumeration):
                out.append(String(e.signedValue))
            default:
                out.append(String(e.value))
            }
        }
        return out
    }
}

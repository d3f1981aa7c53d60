import Decode
import Testing

/// Real PORTMAP, RPCBIND, MOUNT and NSM messages from captures (Tests/Fixtures/rpc/README.md),
/// decoded by the generated decoders and checked field by field against tshark's reading of the
/// same frames, which scripts/xdr-fixtures stored beside the bytes.
@Suite struct XDRCaptureTests {
    /// tshark field -> the catalogue fields (`parent.name`) holding the same value, and how tshark
    /// shows it. Every field tshark shows must be listed here or in `groupings`, so a field pktt
    /// does not compare is a decision, not an oversight.
    static let mapping: [String: (Set<String>, TsharkForm)] = [
        "portmap.prog": (["mapping.prog", "call_args.prog"], .value),
        "portmap.version": (["mapping.vers", "call_args.vers"], .value),
        "portmap.proto": (["mapping.prot"], .value),
        "portmap.port": (["mapping.port", "PMAPPROC_GETPORT.port", "call_result.port"], .value),
        "portmap.rpcb.prog": (["rpcb.r_prog"], .value),
        "portmap.rpcb.version": (["rpcb.r_vers"], .value),
        "portmap.rpcb.netid": (["rpcb.r_netid"], .value),
        "portmap.rpcb.addr": (["rpcb.r_addr"], .value),
        "portmap.rpcb.owner": (["rpcb.r_owner"], .value),
        "portmap.uaddr": (["RPCBPROC_GETADDR.r_addr", "RPCBPROC_GETVERSADDR.r_addr"], .value),
        "mount.path": (["MOUNTPROC3_MNT.dirpath", "MOUNTPROC3_UMNT.dirpath",
                        "MOUNTPROC_MNT.dirpath", "MOUNTPROC_UMNT.dirpath"], .value),
        "mount.status": (["mountres3.fhs_status", "fhstatus.status"], .value),
        "nfs.fh.hash": (["mountres3_ok.fhandle", "fhstatus.directory"], .hash),
        "nfs.fh.length": (["mountres3_ok.fhandle", "fhstatus.directory"], .length),
        "nfs.fhandle": (["mountres3_ok.fhandle", "fhstatus.directory"], .value),
        "mount.flavors": (["mountres3_ok.auth_flavors"], .count),
        "mount.flavor": (["mountres3_ok.auth_flavors"], .value),
        "mount.export.directory": (["exportnode.ex_dir", "exportlist.filesys"], .value),
        "mount.export.group": (["groupnode.gr_name", "groups.grname"], .value),
        "mount.dump.hostname": (["mountbody.ml_hostname", "mountlist.hostname"], .value),
        "mount.dump.directory": (["mountbody.ml_directory", "mountlist.directory"], .value),
        "stat.name": (["sm_name.mon_name"], .value),
        "stat.mon_id.name": (["mon_id.mon_name", "stat_chge.mon_name"], .value),
        "stat.my_id.hostname": (["my_id.my_name"], .value),
        "stat.my_id.prog": (["my_id.my_prog"], .value),
        "stat.my_id.vers": (["my_id.my_vers"], .value),
        "stat.my_id.proc": (["my_id.my_proc"], .value),
        "stat.priv": (["mon.priv"], .value),
        "stat.stat_res.res": (["sm_stat_res.res_stat"], .value),
        "stat.stat_res.state": (["sm_stat_res.state"], .value),
        "stat.state": (["sm_stat.state", "stat_chge.state"], .value),
    ]

    /// tshark's subtree headings (FT_NONE): they hold no value of their own.
    static let groupings: Set<String> = ["portmap.rpcb", "mount.export.entry", "mount.export.groups",
                                         "mount.dump.entry", "stat.stat_res", "stat.my_id", "stat.mon",
                                         "stat.stat_chge"]

    /// FT_BYTES fields.
    static let byteFields: Set<String> = ["nfs.fhandle", "stat.priv"]

    @Test func everyMessageDecodesWholeAndAgreesWithTshark() throws {
        let messages = try XDRFixtures.messages()
        #expect(messages.count >= 150)
        var compared = 0
        for m in messages {
            let body = [UInt8](hex: m.body)
            let d = decode(m.program, m.version, m.procedure, reply: m.reply, body)
            #expect(d.error == nil, "\(m): \(String(describing: d.error))")
            #expect(d.layer != nil, "\(m): not decoded")
            #expect(d.offset == body.count, "\(m): stopped at \(d.offset) of \(body.count)")
            #expect(!d.tape.incomplete, "\(m)")

            var shown: [String: [String]] = [:]
            for pair in m.tshark { shown[pair[0], default: []].append(pair[1]) }
            for (name, values) in shown where !Self.groupings.contains(name) {
                guard let (keys, form) = Self.mapping[name] else {
                    Issue.record("\(m): tshark shows \(name), which the test does not map")
                    continue
                }
                // tshark shows bytes as colon-separated hex
                let theirs = Self.byteFields.contains(name) ? values.map { $0.replacingOccurrences(of: ":", with: "") } : values
                #expect(d.tsharkValues(keys, as: form) == theirs, "\(m): \(name)")
                compared += theirs.count
            }
        }
        #expect(compared > 400)
    }
}

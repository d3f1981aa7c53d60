@testable import Decode
import Testing

/// Flat and qualified program field names (`NFS.stateid`, `NFS.opputfh.status`), resolved
/// against the generated catalogue as match expressions will resolve them.
@Suite struct XDRNameIndexTests {
    static func names(_ ids: [UInt16]) -> Set<String> { Set(ids.map { XDRCatalogue.field($0).name }) }
    static func parents(_ ids: [UInt16]) -> Set<String> { Set(ids.map { XDRCatalogue.field($0).parent }) }

    /// The flat names of the seed: every field of that name in any NFS program or op, and only those.
    @Test(arguments: ["stateid", "status", "sa_sequenceid", "fh", "argop", "resop", "attributes", "object", "tag"])
    func aFlatNameFindsEveryFieldOfThatName(_ name: String) {
        let ids = XDRNameIndex.fields(named: "NFS." + name)
        #expect(!ids.isEmpty)
        #expect(Self.names(ids) == [name])
        #expect(ids == ids.sorted())
        // every one of them, across NFSv2, v3, v4, NFS_ACL and the callbacks
        let all = (1..<XDRCatalogue.fields.count).filter { XDRCatalogue.fields[$0].name == name }.map(UInt16.init)
        #expect(ids == all.filter { XDRNameIndex.programs[XDRNameIndex.index.program(of: $0)!].layer == "nfs" })
        #expect(XDRNameIndex.fields(named: "nfs." + name) == ids)
    }

    @Test func flatNamesReachEveryVersionAndOp() {
        let stateids = Self.parents(XDRNameIndex.fields(named: "NFS.stateid"))
        #expect(stateids.isSuperset(of: ["READ4args", "WRITE4args", "SETATTR4args", "OPEN4resok", "CB_RECALL4args"]))
        let statuses = Self.parents(XDRNameIndex.fields(named: "NFS.status"))
        #expect(statuses.isSuperset(of: ["PUTFH4res", "READ4res", "COMPOUND4res", "GETATTR3res", "attrstat"]))
        // NLM's fh is NLM's, not NFS's
        #expect(!Self.parents(XDRNameIndex.fields(named: "NFS.fh")).contains("nlm4_lock"))
        #expect(Self.parents(XDRNameIndex.fields(named: "NLM.fh")).isSuperset(of: ["nlm4_lock", "nlm_lock"]))
        #expect(Self.parents(XDRNameIndex.fields(named: "NFS.argop")) == ["nfs_argop4", "nfs_cb_argop4"])
        #expect(Self.parents(XDRNameIndex.fields(named: "PORTMAP.prog")).count >= 2)  // PORTMAP and RPCBIND
    }

    /// A qualified name picks the fields under one op's arm.
    @Test func aQualifiedNamePicksOneOp() {
        let putfh = XDRNameIndex.fields(named: "NFS.opputfh")
        #expect(Self.parents(putfh) == ["nfs_argop4", "nfs_resop4"])
        let status = XDRNameIndex.fields(named: "NFS.opputfh.status")
        #expect(status.count == 1 && Self.parents(status) == ["PUTFH4res"])
        #expect(Self.parents(XDRNameIndex.fields(named: "NFS.opputfh.object")) == ["PUTFH4args"])
        #expect(Self.parents(XDRNameIndex.fields(named: "NFS.opread.stateid")) == ["READ4args"])
        // through nested structs: READ4res → resok4 → eof
        #expect(Self.parents(XDRNameIndex.fields(named: "NFS.opread.eof")) == ["READ4resok"])
        #expect(Self.parents(XDRNameIndex.fields(named: "NFS.opread.resok4.eof")) == ["READ4resok"])
        let under = Self.names(XDRNameIndex.descendants(of: putfh))
        #expect(under == ["object", "status"])
        // linked lists (READDIR's entries) do not loop
        #expect(!XDRNameIndex.descendants(of: XDRNameIndex.fields(named: "NFS.opreaddir")).isEmpty)
    }

    /// The index's list of .x files covers the catalogue exactly (a generator change that adds or
    /// reorders programs shows up here).
    @Test func theProgramsCoverTheCatalogue() {
        #expect(XDRNameIndex.programs.map(\.fields).reduce(0, +) == XDRCatalogue.fields.count - 1)
        #expect(XDRNameIndex.index.program(of: 1) == 0)
        let putfh = XDRNameIndex.fields(named: "NFS.opputfh")
        #expect(putfh.allSatisfy { XDRNameIndex.index.program(of: $0) == 4 })  // NFS4XDR
    }

    @Test func unknownNamesResolveToNothing() {
        #expect(XDRNameIndex.fields(named: "NFS.StateID").isEmpty)  // field names are exact
        #expect(XDRNameIndex.fields(named: "NFS.opputfh.stateid").isEmpty)
        #expect(XDRNameIndex.fields(named: "SMB.status").isEmpty)
        #expect(XDRNameIndex.fields(named: "NFS").isEmpty)
        #expect(XDRNameIndex.fields(named: "").isEmpty)
        // the seed's NFSv4.1 `sequenceid` is sa_sequenceid / sr_sequenceid in RFC 8881's XDR
        #expect(XDRNameIndex.fields(named: "NFS.sequenceid").isEmpty)
        #expect(XDRNameIndex.layers == ["mount", "nfs", "nlm", "nsm", "portmap"])
    }
}

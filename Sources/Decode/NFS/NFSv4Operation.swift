/// NFSv4 operation numbers (`nfs_opnum4`): RFC 7530 section 16 (3–39), RFC 8881 / 5661
/// section 18 (40–58), RFC 7862 section 15 (59–71), RFC 8276 section 8 (72–75).
/// Code that must know what an op does (which ops move the current file handle) names it here
/// rather than by number; `XDRCompound.nfs4OpName` gives the display name.
public enum NFSv4Operation {
    public static let access: Int64 = 3
    public static let close: Int64 = 4
    public static let commit: Int64 = 5
    public static let create: Int64 = 6
    public static let delegpurge: Int64 = 7
    public static let delegreturn: Int64 = 8
    public static let getattr: Int64 = 9
    public static let getfh: Int64 = 10
    public static let link: Int64 = 11
    public static let lock: Int64 = 12
    public static let lockt: Int64 = 13
    public static let locku: Int64 = 14
    public static let lookup: Int64 = 15
    public static let lookupp: Int64 = 16
    public static let nverify: Int64 = 17
    public static let open: Int64 = 18
    public static let openattr: Int64 = 19
    public static let openConfirm: Int64 = 20
    public static let openDowngrade: Int64 = 21
    public static let putfh: Int64 = 22
    public static let putpubfh: Int64 = 23
    public static let putrootfh: Int64 = 24
    public static let read: Int64 = 25
    public static let readdir: Int64 = 26
    public static let readlink: Int64 = 27
    public static let remove: Int64 = 28
    public static let rename: Int64 = 29
    public static let renew: Int64 = 30
    public static let restorefh: Int64 = 31
    public static let savefh: Int64 = 32
    public static let secinfo: Int64 = 33
    public static let setattr: Int64 = 34
    public static let setclientid: Int64 = 35
    public static let setclientidConfirm: Int64 = 36
    public static let verify: Int64 = 37
    public static let write: Int64 = 38
    public static let releaseLockowner: Int64 = 39
    public static let backchannelCtl: Int64 = 40
    public static let bindConnToSession: Int64 = 41
    public static let exchangeID: Int64 = 42
    public static let createSession: Int64 = 43
    public static let destroySession: Int64 = 44
    public static let freeStateid: Int64 = 45
    public static let getDirDelegation: Int64 = 46
    public static let getdeviceinfo: Int64 = 47
    public static let getdevicelist: Int64 = 48
    public static let layoutcommit: Int64 = 49
    public static let layoutget: Int64 = 50
    public static let layoutreturn: Int64 = 51
    public static let secinfoNoName: Int64 = 52
    public static let sequence: Int64 = 53
    public static let setSSV: Int64 = 54
    public static let testStateid: Int64 = 55
    public static let wantDelegation: Int64 = 56
    public static let destroyClientID: Int64 = 57
    public static let reclaimComplete: Int64 = 58
    public static let allocate: Int64 = 59
    public static let copy: Int64 = 60
    public static let copyNotify: Int64 = 61
    public static let deallocate: Int64 = 62
    public static let ioAdvise: Int64 = 63
    public static let layouterror: Int64 = 64
    public static let layoutstats: Int64 = 65
    public static let offloadCancel: Int64 = 66
    public static let offloadStatus: Int64 = 67
    public static let readPlus: Int64 = 68
    public static let seek: Int64 = 69
    public static let writeSame: Int64 = 70
    public static let clone: Int64 = 71
    public static let getxattr: Int64 = 72
    public static let setxattr: Int64 = 73
    public static let listxattrs: Int64 = 74
    public static let removexattr: Int64 = 75
    public static let illegal: Int64 = 10044

    /// Ops after which the current file handle is one the compound has not shown (RFC 8881
    /// section 16.2.3.1.1): the new object's, known only when a later GETFH in the reply shows
    /// it; SECINFO and SECINFO_NO_NAME consume it (section 2.6.3.1.1.8).
    @inlinable public static func movesToUnseenObject(_ op: Int64) -> Bool {
        switch op {
        case create, lookup, lookupp, open, openattr, secinfo, secinfoNoName: true
        default: false
        }
    }

    /// Ops that set the current file handle from their argument or the server's root/public one.
    @inlinable public static func putsFileHandle(_ op: Int64) -> Bool {
        op == putfh || op == putpubfh || op == putrootfh
    }
}

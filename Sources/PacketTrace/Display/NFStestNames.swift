/// Names NFStest shows where pktt's own catalogues name things otherwise.
enum NFStestNames {
    /// A program number in a PORTMAP mapping or call (`prog:NFS`, `prog:STATMON2`), from
    /// NFStest's portmap constants; nil for one it does not name (shown as the number).
    static func program(_ number: UInt32) -> String? {
        switch number {
        case 100_000: "PORTMAP"
        case 100_001: "RSTAT"
        case 100_002: "RUSERS"
        case 100_003: "NFS"
        case 100_004: "YPSERV"
        case 100_005: "MOUNT"
        case 100_006: "RDBX"
        case 100_007: "YPBIND"
        case 100_008: "WALL"
        case 100_009: "YPPASSWDD"
        case 100_010: "ETHERSTAT"
        case 100_011: "RQUOTA"
        case 100_017: "REXEC"
        case 100_021: "NLOCKMGR"
        case 100_023: "STATMON1"
        case 100_024: "STATMON2"
        case 100_028: "YPUPDATE"
        case 100_227: "NFS_ACL"
        default: nil
        }
    }
}

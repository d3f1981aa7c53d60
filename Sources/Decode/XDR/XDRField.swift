/// One entry of the field catalogue (`XDRCatalogue.fields`): what a tape entry's field id means.
/// Generated from the .x files by scripts/xdrgen; the names are the protocols' own.
public struct XDRField: Sendable {
    /// How a value is best shown, from the annotations in the .x files (xdr/README.md).
    public enum Hint: UInt8, Sendable {
        case none
        /// An opaque that is a file handle: shown as its CRC32 (`FH:0x8dfb25e1`).
        case fileHandle
        /// A string that is an RPCBIND universal address (`h1.h2.h3.h4.p1.p2`, `x:x::x.p1.p2`).
        case universalAddress
        /// An RPC program number: shown with the program's name.
        case program
        /// A number best read in hexadecimal.
        case hex
        /// An NFSv4 stateid (struct of seqid and 12-byte other): shown as `SEQID,0xCRC16` of other.
        case stateid
        /// An NFSv4 bitmap4 (array of 32-bit words, word 0 lowest): shown as one hex number.
        case bitmap
    }

    /// The XDR name: a struct or union member, a union discriminant, or the name given to a
    /// procedure's bare argument or result (`port`, `prog`, `fhandle`, `mon_name`).
    public let name: String
    /// The struct or union it belongs to, or the procedure for a bare argument or result.
    public let parent: String
    /// The XDR type as declared (`fhandle3`, `unsigned int`, `int<>`, `opaque[16]`).
    public let type: String
    /// Name table for `XDRCatalogue.name(table:value:)`: an enum, or constants sharing a prefix; 0: none.
    public let names: UInt16
    public let hint: Hint

    public init(_ name: String, parent: String, type: String, names: UInt16, hint: Hint) {
        self.name = name
        self.parent = parent
        self.type = type
        self.names = names
        self.hint = hint
    }

    /// Field id 0, and any id out of range.
    public static let unknown = XDRField("", parent: "", type: "", names: 0, hint: .none)
}

/// One word of a procedure's one-line display format (`@call` / `@reply` in the .x files): text
/// around the value found by following `path` (field ids) on the tape. A word whose value is not
/// on the tape (an arm not taken, absent data) is left out.
public struct XDRSummaryItem: Sendable {
    public enum Style: UInt8, Sendable {
        /// `prefix` alone.
        case literal
        /// `{path}`: the value as displayed (enum names, `0x` CRC32 of file handles, strings).
        case value
        /// `{path:x}`: a number in hexadecimal.
        case hex
        /// `{#path}`: the number of elements of an array or list.
        case count
        /// `{path?text}`: `prefix` (which holds the text) when the value is true or not zero.
        case ifTrue
        /// `{path!}`: the value, unless it is 0 (a status that is OK).
        case nonZero
        /// `{path:addr}` / `{path:port}`: the host or the port of a universal address.
        case address, port
        /// `{*path}`: an array of unions whose arms have formats of their own (NFSv4 ops): the
        /// format of the array's main element (`XDRCatalogue.armRank`).
        case arms
        /// `{@fh}` in an op's format: the compound's current file handle as `NFSCompoundAnalysis`
        /// follows it — in a call the file the op works on, in a reply the object the compound
        /// reaches from the op (the GETFH after a LOOKUP or OPEN).
        case currentFH
        /// `{path:o}`: a number in octal with a leading 0, at least four digits (`mode:0755`).
        case octal
        /// `{path:u}`: a number in decimal, or NFStest's `umax32` / `umax64` for all ones.
        case umax
        /// `{@sfh}` in an op's format: the compound's saved file handle (SAVEFH's).
        case savedFH
        /// `{path:crc32}` / `{path:crc16}`: the CRC32 (`0x%08x`) or NFStest's CRC16 (`0x%04x`)
        /// of an opaque (a session id, a device id).
        case crc32, crc16
        /// `{path:tail}`: a name after its last `_` (`LAYOUTIOMODE4_RW` is `RW`).
        case tail
        /// `{path:list}`: an array's elements in brackets, `, ` between them (`[AUTH_UNIX, AUTH_GSS]`).
        case list
    }

    public let style: Style
    public let prefix: String
    public let suffix: String
    public let path: [UInt16]
    /// Written right after the word before it, without a space (`+word` in a format).
    public let joined: Bool
    /// `.hex` with at least this many digits (`{path:x2}` → `0x01`); 0: as many as the value needs.
    public let digits: UInt8
    /// `word|path`: the word is written only when `guard` is on the tape (and, `word|path=NAME`,
    /// has the value `guardValue`): NFStest's text for one arm of a union (`CLAIM_FH:…`).
    public let guardPath: [UInt16]
    public let guardValue: Int64?
    /// A word after `||`: pktt's own, beyond NFStest's line, written at `pktt show -v 2` only.
    public let verbose: Bool

    public init(_ style: Style, prefix: String, suffix: String, path: [UInt16], joined: Bool = false,
                digits: UInt8 = 0, guard guardPath: [UInt16] = [], guardValue: Int64? = nil, verbose: Bool = false) {
        self.style = style
        self.prefix = prefix
        self.suffix = suffix
        self.path = path
        self.joined = joined
        self.digits = digits
        self.guardPath = guardPath
        self.guardValue = guardValue
        self.verbose = verbose
    }
}

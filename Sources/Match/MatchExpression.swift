import Decode

/// A match expression in the seed's language, parsed and compiled once, then judged on packets
/// without allocating: never evaluated as code.
///
///     let expr = try MatchExpression("NFS.argop == 38 and IP.src == re('^10\\.1\\.')")
///     var scratch = MatchScratch()
///     if expr.matches(packet, tape: tape, message: bytes, scratch: &scratch) { … }
///
/// Names resolve against the header catalogue (`TCP.flags.SYN`, `IP.src`, `RPC.xid`,
/// `RPC.latency` in seconds) and the program bodies' XDR (`NFS.status`, `NFS.opputfh.status`,
/// `MOUNT.dirpath`) when compiled: an unknown name is an error that names its column. A name
/// that exists but is absent from a packet makes its comparison false for that packet.
/// One compiled expression may be used by several threads, each with its own `MatchScratch`.
public struct MatchExpression: Sendable, CustomStringConvertible {
    public let text: String
    /// How deep packets must be decoded for this expression: `.transport` when it names only
    /// link, IP, TCP and UDP fields, `.rpc` for RPC header fields, `.body` for program bodies.
    public let depth: MatchDepth
    let root: MatchPredicate
    /// Whether a `record.*` field is named (else the record is not even copied per packet).
    let usesRecord: Bool
    /// Its body leaves, judged in one pass over the tape before `root` (nil: none).
    let leaves: MatchLeafTable?
    /// What a rule set merges: the leaves' tests and constants, and how many leaves.
    let leafParts: MatchLeafParts
    /// `LayerSet` bits a packet must have to match (`MatchNeeds`).
    let needs: UInt32

    public init(_ text: String) throws(MatchError) {
        try self.init(text, leaves: true)
    }

    /// `leaves: false` judges each body comparison on its own, walking the tape (tests check
    /// that both ways agree).
    init(_ text: String, leaves: Bool) throws(MatchError) {
        let syntax = try MatchParser.parse(text)
        var compiler = MatchCompiler()
        compiler.leavesEnabled = leaves
        root = try compiler.condition(syntax)
        depth = compiler.depth
        usesRecord = compiler.usesRecord
        leafParts = compiler.leaves
        self.leaves = leafParts.leafCount == 0 ? nil : MatchLeafTable(merging: [leafParts])
        needs = MatchNeeds.of(root)
        self.text = text
    }

    public var description: String { text }

    /// Whether `packet` (its program body on `tape`, the bytes its ranges point into in
    /// `message`) matches; `record.*` fields are absent.
    public func matches(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer,
                        scratch: inout MatchScratch) -> Bool {
        withUnsafePointer(to: packet) { p in
            withUnsafePointer(to: tape) { judge(p, $0, message, MatchRecord(), hasRecord: false, &scratch) }
        }
    }

    /// Whether `packet`, captured as `record`, matches.
    public func matches<R: RecordFields>(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer, record: R,
                                         scratch: inout MatchScratch) -> Bool {
        let r = usesRecord ? MatchRecord(record) : MatchRecord()
        return withUnsafePointer(to: packet) { p in
            withUnsafePointer(to: tape) { judge(p, $0, message, r, hasRecord: true, &scratch) }
        }
    }

    /// The same, for a packet and tape held in memory the caller may not hand over as values
    /// without copying them (a pipeline behind a pointer): `inout` only so that they are
    /// borrowed in place; they are not changed.
    public func matches<R: RecordFields>(inPlace packet: inout Packet, tape: inout Tape, message: UnsafeRawBufferPointer,
                                         record: R, scratch: inout MatchScratch) -> Bool {
        let r = usesRecord ? MatchRecord(record) : MatchRecord()
        return withUnsafePointer(to: &packet) { p in
            withUnsafePointer(to: &tape) { judge(p, $0, message, r, hasRecord: true, &scratch) }
        }
    }

    private func judge(_ packet: UnsafePointer<Packet>, _ tape: UnsafePointer<Tape>, _ message: UnsafeRawBufferPointer, _ record: MatchRecord,
                       hasRecord: Bool, _ scratch: inout MatchScratch) -> Bool {
        guard packet.pointee.layers.rawValue & needs == needs else {
            scratch.matchedEntry = nil
            return false
        }
        if let leaves { leaves.judge(tape, message, into: &scratch.leafHits) }
        return judge(packet, tape, message, record, hasRecord: hasRecord, leafBase: 0, &scratch)
    }

    /// Judges `root` once the leaves are judged (by this expression, or by a rule set that put
    /// them at `leafBase`).
    func judge(_ packet: UnsafePointer<Packet>, _ tape: UnsafePointer<Tape>, _ message: UnsafeRawBufferPointer,
               _ record: MatchRecord, hasRecord: Bool, leafBase: Int, _ scratch: inout MatchScratch) -> Bool {
        scratch.matchedEntry = nil
        return withUnsafeMutablePointer(to: &scratch) { s in
            var e = MatchEnvironment(message: message, record: record, hasRecord: hasRecord, scratch: s, leafBase: leafBase)
            return root.test(packet, tape, &e)
        }
    }
}

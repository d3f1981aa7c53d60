import Decode

/// What a packet brings beyond `Packet` and `Tape` while an expression is judged on it: the
/// message bytes the ranges point into, the capture record, and reusable scratch memory.
struct MatchEnvironment {
    let message: UnsafeRawBufferPointer
    let record: MatchRecord
    let hasRecord: Bool
    /// The caller's scratch, in place.
    let scratch: UnsafeMutablePointer<MatchScratch>
    /// Where this expression's leaves start in `scratch.leafHits` (its place in a rule set).
    var leafBase = 0
}

/// The capture record's fields, copied out of whatever `RecordFields` the caller has (nine
/// scalars), so that the compiled nodes need no generic parameter.
struct MatchRecord: RecordFields {
    var frame = 0, index = 0
    var seconds: Int64 = 0
    var nanoseconds: UInt32 = 0
    var lengthIncluded = 0, lengthOriginal = 0
    var truncated = false, timeClamped = false
    var fileIndex = 0

    init() {}

    init<R: RecordFields>(_ r: R) {
        frame = r.frame
        index = r.index
        seconds = r.seconds
        nanoseconds = r.nanoseconds
        lengthIncluded = r.lengthIncluded
        lengthOriginal = r.lengthOriginal
        truncated = r.truncated
        timeClamped = r.timeClamped
        fileIndex = r.fileIndex
    }
}

/// Memory an expression uses while it is judged, kept by the caller from packet to packet (one
/// per thread): text of numbers and addresses for regular expressions, the regex engine's
/// thread lists. Grows to what the largest packet needed, then is reused: no allocation.
public struct MatchScratch {
    var text: [UInt8] = []
    var regex = MatchRegex.Scratch()
    /// The tape index of the program-body entry that made the last match hold (the first one
    /// found), or nil when no body field took part: `Pktt` turns it into the matched NFS op.
    public internal(set) var matchedEntry: Int?
    /// Per body leaf (`MatchBodyLeaf`) of the expression or rule set being judged: 0, or the
    /// tape index of the first entry that satisfied it plus one.
    var leafHits: [UInt32] = []
    /// A leaf's result taken from another message (the call of a transaction): it holds, but
    /// at no entry of this packet's tape.
    static let carriedHit = UInt32.max

    public init() {}
}

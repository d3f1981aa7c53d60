import Decode

/// Several expressions judged together on each packet, as a daemon's rules are: every one is
/// judged (none stops the others), and their body comparisons (`NFS.status != 0`,
/// `NFS.argop == 38`, …) are judged in one pass over the tape for all of them, not one pass
/// each.
///
///     let rules = MatchRuleSet([try MatchExpression("NFS.status != 0"), …])
///     var scratch = MatchScratch()
///     rules.matches(packet, tape: tape, message: bytes, scratch: &scratch) { rule, _ in hits[rule] += 1 }
public struct MatchRuleSet: Sendable {
    public let expressions: [MatchExpression]
    /// How deep packets must be decoded for the deepest of them.
    public let depth: MatchDepth
    private let leaves: MatchLeafTable?
    /// Where each expression's leaves start in the merged table.
    private let leafBases: [Int]
    private let usesRecord: Bool
    private let rules: [Rule]

    /// What judging an expression takes, without copying the expression (which would retain
    /// all it holds, per packet).
    private struct Rule {
        let root: Unmanaged<MatchPredicate>
        let leafBase: Int
        /// `LayerSet` bits the packet must have (`MatchNeeds`).
        let needs: UInt32
        /// For an expression that is one body leaf: its place in `leafHits`; else -1.
        let leaf: Int
    }

    public init(_ expressions: [MatchExpression]) {
        self.expressions = expressions
        depth = expressions.map(\.depth).max() ?? .transport
        var bases: [Int] = [], base = 0
        for e in expressions {
            bases.append(base)
            base += e.leafParts.leafCount
        }
        leafBases = bases
        leaves = base == 0 ? nil : MatchLeafTable(merging: expressions.map(\.leafParts))
        usesRecord = expressions.contains { $0.usesRecord }
        rules = zip(expressions, bases).map { e, base in
            let pure = e.root as? MatchBodyLeaf
            let leaf = pure.map { $0.procedureFallback ? -1 : base + $0.slot } ?? -1
            // the expressions array holds the roots: unretained references are safe while it lives
            return Rule(root: Unmanaged.passUnretained(e.root), leafBase: base, needs: MatchNeeds.of(e.root), leaf: leaf)
        }
    }

    /// Calls `matched` with the position of each expression that `packet` matches, in order, and
    /// the tape entry of the body field that made it match (nil when none took part).
    public func matches<R: RecordFields>(inPlace packet: inout Packet, tape: inout Tape, message: UnsafeRawBufferPointer,
                                         record: R, scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        let r = usesRecord ? MatchRecord(record) : MatchRecord()
        withUnsafePointer(to: &packet) { p in
            withUnsafePointer(to: &tape) { t in judge(p, t, message, r, hasRecord: true, &scratch, matched) }
        }
    }

    /// Body comparisons (leaves) of all expressions, in the order the rule set keeps them.
    public var leafCount: Int { leafBases.last.map { $0 + (expressions.last?.leafParts.leafCount ?? 0) } ?? 0 }

    /// Judges only the body comparisons on a packet's tape and returns which of the first 128
    /// held: what a call hands on to its reply when rules judge the transaction
    /// (`matches(…, carried:)`).
    public func leafResults(_ tape: inout Tape, message: UnsafeRawBufferPointer, scratch: inout MatchScratch)
        -> (UInt64, UInt64) {
        guard let leaves else { return (0, 0) }
        withUnsafePointer(to: &tape) { leaves.judge($0, message, into: &scratch.leafHits) }
        var bits: (UInt64, UInt64) = (0, 0)
        for i in 0..<min(128, scratch.leafHits.count) where scratch.leafHits[i] != 0 {
            if i < 64 { bits.0 |= 1 << UInt64(i) } else { bits.1 |= 1 << UInt64(i - 64) }
        }
        return bits
    }

    /// As `matches(inPlace:…)`, with the leaves another message satisfied (`leafResults` of
    /// the call, for a reply) holding too: a body field of a transaction is the call's or
    /// the reply's, as the seed's flat namespace reads any op of a compound.
    public func matches<R: RecordFields>(inPlace packet: inout Packet, tape: inout Tape, message: UnsafeRawBufferPointer,
                                         record: R, carried: (UInt64, UInt64), scratch: inout MatchScratch,
                                         _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        let r = usesRecord ? MatchRecord(record) : MatchRecord()
        withUnsafePointer(to: &packet) { p in
            withUnsafePointer(to: &tape) { t in
                judge(p, t, message, r, hasRecord: true, carried: carried, &scratch, matched)
            }
        }
    }

    /// The same for a packet captured as `record`, handed over as values.
    public func matches<R: RecordFields>(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer, record: R,
                                         scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        let r = usesRecord ? MatchRecord(record) : MatchRecord()
        withUnsafePointer(to: packet) { p in
            withUnsafePointer(to: tape) { t in judge(p, t, message, r, hasRecord: true, &scratch, matched) }
        }
    }

    /// The same for a packet without its capture record (`record.*` fields are absent).
    public func matches(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer,
                        scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        withUnsafePointer(to: packet) { p in
            withUnsafePointer(to: tape) { t in judge(p, t, message, MatchRecord(), hasRecord: false, &scratch, matched) }
        }
    }

    private func judge(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ message: UnsafeRawBufferPointer,
                       _ record: MatchRecord, hasRecord: Bool, carried: (UInt64, UInt64) = (0, 0),
                       _ scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        if let leaves {
            leaves.judge(t, message, into: &scratch.leafHits)
            if carried != (0, 0) {
                for i in 0..<min(128, scratch.leafHits.count) where scratch.leafHits[i] == 0 {
                    let bit = i < 64 ? carried.0 >> UInt64(i) : carried.1 >> UInt64(i - 64)
                    if bit & 1 != 0 { scratch.leafHits[i] = MatchScratch.carriedHit }
                }
            }
        }
        withUnsafeMutablePointer(to: &scratch) { s in
            var e = MatchEnvironment(message: message, record: record, hasRecord: hasRecord, scratch: s)
            // the roots alone, not the expressions: copying those would retain all they hold
            let layers = p.pointee.layers.rawValue
            rules.withUnsafeBufferPointer { rules in
                for i in rules.indices {
                    let rule = rules[i]
                    // an expression that needs a layer this packet lacks cannot hold
                    guard layers & rule.needs == rule.needs else { continue }
                    s.pointee.matchedEntry = nil
                    if rule.leaf >= 0 {
                        // a lone body comparison: its leaf's result is the answer
                        let hit = s.pointee.leafHits[rule.leaf]
                        guard hit != 0 else { continue }
                        s.pointee.matchedEntry = hit == MatchScratch.carriedHit ? nil : Int(hit - 1)
                    } else {
                        e.leafBase = rule.leafBase
                        guard rule.root._withUnsafeGuaranteedRef({ $0.test(p, t, &e) }) else { continue }
                    }
                    matched(i, s.pointee.matchedEntry)
                }
            }
        }
    }
}

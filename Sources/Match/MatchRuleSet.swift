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
                       _ record: MatchRecord, hasRecord: Bool, _ scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        if let leaves { leaves.judge(t, message, into: &scratch.leafHits) }
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
                        s.pointee.matchedEntry = Int(hit - 1)
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

import Match

import Track

/// The rules split by when they are judged, each group one `MatchRuleSet` (one pass over a
/// packet's body for all the rules of the group). Built once; workers share it.
public final class CompiledRules: Sendable {
    /// No-reply rules are a bit each in a call's marks.
    public static let maximumNoReplyRules = 32
    /// The body comparisons of transaction rules a call hands on to its reply.
    public static let maximumTransactionLeaves = 128

    public let rules: [Rule]
    /// What each rule's events say of it (its name and severity), kept apart from the rest of
    /// the rule so that an event copies one string, not the rule.
    let headings: [RuleHeading]
    /// Per phase: the rule set and, for each of its expressions, the rule's position in `rules`.
    let packet: Group
    let call: Group
    let reply: Group
    let transaction: Group
    /// No-reply rules with an expression (judged on calls) and their bit; `watchAll` the bits of
    /// those that watch every call.
    let watch: Group
    let watchBits: [UInt32]
    let watchAll: UInt32
    /// Per no-reply bit: the rule and its deadline.
    let noReply: [(rule: Int, after: Int64, grace: Int64)]
    /// The longest grace of `noReply`.
    let noReplyGrace: Int64
    /// Calls must carry marks to their replies (transaction leaves, no-reply watches, or the
    /// transaction records' file handle and main op).
    let marksCalls: Bool
    public let depth: DecodeDepth

    struct Group: Sendable {
        let set: MatchRuleSet
        let rules: [Int]
        var isEmpty: Bool { rules.isEmpty }

        init(_ all: [Rule], _ pick: (Rule) -> Bool) {
            let chosen = all.indices.filter { pick(all[$0]) && all[$0].expression != nil }
            rules = chosen
            set = MatchRuleSet(chosen.map { all[$0].expression! })
        }
    }

    /// `transactions`: every transaction gets an event too (`--transactions`).
    public init(_ rules: [Rule], transactions: Bool = false) throws(RuleError) {
        var names = Set<String>()
        for rule in rules where !names.insert(rule.name).inserted {
            throw RuleError("rule '\(rule.name)' is defined twice")
        }
        self.rules = rules
        headings = rules.map { RuleHeading(name: $0.name, severity: $0.severity) }
        packet = Group(rules) { $0.phase == .packet }
        call = Group(rules) { $0.phase == .call && $0.noReplyAfter == nil }
        reply = Group(rules) { $0.phase == .reply }
        transaction = Group(rules) { $0.phase == .transaction }
        watch = Group(rules) { $0.noReplyAfter != nil }
        let noReplyRules = rules.indices.filter { rules[$0].noReplyAfter != nil }
        guard noReplyRules.count <= Self.maximumNoReplyRules else {
            throw RuleError("at most \(Self.maximumNoReplyRules) rules may have no_reply_after (there are \(noReplyRules.count))")
        }
        noReply = noReplyRules.map { ($0, rules[$0].noReplyAfter!, min(rules[$0].noReplyAfter!, 1_000_000_000)) }
        noReplyGrace = noReply.map(\.grace).max() ?? 0
        watchBits = watch.rules.map { r in UInt32(1) << UInt32(noReplyRules.firstIndex(of: r)!) }
        var all: UInt32 = 0
        for (bit, r) in noReplyRules.enumerated() where rules[r].expression == nil { all |= 1 << UInt32(bit) }
        watchAll = all
        guard transaction.set.leafCount <= Self.maximumTransactionLeaves else {
            throw RuleError("transaction rules compare body fields \(transaction.set.leafCount) times together; at most \(Self.maximumTransactionLeaves)")
        }
        marksCalls = !transaction.isEmpty || !noReplyRules.isEmpty || transactions
        // Events say what an NFS message was about (ops, status, file handle) whatever the rule
        // looked at: bodies are always decoded.
        depth = .all
    }
}

/// A rule as its events name it.
struct RuleHeading: Sendable {
    let name: String
    let severity: RuleSeverity
}

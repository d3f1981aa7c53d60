import Foundation
import Match

/// One rule of the daemon: a match expression, when it is judged, how loud its events are,
/// and how often they may repeat.
public struct Rule: Sendable {
    public var name: String
    /// The expression as written (empty for a no-reply rule that watches every call).
    public var text: String
    /// The compiled expression; nil when `text` is empty.
    public var expression: MatchExpression?
    public var phase: RulePhase
    public var severity: RuleSeverity
    /// Fire for a call (matching the expression) still unanswered this long after it was sent,
    /// in capture time (nanoseconds); the rule then judges calls only.
    public var noReplyAfter: Int64?
    public var suppression: RuleSuppression?

    public init(name: String, text: String, phase: RulePhase = .transaction, severity: RuleSeverity = .warning,
                noReplyAfter: Int64? = nil, suppression: RuleSuppression? = nil) throws(RuleError) {
        guard RuleName.isValid(name) else {
            throw RuleError("rule name '\(name)': use letters, digits, '-', '_' and '.' (at most 64)")
        }
        self.name = name
        self.text = text
        self.phase = noReplyAfter == nil ? phase : .call
        self.severity = severity
        self.noReplyAfter = noReplyAfter
        self.suppression = suppression
        if text.allSatisfy(\.isWhitespace) {
            guard noReplyAfter != nil else { throw RuleError("rule '\(name)': no expression") }
            expression = nil
        } else {
            do {
                expression = try MatchExpression(text)
            } catch {
                throw RuleError("rule '\(name)': \(error)")
            }
        }
        if let noReplyAfter, noReplyAfter <= 0 {
            throw RuleError("rule '\(name)': no_reply_after must be more than 0")
        }
    }

    /// `NAME: EXPR`, as `--rule` takes it (the rule is judged on transactions, severity warning).
    public init(argument: String) throws(RuleError) {
        guard let colon = argument.firstIndex(of: ":") else {
            throw RuleError("--rule '\(argument)': expected NAME: EXPRESSION")
        }
        let name = argument[..<colon].trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: colon)...])
        try self.init(name: name, text: text)
    }
}

/// When a rule is judged.
public enum RulePhase: String, Sendable, CaseIterable {
    /// Every packet (headers only: `TCP.flags.SYN == 1`).
    case packet
    /// Every RPC call, with the call's fields.
    case call
    /// Every RPC reply, paired or not, with the reply's fields (and the call's program,
    /// version and procedure when its call was seen).
    case reply
    /// Every reply whose call was seen, with both: the call's body fields and the reply's
    /// (`NFS.argop == 25 and NFS.status != 0`), `RPC.latency` included.
    case transaction
}

/// How serious a rule's events are: `log.level` in the event, and ECS's numeric
/// `event.severity`.
public enum RuleSeverity: String, Sendable, CaseIterable {
    case info, notice, warning, error, critical

    public var number: Int {
        switch self {
        case .info: 20
        case .notice: 30
        case .warning: 40
        case .error: 60
        case .critical: 80
        }
    }
}

/// At most one event per key per interval (capture time); the next event that goes out says
/// how many were held back.
public struct RuleSuppression: Sendable, Equatable {
    public var keys: [EventKey]
    public var interval: Int64

    public init(keys: [EventKey], interval: Int64) {
        self.keys = keys
        self.interval = interval
    }
}

/// A rule that cannot be used, and why.
public struct RuleError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

enum RuleName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || (0x30...0x39).contains($0)
                || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }
}

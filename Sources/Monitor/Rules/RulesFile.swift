import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Match
import Yams

/// A rules file: YAML, a list of rules under `rules:` (or the list alone).
///
///     rules:
///       - name: nfs-error
///         match: NFS.status != 0
///         on: transaction            # packet | call | reply | transaction (default)
///         severity: warning          # info | notice | warning | error | critical
///         suppress: {keys: [client.ip], interval: 1m}
///       - name: nfs-no-reply
///         match: RPC.program == 100003
///         no_reply_after: 5s
///
/// Every error names the file, line and column; an expression's error names its column within
/// the file.
public enum RulesFile {
    static let ruleKeys = ["name", "match", "on", "severity", "no_reply_after", "suppress"]

    /// Larger than any rules file a person writes: refused rather than read into memory.
    static let maximumBytes = 16 << 20

    public static func load(path: String) throws(RuleError) -> [Rule] {
        try parse(try readText(path), path: path)
    }

    /// The file's text, or an error that says what is wrong with it in words.
    static func readText(_ path: String) throws(RuleError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RuleError("\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { throw RuleError("\(path): is a directory, not a rules file") }
        guard (info.st_mode & S_IFMT) == S_IFREG || path == "/dev/null" else {
            throw RuleError("\(path): not a regular file")
        }
        guard info.st_size <= maximumBytes else { throw RuleError("\(path): larger than \(maximumBytes >> 20) MiB") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuleError("\(path): cannot read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count <= maximumBytes {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw RuleError("\(path): cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RuleError("\(path): not UTF-8 text")
        }
        return text
    }

    public static func parse(_ text: String, path: String) throws(RuleError) -> [Rule] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw RuleError("\(path): \(yamlMessage(error))")
        } catch {
            throw RuleError("\(path): \(error)")
        }
        guard let root else { return [] }
        var list = root
        if let mapping = root.mapping {
            for (key, _) in mapping where key.string != "rules" {
                throw RuleError(at(path, key) + "unknown key '\(key.string ?? "?")' (a rules file has 'rules:')")
            }
            guard let rules = mapping["rules"] else { return [] }
            list = rules
        }
        guard let sequence = list.sequence else {
            throw RuleError(at(path, list) + "expected a list of rules")
        }
        var rules: [Rule] = []
        var names = Set<String>()
        for node in sequence {
            let rule = try self.rule(node, path: path)
            guard names.insert(rule.name).inserted else {
                throw RuleError(at(path, node) + "rule '\(rule.name)' is defined twice")
            }
            rules.append(rule)
        }
        return rules
    }

    /// `file:line:column: ` of a node.
    static func at(_ path: String, _ node: Node) -> String {
        guard let mark = node.mark else { return "\(path): " }
        return "\(path):\(mark.line):\(mark.column): "
    }

    static func rule(_ node: Node, path: String) throws(RuleError) -> Rule {
        guard let mapping = node.mapping else {
            throw RuleError(at(path, node) + "a rule is a mapping with name: and match:")
        }
        for (key, _) in mapping {
            let name = key.string ?? ""
            guard ruleKeys.contains(name) else {
                let near = ruleKeys.min { editDistance($0, name) < editDistance($1, name) } ?? ""
                let hint = editDistance(near, name) <= 3 ? " (did you mean '\(near)'?)" : ""
                throw RuleError(at(path, key) + "unknown key '\(name)'\(hint); a rule has " + ruleKeys.joined(separator: ", "))
            }
        }
        func scalar(_ key: String) throws(RuleError) -> (String, Node)? {
            guard let value = mapping[key] else { return nil }
            guard let text = value.string, value.scalar != nil else {
                throw RuleError(at(path, value) + "\(key): expected a single value")
            }
            return (text, value)
        }
        guard let (name, nameNode) = try scalar("name") else {
            throw RuleError(at(path, node) + "a rule needs a name:")
        }
        var phase = RulePhase.transaction
        if let (text, at) = try scalar("on") {
            guard let p = RulePhase(rawValue: text) else {
                throw RuleError(Self.at(path, at) + "on: '\(text)': expected " + RulePhase.allCases.map(\.rawValue).joined(separator: ", "))
            }
            phase = p
        }
        var severity = RuleSeverity.warning
        if let (text, at) = try scalar("severity") {
            guard let s = RuleSeverity(rawValue: text.lowercased()) else {
                throw RuleError(Self.at(path, at) + "severity: '\(text)': expected " + RuleSeverity.allCases.map(\.rawValue).joined(separator: ", "))
            }
            severity = s
        }
        var noReply: Int64?
        if let (text, at) = try scalar("no_reply_after") {
            do { noReply = try DurationText.nanoseconds(text) } catch { throw RuleError(Self.at(path, at) + "no_reply_after: \(error)") }
        }
        var suppression: RuleSuppression?
        if let value = mapping["suppress"] {
            suppression = try self.suppression(value, path: path)
        }
        let expression = try scalar("match")
        guard expression != nil || noReply != nil else {
            throw RuleError(at(path, node) + "rule '\(name)' needs match: (or no_reply_after:)")
        }
        do {
            return try Rule(name: name, text: expression?.0 ?? "", phase: phase, severity: severity,
                            noReplyAfter: noReply, suppression: suppression)
        } catch {
            // point at the expression (and at its column) or at the name
            // on one line, the expression's column is a column of the file; a scalar folded
            // over several lines is pointed at by its start (the message names the column
            // within the expression)
            if let (text, node) = expression, let column = Self.column(of: error, in: text), let mark = node.mark,
               !text.contains("\n"), let style = node.scalar?.style, style == .plain || style == .singleQuoted || style == .doubleQuoted,
               style != .doubleQuoted || !text.contains("\\"), style != .singleQuoted || !text.contains("'") {
                let quoted = style == .doubleQuoted || style == .singleQuoted
                throw RuleError("\(path):\(mark.line):\(mark.column + column - 1 + (quoted ? 1 : 0)): \(error)")
            }
            throw RuleError(at(path, expression?.1 ?? nameNode) + "\(error)")
        }
    }

    static func suppression(_ node: Node, path: String) throws(RuleError) -> RuleSuppression {
        guard let mapping = node.mapping else {
            throw RuleError(at(path, node) + "suppress: expected {keys: [...], interval: DURATION}")
        }
        for (key, _) in mapping where key.string != "keys" && key.string != "interval" {
            throw RuleError(at(path, key) + "unknown key '\(key.string ?? "?")' in suppress (keys, interval)")
        }
        var keys: [EventKey] = []
        if let list = mapping["keys"] {
            guard list.mapping == nil else { throw RuleError(at(path, list) + "keys: expected a list of event fields") }
            let items = list.sequence.map { Array($0) } ?? [list]
            for item in items {
                do { keys.append(try EventKey.named(item.string ?? "")) } catch { throw RuleError(at(path, item) + "\(error)") }
            }
        }
        guard let interval = mapping["interval"] else {
            throw RuleError(at(path, node) + "suppress needs an interval:")
        }
        do {
            let ns = try DurationText.nanoseconds(interval.string ?? "")
            guard ns > 0 else { throw RuleError("interval must be more than 0") }
            return RuleSuppression(keys: keys, interval: ns)
        } catch {
            throw RuleError(at(path, interval) + "interval: \(error)")
        }
    }

    /// The column a match expression's error names ("… at column N"), when it names one.
    static func column(of error: RuleError, in text: String) -> Int? {
        guard let range = error.description.range(of: "column ") else { return nil }
        let digits = error.description[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    static func yamlMessage(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return "\(mark.line):\(mark.column): \(problem)"
        default:
            return "\(error)"
        }
    }
}

import Foundation
import Monitor
import PcapIO

enum MonitorFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Every capture among the fixtures (not the fuzzer's inputs).
    static var captures: [String] {
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        return files.filter { f in
            !f.hasPrefix("fuzz/") && [".pcap", ".pcapng", ".cap", ".erf"].contains { f.hasSuffix($0) }
        }.sorted()
    }
}

/// One event line, parsed.
struct EventLine {
    let text: String
    let object: [String: Any]

    init(_ text: String) throws {
        self.text = text
        guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw MonitorTestError("not a JSON object: \(text)")
        }
        object = o
    }

    subscript(path: String) -> Any? {
        var v: Any? = object
        for part in path.split(separator: ".") { v = (v as? [String: Any])?[String(part)] }
        return v
    }

    var kind: String { self["event.kind"] as? String ?? "" }
    var rule: String? { self["rule.name"] as? String }
}

struct MonitorTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs the monitor in this process on `source`, writing to a temporary file; returns its lines.
func runMonitor(_ source: MonitorSource, rules: [Rule], workers: Int = 1, transactions: Bool = false,
                configure: (inout MonitorConfiguration) -> Void = { _ in }) throws -> (lines: [EventLine], summary: MonitorSummary) {
    let path = NSTemporaryDirectory() + "pktt-monitor-\(UUID().uuidString).jsonl"
    defer { try? FileManager.default.removeItem(atPath: path) }
    var c = MonitorConfiguration(source: source)
    c.rules = rules
    c.workers = workers
    c.transactions = transactions
    c.output = path
    configure(&c)
    let monitor = try Monitor(c)
    let summary = monitor.run()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return (try text.split(separator: "\n").map { try EventLine(String($0)) }, summary)
}

import Foundation

/// Where the committed capture fixtures live.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A tshark `-T fields -E header=y` table: one dictionary per row, empty fields left out.
    static func tsharkTable(_ relative: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: path(relative), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            var row: [String: String] = [:]
            for (name, value) in zip(header, line.split(separator: "\t", omittingEmptySubsequences: false))
            where !value.isEmpty {
                row[name] = String(value)
            }
            return row
        }
    }
}

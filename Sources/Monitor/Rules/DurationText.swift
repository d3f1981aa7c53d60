import Foundation

/// Durations as configurations write them: `250ms`, `5s`, `2m`, `1h`, `1d`, `100us`, a bare
/// number of seconds (`0.5`); returned in nanoseconds.
public enum DurationText {
    public static let maximum: Int64 = 366 * 86_400 * 1_000_000_000

    public static func nanoseconds(_ text: String) throws(RuleError) -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9),
                                         ("h", 3600e9), ("d", 86_400e9)]
        var number = Substring(t), scale = 1e9
        for (suffix, s) in units where t.hasSuffix(suffix) {
            let head = t.dropLast(suffix.count)
            // "ms" also ends in "s": take the longest unit whose number part parses
            if Double(head) != nil {
                number = head
                scale = s
                break
            }
        }
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw RuleError("bad duration '\(text)': expected a number with a unit (250ms, 5s, 2m, 1h)")
        }
        let ns = value * scale
        guard ns <= Double(maximum) else { throw RuleError("duration '\(text)' is more than a year") }
        return Int64(ns.rounded())
    }
}

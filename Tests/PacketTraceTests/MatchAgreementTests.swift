import Foundation
import Testing
import PacketTrace

/// One row of `Tests/Fixtures/match/agreement.tsv`: a match expression, the tshark display filter
/// that means the same, and the frames tshark selects with it (written by `scripts/match-truth`).
struct MatchAgreementCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// Relative to the repository (`Tests/Fixtures/…`), or `corpus/…` for the shared corpus.
    var capture: String
    var pktt: String
    var tshark: String
    var frames: Set<Int>

    var testDescription: String { "\(name): \(pktt)" }
    var inCorpus: Bool { capture.hasPrefix("corpus/") }

    var path: String {
        if inCorpus {
            return CorpusNFSTests.corpus.appendingPathComponent(String(capture.dropFirst("corpus/".count))).path
        }
        return MatchAgreement.repository.appendingPathComponent(capture).path
    }
}

enum MatchAgreement {
    static let repository = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let columns = ["name", "capture", "pktt", "tshark", "frames"]

    struct BadTable: Error, CustomStringConvertible {
        var description: String
    }

    /// The rows of a tab-separated table with a header row (`#` lines are comments).
    static func table(_ relative: String, columns: [String]) throws -> [[String]] {
        let text = try String(contentsOfFile: Fixtures.path(relative), encoding: .utf8)
        var rows: [[String]] = []
        var header: [String]?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated()
        where !line.hasPrefix("#") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard header != nil else {
                guard cells == columns else { throw BadTable(description: "\(relative): header \(cells), expected \(columns)") }
                header = cells
                continue
            }
            guard cells.count == columns.count else {
                throw BadTable(description: "\(relative) line \(number + 1): \(cells.count) columns, expected \(columns.count)")
            }
            rows.append(cells)
        }
        return rows
    }

    static func read() throws -> [MatchAgreementCase] {
        try table("match/agreement.tsv", columns: columns).map { c in
            MatchAgreementCase(name: c[0], capture: c[1], pktt: c[2], tshark: c[3],
                               frames: Set(c[4].split(separator: ",").compactMap { Int($0) }))
        }
    }

    /// Every case (empty if the file cannot be read: `tableIsComplete` then fails and says why).
    static let cases: [MatchAgreementCase] = (try? read()) ?? []
    static let fixtureCases = cases.filter { !$0.inCorpus }
    static let corpusCases = cases.filter(\.inCorpus)
    static let corpusPresent = FileManager.default.fileExists(atPath: CorpusNFSTests.corpus.path)

    /// The frames holding a packet that the expression matches, read through `Pktt` as a user would.
    static func frames(_ c: MatchAgreementCase) throws -> Set<Int> {
        let expression = try MatchExpression(c.pktt)
        let trace = try Pktt(files: [c.path])
        var scratch = MatchScratch()
        var frames = Set<Int>()
        while try trace.next() {
            if trace.matches(expression, scratch: &scratch) { frames.insert(trace.record.frame) }
        }
        return frames
    }

    /// Where two frame sets differ, the first few frames of each side.
    static func difference(pktt: Set<Int>, tshark: Set<Int>, show: Int = 8) -> String {
        func first(_ s: Set<Int>) -> String {
            let sorted = s.sorted()
            return sorted.prefix(show).map(String.init).joined(separator: ", ") + (sorted.count > show ? " … (\(sorted.count))" : "")
        }
        var parts: [String] = []
        let extra = pktt.subtracting(tshark), missing = tshark.subtracting(pktt)
        if !extra.isEmpty { parts.append("pktt alone selects frames \(first(extra))") }
        if !missing.isEmpty { parts.append("tshark alone selects frames \(first(missing))") }
        return parts.joined(separator: "; ") + " (pktt \(pktt.count) frames, tshark \(tshark.count))"
    }

    static func check(_ c: MatchAgreementCase) throws {
        let got = try frames(c)
        if got != c.frames {
            Issue.record("\(c.name) on \(c.capture): \(c.pktt) ↔ \(c.tshark): \(difference(pktt: got, tshark: c.frames))")
        }
    }
}

/// The match language selects the frames tshark's equivalent display filter selects, case by case
/// (`Tests/Fixtures/match/README.md`: the cases, how they were made, where tshark differs).
@Suite("Match expressions against tshark's display filters")
struct MatchAgreementTests {
    @Test("The table: every case of cases.tsv has tshark's frames, each a real subset, on captures that exist")
    func tableIsComplete() throws {
        let rows = try MatchAgreement.read()
        #expect(rows.count >= 20)
        let cases = try MatchAgreement.table("match/cases.tsv", columns: ["name", "capture", "pktt", "tshark"])
        // agreement.tsv is written from cases.tsv: the same cases, in the same order
        #expect(cases == rows.map { [$0.name, $0.capture, $0.pktt, $0.tshark] },
                "cases.tsv and agreement.tsv differ: rerun scripts/match-truth")
        #expect(Set(rows.map(\.name)).count == rows.count, "a case name is used twice")
        for c in rows {
            #expect(!c.frames.isEmpty, "\(c.name): tshark selects no frame")
            if !c.inCorpus || MatchAgreement.corpusPresent {
                #expect(FileManager.default.fileExists(atPath: c.path), "\(c.name): no capture at \(c.path)")
            }
        }
        #expect(MatchAgreement.fixtureCases.count >= 20)
    }

    @Test("Committed captures: pktt's frames are tshark's", arguments: MatchAgreement.fixtureCases)
    func fixtures(_ c: MatchAgreementCase) throws {
        try MatchAgreement.check(c)
    }

    @Test("Shared corpus captures: pktt's frames are tshark's (skipped without ../shared/corpus)",
          .enabled(if: MatchAgreement.corpusPresent, "the shared corpus is not beside the repository"),
          arguments: MatchAgreement.corpusCases)
    func corpus(_ c: MatchAgreementCase) throws {
        try MatchAgreement.check(c)
    }
}

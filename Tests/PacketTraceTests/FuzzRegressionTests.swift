import Foundation
import Testing

/// Every input a fuzzer found a crash with (Tests/Fixtures/fuzz/crashes/<target>/), replayed
/// through every fuzz target on the normal, unsanitized build. The targets' code is the fuzz
/// package's own (FuzzHarness links to Fuzz/Sources/FuzzCommon), so what is replayed here is
/// what the fuzzer ran. Each input runs in a child process (an exit test): a trap fails that
/// input, not the whole suite.
///
/// An input whose crash is not fixed yet is listed in Tests/Fixtures/fuzz/known-crashes.txt with
/// where it crashes; it is replayed as a known issue, intermittent because a use-after-free
/// need not trap without ASan. Remove its line once the fix is in.
@Suite("Fuzz regression inputs")
struct FuzzRegressionTests {
    static let crashes = Fixtures.root.appendingPathComponent("fuzz/crashes")

    /// "FuzzPacket/crash-a5f5…", sorted; READMEs left out.
    static let inputs: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: crashes.path) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = crashes.appendingPathComponent(relative).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !relative.hasPrefix("README"), !relative.hasPrefix(".") else { continue }
            found.append(relative)
        }
        return found.sorted()
    }()

    /// known-crashes.txt: "<target>/<file> <where it crashes and how>" per line, # comments.
    static let known: [String: String] = {
        let path = Fixtures.path("fuzz/known-crashes.txt")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var known: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { known[String(parts[0])] = String(parts[1]) }
        }
        return known
    }()

    @Test("The crash inputs are found: the directory exists and holds the committed inputs")
    func inputsAreFound() {
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: Self.crashes.path, isDirectory: &isDirectory)
                && isDirectory.boolValue, "Tests/Fixtures/fuzz/crashes is missing")
        #expect(Self.inputs.count > 0, "no crash inputs found under \(Self.crashes.path)")
        for name in Self.known.keys {
            #expect(Self.inputs.contains(name), "known-crashes.txt names \(name), which is not there")
        }
    }

    @Test("A crash input goes through every fuzz target without trapping", arguments: inputs)
    func replay(_ input: String) async {
        let path = Self.crashes.appendingPathComponent(input).path
        if let reason = Self.known[input] {
            await withKnownIssue(Comment(rawValue: reason), isIntermittent: true) {
                await Self.expectEveryTargetSurvives(path)
            }
        } else {
            await Self.expectEveryTargetSurvives(path)
        }
    }

    static func expectEveryTargetSurvives(_ path: String) async {
        await #expect(processExitsWith: .success) { [path] in
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            for target in FuzzTarget.allCases {
                bytes.withUnsafeBytes { target.run($0) }
            }
            ScratchFile.removeAll()
        }
    }
}

import Foundation
import Testing

/// Every input a fuzzer found a crash with (Tests/Fixtures/fuzz/crashes/<target>/), replayed
/// through the daemon's fuzz targets (FuzzRules, FuzzMonitor) on the normal, unsanitized build:
/// FuzzRegressionTests (PacketTraceTests) does the same for the decoder targets, and this suite
/// is apart only because that test target has no Monitor. The targets' code is the fuzz package's
/// own (FuzzMonitorHarness links to Fuzz/Sources/FuzzMonitorCommon), so what is replayed here is
/// what the fuzzer ran. Each input runs in a child process (an exit test): a trap fails that
/// input, not the whole suite. Inputs listed in Tests/Fixtures/fuzz/known-crashes.txt are
/// replayed as known issues, as there.
@Suite("Fuzz regression inputs through the daemon's targets")
struct FuzzMonitorRegressionTests {
    static let crashes = MonitorFixtures.root.appendingPathComponent("fuzz/crashes")

    /// "FuzzMonitor/crash-a5f5…", sorted; READMEs left out.
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
        let path = MonitorFixtures.path("fuzz/known-crashes.txt")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var known: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { known[String(parts[0])] = String(parts[1]) }
        }
        return known
    }()

    @Test("A crash input goes through the daemon's fuzz targets without trapping", arguments: inputs)
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
            for target in MonitorFuzzTarget.allCases {
                // the input is its own capture file
                bytes.withUnsafeBytes { target.run($0) { path } }
            }
        }
    }

    @Test("The monitor target's JSON check takes the daemon's lines and refuses what is not JSON")
    func jsonCheck() {
        func check(_ line: String) -> JSONLine { JSONLine(Array(line.utf8)[...]) }
        let good = #"{"@timestamp":"2024-01-01T00:00:00.000000Z","event":{"kind":"alert","id":"00ff","severity":40},"# +
            #""rpc":{"xid":"0x0d4b329c","retransmission":true},"a":[1,-0.5,2e10,null,false,"\u00e9\ud83d\ude00\n"],"b":{}}"#
        #expect(check(good).problem == nil)
        #expect(check(good).kind == "alert")
        for bad in [#"{"a":1}{"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", #"{"a":"\ud800"}"#,
                    #"{"a":"\udc00"}"#, #"{"a":1,"a":2}"#, #"{"a":tru}"#, #"[1]"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":"b"#] {
            #expect(check(bad).problem != nil, "\(bad)")
        }
        #expect(JSONLine([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d][...]).problem != nil)
    }
}

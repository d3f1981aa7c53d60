#if PKTT_FUZZ_PACKAGE
import PkttMonitor
#else
import Monitor
#endif

// Bytes (as UTF-8 text) as a rules file and as a `--rule NAME: EXPR` argument; whatever parses is
// compiled as `pktt run` compiles it, with and without transaction records.
extension MonitorFuzzTarget {
    static let rulesPath = "fuzz-rules.yaml"

    static func rules(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            compile(try RulesFile.parse(text, path: rulesPath))
        } catch {
            // every error of a rules file names the file (and where in it, when it can)
            if !error.description.hasPrefix(rulesPath + ":") { fatalError("a rules file error without its path: \(error)") }
        }
        do {
            compile([try Rule(argument: text)])
        } catch {
            _ = error.description
        }
    }

    private static func compile(_ rules: [Rule]) {
        for transactions in [false, true] {
            do {
                let compiled = try CompiledRules(rules, transactions: transactions)
                if compiled.rules.count != rules.count { fatalError("\(rules.count) rules compiled as \(compiled.rules.count)") }
            } catch {
                _ = error.description
            }
        }
    }
}

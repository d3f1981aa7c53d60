#if canImport(Glibc)
import Glibc
#endif

// libFuzzer calls this once before the first input (every target links FuzzCommon). The
// scratch files the capture targets write are removed when the run ends.
//
// With PKTT_FUZZ_SEEDS="FIXTURES_DIR:CORPUS_DIR" in the environment the binary writes the seed
// corpora of every target instead, and exits: a sanitized build links libFuzzer's `main`, so a
// separate seed-making executable could not have its own.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    if let spec = getenv("PKTT_FUZZ_SEEDS") {
        let parts = String(cString: spec).split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            print("PKTT_FUZZ_SEEDS must be FIXTURES_DIR:CORPUS_DIR")
            exit(2)
        }
        var corpus = SeedCorpus(directory: parts[1])
        for path in SeedCorpus.captures(under: parts[0]) { corpus.addCapture(path) }
        corpus.addExpressions(cases: parts[0] + "/match/cases.tsv")
        corpus.report()
        fflush(nil)
        _exit(0)  // no leak check: the seed maker is not under test
    }
    ScratchFile.removeAtExit()
    return 0
}

/// The fuzz targets, one per decoder. Each executable in Fuzz/ is `LLVMFuzzerTestOneInput`
/// calling one of these; the main package's FuzzRegressionTests compiles this library too and
/// replays the saved crash inputs through every target without sanitizers.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case captureFile = "FuzzCaptureFile"
    case captureGzip = "FuzzCaptureGzip"
    case captureMerged = "FuzzCaptureMerged"
    case packet = "FuzzPacket"
    case rpcStream = "FuzzRPCStream"
    case xdrBody = "FuzzXDRBody"
    case pipeline = "FuzzPipeline"
    case match = "FuzzMatch"

    /// One input, start to end. Never traps on any bytes (a trap is what the fuzzer finds).
    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .captureFile: Self.captureFile(bytes)
        case .captureGzip: Self.captureGzip(bytes)
        case .captureMerged: Self.captureMerged(bytes)
        case .packet: Self.packet(bytes)
        case .rpcStream: Self.rpcStream(bytes)
        case .xdrBody: Self.xdrBody(bytes)
        case .pipeline: Self.pipeline(bytes)
        case .match: Self.match(bytes)
        }
    }
}

/// The daemon's fuzz targets (`Sources/Monitor`): rules as a user writes them, and the whole
/// `pktt run` pipeline on a capture. Each executable in Fuzz/ is `LLVMFuzzerTestOneInput`
/// calling one of these; the main package's MonitorTests compiles this library too (through the
/// link Tests/MonitorTests/FuzzMonitorHarness) and replays the saved crash inputs through every
/// target without sanitizers. Apart from `FuzzTarget` (FuzzCommon) because the main package's
/// PacketTraceTests, which compiles that one, has no Monitor.
public enum MonitorFuzzTarget: String, CaseIterable, Sendable {
    case rules = "FuzzRules"
    case monitor = "FuzzMonitor"

    /// One input, start to end. Never traps on any bytes (a trap is what the fuzzer finds).
    /// `file`: the path of a file holding exactly `bytes` (the pipeline reads captures from
    /// files); asked for only by the targets that read one.
    public func run(_ bytes: UnsafeRawBufferPointer, file: () -> String) {
        switch self {
        case .rules: Self.rules(bytes)
        case .monitor: Self.monitor(bytes, capture: file())
        }
    }
}

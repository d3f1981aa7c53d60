import PacketTrace
#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on stderr for long runs: bytes done of the files' size, packets per second,
/// elapsed time. Drawn only where a person is watching.
struct ProgressBar {
    let enabled: Bool
    let totalBytes: Int64
    let start: Double
    var lastDraw: Double
    var drawn = false

    init(mode: ProgressMode, files: [String], forCounting: Bool) {
        switch mode {
        case .never: enabled = false
        case .always: enabled = true
        case .auto: enabled = isatty(2) != 0 && (forCounting || isatty(1) == 0)
        }
        var total: Int64 = 0
        for file in files {
            var st = stat()
            if stat(file, &st) == 0 { total += Int64(st.st_size) }
        }
        totalBytes = max(total, 1)
        start = Self.now()
        lastDraw = start
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    mutating func update(_ stats: TraceStatistics) {
        guard enabled else { return }
        let t = Self.now()
        guard t - lastDraw >= 0.25 else { return }
        lastDraw = t
        // Record headers are 16 bytes in pcap; close enough for a bar (gzip files are larger
        // uncompressed, so the bar is capped below 100 % until the end).
        let done = Int64(stats.bytes) + Int64(stats.packets) * 16
        let fraction = min(Double(done) / Double(totalBytes), 0.99)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let elapsed = t - start
        let rate = elapsed > 0 ? Double(stats.packets) / elapsed : 0
        var err = TextBuffer(descriptor: 2)
        err.append("\r[\(bar)] \(Int(fraction * 100))% \(stats.packets) packets \(Int(rate)) pkt/s \(Int(elapsed))s")
        err.flush()
        drawn = true
    }

    mutating func finish() {
        guard enabled && drawn else { return }
        var err = TextBuffer(descriptor: 2)
        err.append("\r\u{1b}[K")
        err.flush()
    }
}

import Foundation
#if PKTT_FUZZ_PACKAGE
import PkttMonitor
#else
import Monitor
#endif

// The whole of `pktt run -r CAPTURE --transactions` on the input as a capture file, with rules
// of every phase: once with 1 worker and once with 2. Every line written must be JSON, and the
// two runs must write the same alerts and transaction events, line for line (the daemon puts
// events in capture-time order whatever worker made them), and count the same hits per rule.
// The input's last byte (which is also the capture's) picks the batch size and the batches in
// flight, so that small batches interleave the workers.
extension MonitorFuzzTarget {
    static let batchRecords = [256, 1, 3, 32]

    /// PKTT_FUZZ_MONITOR_WORKERS_AGREE=0 leaves out the comparison of the two runs (every line
    /// is still checked): `scripts/fuzz --smoke` sets it while known-crashes.txt lists inputs on
    /// which the workers disagree, so that a 5-second run does not fail on a known finding.
    static let workersMustAgree: Bool = {
        guard let v = getenv("PKTT_FUZZ_MONITOR_WORKERS_AGREE") else { return true }
        return String(cString: v) != "0"
    }()

    static func monitor(_ bytes: UnsafeRawBufferPointer, capture path: String) {
        let knob = Int(bytes.last ?? 0)
        let batch = batchRecords[knob % batchRecords.count], inFlight = knob & 4 == 0 ? 8 : 1
        guard let one = MonitorFuzzRun(capture: path, workers: 1, batchRecords: batch, batchesInFlight: inFlight) else { return }
        guard let two = MonitorFuzzRun(capture: path, workers: 2, batchRecords: batch, batchesInFlight: inFlight) else {
            fatalError("the capture opened for 1 worker but not for 2")
        }
        guard workersMustAgree else { return }
        if one.events != two.events {
            let i = zip(one.events, two.events).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(one.events.count, two.events.count)
            fatalError("""
                1 and 2 workers (batches of \(batch), \(inFlight) in flight) wrote different events: \
                \(one.events.count) and \(two.events.count), first difference at event \(i):
                1: \(i < one.events.count ? one.events[i] : "(none)")
                2: \(i < two.events.count ? two.events[i] : "(none)")
                """)
        }
        if one.hitsPerRule != two.hitsPerRule {
            fatalError("1 and 2 workers counted different hits per rule: \(one.hitsPerRule) and \(two.hitsPerRule)")
        }
    }

    /// A rule of each phase, transaction rules that need the call's body and the reply's,
    /// no-reply rules (every call, and NFS calls only), and suppressed rules keyed on every key.
    static let monitorRules: [Rule] = {
        do {
            return [
                try Rule(name: "syn", text: "TCP.flags.SYN == 1 and TCP.flags.ACK == 0", phase: .packet, severity: .info),
                try Rule(name: "portmap-udp", text: "UDP.dst_port == 111", phase: .packet,
                         suppression: RuleSuppression(keys: [.clientIP, .serverPort, .action], interval: 1_000_000)),
                try Rule(name: "nfs-call", text: "RPC.program == 100003", phase: .call, severity: .notice,
                         suppression: RuleSuppression(keys: EventKey.allCases, interval: 1_000_000)),
                try Rule(name: "retransmission", text: "RPC.retransmission == 1", phase: .call),
                try Rule(name: "orphan-reply", text: "RPC.call_seen == 0", phase: .reply),
                try Rule(name: "reply-error", text: "NFS.status != 0", phase: .reply,
                         suppression: RuleSuppression(keys: [.nfsStatus, .fileHandle, .action, .uid], interval: 10_000_000)),
                try Rule(argument: "nfs-error: NFS.status != 0"),
                try Rule(name: "open-failed", text: "NFS.argop == 18 and NFS.status != 0", severity: .error),
                try Rule(name: "lookup-or-open-failed",
                         text: "(NFS.argop == 3 or NFS.argop == 15 or NFS.argop == 18) and NFS.status != 0"),
                try Rule(name: "mount-refused", text: "re.search(r'^/non', MOUNT.dirpath) or MOUNT.status != 0"),
                try Rule(name: "handle-failed", text: "crc32(NFS.fh) != 0 and NFS.status != 0",
                         suppression: RuleSuppression(keys: [.fileHandle], interval: 1_000_000_000)),
                try Rule(name: "slow", text: "RPC.latency > 0.0002",
                         suppression: RuleSuppression(keys: [.clientIP, .uid], interval: 1_000_000_000)),
                try Rule(name: "no-reply", text: "", noReplyAfter: 500_000),
                try Rule(name: "nfs-no-reply", text: "RPC.program == 100003", severity: .critical, noReplyAfter: 1_000_000,
                         suppression: RuleSuppression(keys: EventKey.allCases, interval: 5_000_000)),
            ]
        } catch {
            fatalError("the monitor target's rules: \(error)")
        }
    }()
}

/// One run of the daemon on a capture, its output to a scratch file read back and checked.
struct MonitorFuzzRun {
    /// The alert and transaction-record lines (`event.kind` "alert" and "event"), in order.
    var events: [String] = []
    var hitsPerRule: [Int]

    /// nil when the file is not a capture the daemon can open.
    init?(capture path: String, workers: Int, batchRecords: Int, batchesInFlight: Int) {
        let output = Self.outputPath(workers: workers)
        unlink(output)
        defer { unlink(output) }
        var c = MonitorConfiguration(source: .files([path]))
        c.rules = MonitorFuzzTarget.monitorRules
        c.transactions = true
        c.workers = workers
        c.output = output
        c.batchRecords = batchRecords
        c.batchesInFlight = batchesInFlight
        let monitor: Monitor
        do {
            monitor = try Monitor(c)
        } catch {
            _ = "\(error)"
            return nil
        }
        let summary = monitor.run()
        hitsPerRule = summary.hitsPerRule
        guard let data = FileManager.default.contents(atPath: output) else { fatalError("no output at \(output)") }
        // PKTT_FUZZ_MONITOR_KEEP=DIR keeps each run's whole output as DIR/workers-N.jsonl (to see
        // what a finding's two runs wrote: run the binary on that one input)
        if let keep = getenv("PKTT_FUZZ_MONITOR_KEEP") {
            FileManager.default.createFile(atPath: String(cString: keep) + "/workers-\(workers).jsonl", contents: data)
        }
        let text = [UInt8](data)
        guard text.last == 0x0a else { fatalError("the output does not end with a whole line") }
        for line in text.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast() {
            let json = JSONLine(line)
            if let problem = json.problem {
                fatalError("a line that is not JSON (\(problem)), \(workers) worker(s): \(String(decoding: line, as: UTF8.self))")
            }
            guard let kind = json.kind else {
                fatalError("a line without event.kind: \(String(decoding: line, as: UTF8.self))")
            }
            if kind == "alert" || kind == "event" { events.append(String(decoding: line, as: UTF8.self)) }
        }
        if summary.counters.events != events.count {
            fatalError("\(summary.counters.events) events counted, \(events.count) written (\(workers) worker(s))")
        }
    }

    /// In /dev/shm (memory, no disk), one per process and worker count.
    static func outputPath(workers: Int) -> String {
        let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        return "\(dir)/pktt-fuzz-\(getpid())-monitor-\(workers).jsonl"
    }
}

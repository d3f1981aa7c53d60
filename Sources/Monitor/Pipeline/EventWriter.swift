import Dispatch
import Foundation
import PacketTrace

/// The one writer: takes the workers' events, puts them in capture-time order (an event goes
/// out once every worker has passed its time), applies suppression, and writes the lines, one
/// `write` per batch. Also writes the statistics and lifecycle events. Used on its queue only.
final class EventWriter: @unchecked Sendable {
    let queue = DispatchQueue(label: "pktt.writer")
    private let output: EventOutput
    private let rules: CompiledRules
    /// Per worker, its outputs not yet written, each with its events sorted, and where the
    /// first one stands: the writer merges their heads.
    private var queues: [[WorkerOutput]]
    private var cursors: [[Int]]
    private var watermarks: [(order: Int64, index: Int)]
    private var finished: [Bool]
    private var workerCounters: [MonitorCounters]
    private var ruleHits: [[Int]]
    private var lines: [UInt8] = []
    private var lineCount = 0
    private var time = TimeText()
    /// Per rule and key: when the last event went out and how many were held back since.
    private var suppression: [SuppressionKey: (last: Int64, held: Int)] = [:]
    static let suppressionCapacity = 100_000
    private(set) var counters = MonitorCounters()
    /// Set when every worker has finished and everything is written.
    let done = DispatchSemaphore(value: 0)

    struct SuppressionKey: Hashable {
        var rule: Int
        var key: String
    }

    init(output: EventOutput, rules: CompiledRules, workers: Int) {
        self.output = output
        self.rules = rules
        queues = Array(repeating: [], count: workers)
        cursors = Array(repeating: [], count: workers)
        watermarks = Array(repeating: (.min, .min), count: workers)
        finished = Array(repeating: false, count: workers)
        workerCounters = Array(repeating: MonitorCounters(), count: workers)
        ruleHits = Array(repeating: Array(repeating: 0, count: rules.rules.count), count: workers)
    }

    /// A worker's batch of events (on the writer's queue).
    func take(_ o: WorkerOutput) {
        if !o.events.isEmpty {
            queues[o.worker].append(o)
            cursors[o.worker].append(0)
        }
        if (o.watermark, o.watermarkIndex) > watermarks[o.worker] { watermarks[o.worker] = (o.watermark, o.watermarkIndex) }
        workerCounters[o.worker] = o.counters
        ruleHits[o.worker] = o.ruleHits
        if o.finished { finished[o.worker] = true }
        release()
        if finished.allSatisfy({ $0 }) { done.signal() }
    }

    /// Writes every event no worker can still precede, earliest first. A worker's later output
    /// may hold events that go before some of an earlier one's (a no-reply event placed at its
    /// deadline), so the heads of all its outputs are looked at.
    private func release() {
        // strictly before every worker's mark: an event at a mark may still have company
        let through = watermarks.min { $0 < $1 } ?? (.min, .min)
        while true {
            var best: (worker: Int, output: Int)?
            var bestEvent: PendingEvent?
            for w in queues.indices {
                for k in queues[w].indices {
                    let e = queues[w][k].events[cursors[w][k]]
                    if (e.order, e.index) < through, bestEvent.map({ e < $0 }) ?? true {
                        best = (w, k)
                        bestEvent = e
                    }
                }
            }
            guard let (w, k) = best, let event = bestEvent else { break }
            queues[w][k].bytes.withUnsafeBufferPointer {
                emit(event, UnsafeBufferPointer(rebasing: $0[event.offset..<(event.offset + event.count)]))
            }
            cursors[w][k] += 1
            if cursors[w][k] == queues[w][k].events.count {
                queues[w].remove(at: k)
                cursors[w].remove(at: k)
            }
        }
        flush()
    }

    private func emit(_ event: PendingEvent, _ line: UnsafeBufferPointer<UInt8>) {
        var held = 0
        if event.rule >= 0, let key = event.suppressionKey, let s = rules.rules[event.rule].suppression {
            let k = SuppressionKey(rule: event.rule, key: key)
            if let entry = suppression[k], event.time >= entry.last, event.time - entry.last < s.interval {
                suppression[k] = (entry.last, entry.held + 1)
                counters.eventsSuppressed += 1
                return
            }
            held = suppression[k]?.held ?? 0
            if suppression[k] == nil && suppression.count >= Self.suppressionCapacity { makeRoom(now: event.time) }
            suppression[k] = (event.time, 0)
        }
        counters.events += 1
        lines.append(contentsOf: line)
        if held > 0 {
            lines.append(contentsOf: ",\"suppressed\":".utf8)
            lines.append(contentsOf: String(held).utf8)
        }
        lines.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "}"), 0x0a])
        lineCount += 1
    }

    /// Forgets the keys whose interval has passed; if that is not enough, the oldest half.
    private func makeRoom(now: Int64) {
        let before = suppression.count
        suppression = suppression.filter { k, v in
            guard let s = rules.rules[k.rule].suppression else { return false }
            return now - v.last < s.interval || v.held > 0
        }
        if suppression.count >= Self.suppressionCapacity {
            let cutoff = suppression.values.map(\.last).sorted()[suppression.count / 2]
            suppression = suppression.filter { $0.value.last > cutoff }
        }
        counters.suppressionEvictions += before - suppression.count
    }

    private func flush() {
        guard lineCount > 0 else { return }
        lines.withUnsafeBytes { output.write($0, lines: lineCount) }
        lines.removeAll(keepingCapacity: true)
        lineCount = 0
    }

    // MARK: - Statistics and lifecycle

    /// The counters of the whole run so far: the reader's (given), the workers', the writer's.
    func total(reader: MonitorCounters) -> MonitorCounters {
        var t = MonitorCounters.sum(workerCounters)
        t.records = reader.records
        t.bytes = reader.bytes
        t.fileErrors = reader.fileErrors
        t.tornRecords = reader.tornRecords
        t.lostFiles = reader.lostFiles
        t.kernelDrops = reader.kernelDrops
        t.interfaceDrops = reader.interfaceDrops
        t.pipelineDrops = reader.pipelineDrops
        t.events = counters.events
        t.eventsSuppressed = counters.eventsSuppressed
        t.suppressionEvictions = counters.suppressionEvictions
        t.outputLinesDropped = output.statistics.linesDropped
        t.outputErrors = output.statistics.writeErrors
        return t
    }

    /// Hits per rule across workers.
    var hitsPerRule: [Int] {
        var t = Array(repeating: 0, count: rules.rules.count)
        for w in ruleHits { for (i, n) in w.enumerated() { t[i] += n } }
        return t
    }

    /// A statistics event (`event.kind: "metric"`).
    func statistics(reader: MonitorCounters, final: Bool) {
        let t = total(reader: reader)
        var out = TextBuffer(descriptor: -1, flushAt: .max)
        begin(&out, kind: "metric", action: final ? "statistics.final" : "statistics")
        out.object("pktt") { o in
            o.object("statistics") { s in
                for (name, value) in t.fields { s.field(name, value) }
            }
            // how the flow hash shared the work out: one busy connection stays on one worker
            workerPackets(&o)
            let hits = hitsPerRule
            if !rules.rules.isEmpty {
                o.object("rules") { r in
                    for (rule, n) in zip(rules.rules, hits) { r.field(rule.name, n) }
                }
            }
        }
        out.jsonEndObject()
        write(&out)
    }

    private func workerPackets(_ o: inout TextBuffer) {
        o.key("worker_packets")
        o.jsonBeginArray()
        for (i, c) in workerCounters.enumerated() {
            if i > 0 { o.append(byte: UInt8(ascii: ",")) }
            o.append(c.packets)
        }
        o.jsonEndArray()
    }

    /// A lifecycle event (`event.kind: "state"`): start, file opened/finished/lost, stop.
    func state(_ action: String, file: String? = nil, reason: String? = nil) {
        var out = TextBuffer(descriptor: -1, flushAt: .max)
        begin(&out, kind: "state", action: action, reason: reason)
        if let file { out.object("file") { $0.field("path", file) } }
        out.jsonEndObject()
        write(&out)
    }

    private func begin(_ out: inout TextBuffer, kind: String, action: String, reason: String? = nil) {
        out.jsonBeginObject()
        out.key("@timestamp")
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        out.append(byte: UInt8(ascii: "\""))
        time.appendRFC3339(seconds: Int64(now.tv_sec), nanoseconds: UInt32(now.tv_nsec / 1000 * 1000), to: &out)
        out.append(byte: UInt8(ascii: "\""))
        out.object("event") { e in
            e.field("kind", kind)
            e.field("action", action)
            if let reason { e.field("reason", reason) }
        }
    }

    private func write(_ out: inout TextBuffer) {
        // ordered events already released go first; these are not held back
        flush()
        out.append(byte: 0x0a)
        out.bytes.withUnsafeBytes { output.write($0, lines: 1) }
    }

    func tick() { output.tick() }
    /// SIGHUP: the output file again at its path. A failure is said (stderr and a state
    /// event) and the old file kept.
    func reopen() {
        do {
            try output.reopen()
        } catch {
            let message = "pktt: cannot reopen the output: \(error); writing on to the file it had\n"
            _ = message.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress, $0.count - 1) }
            state("output-reopen-failed", file: output.spec, reason: "\(error)")
        }
    }

    /// Writes what is pending, waiting at most `timeout` for a socket, then closes: what is
    /// still pending then is counted as dropped (the totals read after it say so).
    func close(timeout: Double) {
        flush()
        _ = output.flush(timeout: timeout)
        output.close()
    }
}

extension MonitorCounters {
    /// Name and value of each counter, in the order statistics events list them.
    var fields: [(String, Int)] {
        [("records", records), ("bytes", bytes), ("packets", packets), ("decode_errors", decodeErrors),
         ("rpc_calls", rpcCalls), ("rpc_replies", rpcReplies), ("pairs", pairs), ("orphan_replies", orphanReplies),
         ("no_replies", noReplies), ("retransmissions", retransmissions), ("duplicate_replies", duplicateReplies),
         ("gaps", gaps), ("resyncs", resyncs), ("transactions", transactions),
         ("file_errors", fileErrors), ("torn_records", tornRecords), ("lost_files", lostFiles),
         ("kernel_drops", kernelDrops), ("interface_drops", interfaceDrops), ("pipeline_drops", pipelineDrops),
         ("fragment_evictions", fragmentEvictions), ("flow_evictions", flowEvictions),
         ("reassembly_evictions", reassemblyEvictions), ("call_evictions", callEvictions),
         ("calls_expired", callsExpired), ("watched_calls_lost", watchedCallsLost),
         ("flows", flows), ("outstanding_calls", outstandingCalls), ("reassembly_bytes", reassemblyBytes),
         ("events", events), ("events_suppressed", eventsSuppressed), ("suppression_evictions", suppressionEvictions),
         ("output_lines_dropped", outputLinesDropped), ("output_errors", outputErrors)]
    }
}

import Decode
import Dispatch
import PcapIO
import Synchronization
import Track

/// What `pktt run` does, as a value.
public struct MonitorConfiguration: Sendable {
    public var source: MonitorSource
    public var rules: [Rule] = []
    /// Write an event per RPC transaction too (`--transactions`).
    public var transactions = false
    public var workers = 1
    /// `-`, `FILE` or `unix:PATH`.
    public var output = "-"
    /// Seconds between statistics events (nil: only the final one).
    public var statisticsInterval: Double?
    public var limits = Limits()
    /// Records per batch handed to a worker.
    public var batchRecords = 1024
    /// Batches in flight per worker: the reader waits (files) or drops (live) past it.
    public var batchesInFlight = 8

    public init(source: MonitorSource) { self.source = source }
}

/// What a run counted, when it ends.
public struct MonitorSummary: Sendable {
    public var counters: MonitorCounters
    public var hitsPerRule: [Int]
    /// Why the input was not read to its end: read errors of --read files, a stdin that failed,
    /// an interface that went away.
    public var failures: [String] = []
}

/// The daemon's pipeline (DESIGN.md "The daemon"): one reader (the thread that calls `run`)
/// hands batches of records to N worker queues chosen by a symmetric flow hash, so each flow's
/// reassembly and pairing state lives on one worker; the workers decode, track, judge the rules
/// and render events; one writer queue puts the events in capture-time order and writes them.
/// Queues are bounded: reading a file waits for the workers, a live capture drops whole batches
/// and counts them.
public final class Monitor: @unchecked Sendable {
    public let configuration: MonitorConfiguration
    private let rules: CompiledRules
    private let source: RecordSource
    private let output: EventOutput
    private let writer: EventWriter
    private let workers: [Worker]
    private let queues: [DispatchQueue]
    private let slots: [DispatchSemaphore]
    private let files: FileNames
    private let stopping = Atomic<Bool>(false)
    private let reopenRequested = Atomic<Bool>(false)
    /// The reader's counters, published for the statistics timer.
    private let readerCounters = Mutex(MonitorCounters())

    public init(_ configuration: MonitorConfiguration) throws {
        self.configuration = configuration
        let rules = try CompiledRules(configuration.rules, transactions: configuration.transactions)
        self.rules = rules
        let longest = configuration.limits.xids.maximumAgeNanoseconds
        for rule in configuration.rules where (rule.noReplyAfter ?? 0) >= longest {
            throw RuleError("rule '\(rule.name)': no_reply_after must be shorter than the \(longest / 1_000_000_000) s a call is waited for")
        }
        output = try EventOutput(configuration.output)
        source = try RecordSource(configuration.source)
        let n = max(1, configuration.workers)
        writer = EventWriter(output: output, rules: rules, workers: n)
        let files = FileNames()
        self.files = files
        workers = (0..<n).map { Worker(id: $0, rules: rules, transactions: configuration.transactions,
                                       limits: configuration.limits, files: files) }
        queues = (0..<n).map { DispatchQueue(label: "pktt.worker.\($0)") }
        slots = (0..<n).map { _ in DispatchSemaphore(value: max(1, configuration.batchesInFlight)) }
    }

    /// Asks the run to end: the reader stops reading, the pipeline drains, the final statistics
    /// are written. Thread-safe (a signal handler's queue calls it).
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        source.wake()
    }

    /// Asks for the output file to be reopened (SIGHUP, after logrotate moved it).
    public func reopenOutput() {
        writer.queue.async { [writer] in writer.reopen() }
    }

    /// Reads until the source ends or `stop()`; returns what was counted.
    public func run() -> MonitorSummary {
        let n = workers.count
        let live = { if case .interface = configuration.source { return true } else { return false } }()
        writer.queue.sync { writer.state("start") }
        var timer: DispatchSourceTimer?
        if let interval = configuration.statisticsInterval, interval > 0 {
            let t = DispatchSource.makeTimerSource(queue: writer.queue)
            t.schedule(deadline: .now() + interval, repeating: interval)
            t.setEventHandler { [self] in
                writer.statistics(reader: readerCounters.withLock { $0 }, final: false)
                writer.tick()
            }
            t.resume()
            timer = t
        }
        let tick = DispatchSource.makeTimerSource(queue: writer.queue)
        tick.schedule(deadline: .now() + 1, repeating: 1)
        tick.setEventHandler { [writer] in writer.tick() }
        tick.resume()

        var batches = (0..<n).map { _ in RecordBatch(records: configuration.batchRecords, bytes: 1 << 18) }
        var probe = Packet()
        var counters = MonitorCounters()
        var clock = Int64.min
        var nextClockPoint = Int64.min
        var index = 0
        var sentSinceIdle = true
        // Wall-clock checks while records keep coming (a live capture or a file that never
        // pauses): every tenth of a second the part-filled batches go out and every worker
        // learns how far the capture has come, so that events are not held back.
        var nextFlush = DispatchTime.now().uptimeNanoseconds + 100_000_000
        var sinceCheck = 0
        let batchRecords = configuration.batchRecords

        func send(_ w: Int, idle: Bool, finished: Bool) {
            let batch = batches[w]
            batches[w] = RecordBatch(records: batchRecords, bytes: 1 << 18)
            if live && !finished {
                // a live capture cannot wait: a worker that is behind loses the batch, counted
                guard slots[w].wait(timeout: .now()) == .success else {
                    counters.pipelineDrops += batch.count
                    return
                }
            } else {
                slots[w].wait()
            }
            let worker = workers[w], writer = self.writer, slot = slots[w], c = clock, next = index
            let queues = self.queues, workers = self.workers
            queues[w].async {
                let out = worker.process(batch, clock: c, nextIndex: next, idle: idle, finished: finished)
                if !out.learnedPorts.isEmpty {
                    // the others learn them before their next batch (LearnedPorts says why that is enough)
                    let learned = out.learnedPorts
                    for other in workers.indices where other != w {
                        let o = workers[other]
                        queues[other].async { o.learn(learned) }
                    }
                }
                writer.queue.async { writer.take(out) }
                slot.signal()
            }
        }

        func report(_ notices: [SourceNotice]) {
            guard !notices.isEmpty else { return }
            for notice in notices {
                switch notice {
                case .opened(let path, let fileIndex): files.set(fileIndex, path)
                case .torn: counters.tornRecords += 1
                case .lost: counters.lostFiles += 1
                case .error: counters.fileErrors += 1
                case .finished: break
                }
            }
            writer.queue.async { [writer] in
                for notice in notices {
                    switch notice {
                    case .opened(let path, _): writer.state("file-opened", file: path)
                    case .finished(let path): writer.state("file-finished", file: path)
                    case .torn(let path, let detail): writer.state("file-torn", file: path, reason: detail)
                    case .lost(let path, let reason): writer.state("file-lost", file: path, reason: reason)
                    case .error(let path, let message): writer.state("file-error", file: path, reason: message)
                    }
                }
            }
        }

        if !source.label.isEmpty { files.set(0, source.label) }
        report(source.takeNotices())
        reading: while !stopping.load(ordering: .relaxed) {
            switch source.next() {
            case .record(let r):
                if source.hasNotices { report(source.takeNotices()) }
                let time = r.time
                if time > clock { clock = time }
                PacketDecoder.decode(r.data, linkType: r.linkType, originalLength: r.originalLength, into: &probe)
                let w = n == 1 ? 0 : Int(FlowHash.of(&probe) % UInt64(n))
                var record = PacketRecord(r)
                record.index = index
                index += 1
                counters.records += 1
                counters.bytes += r.capturedLength
                batches[w].append(r.data, linkType: r.linkType, record: record, clock: clock)
                // every tenth of a second of capture time, a clock point in every worker's
                // batch: where no-reply deadlines are judged, the same for any number of workers
                if clock >= nextClockPoint {
                    for b in batches.indices { batches[b].appendClockPoint(clock) }
                    nextClockPoint = SaturatingTime.add(clock, 100_000_000)
                }
                if batches[w].count >= batchRecords || batches[w].byteCount >= 1 << 18 { send(w, idle: false, finished: false) }
                sentSinceIdle = true
                sinceCheck += 1
                if sinceCheck >= 256 {
                    sinceCheck = 0
                    let now = DispatchTime.now().uptimeNanoseconds
                    if now >= nextFlush {
                        nextFlush = now + 100_000_000
                        for w in 0..<n { send(w, idle: false, finished: false) }
                        if let drops = source.drops {
                            counters.kernelDrops = drops.kernel
                            counters.interfaceDrops = drops.interface
                        }
                        publish(counters)
                    }
                }
            case .idle:
                report(source.takeNotices())
                if sentSinceIdle {
                    // hand on what there is, and tell every worker how far the capture has come
                    for w in 0..<n { send(w, idle: true, finished: false) }
                    sentSinceIdle = false
                }
                if let drops = source.drops {
                    counters.kernelDrops = drops.kernel
                    counters.interfaceDrops = drops.interface
                }
                publish(counters)
                if !source.wait(timeout: 1) { break reading }
            case .end:
                break reading
            }
        }
        report(source.takeNotices())
        if let drops = source.drops {
            counters.kernelDrops = drops.kernel
            counters.interfaceDrops = drops.interface
        }
        publish(counters)
        for w in 0..<n { send(w, idle: true, finished: true) }
        writer.done.wait()
        timer?.cancel()
        tick.cancel()
        let final = counters
        return writer.queue.sync {
            writer.statistics(reader: final, final: true)
            writer.state("stop")
            writer.close(timeout: 5)
            return MonitorSummary(counters: writer.total(reader: final), hitsPerRule: writer.hitsPerRule,
                                  failures: source.failures)
        }
    }

    private func publish(_ counters: MonitorCounters) {
        readerCounters.withLock { $0 = counters }
    }
}

import Decode
import Match
import PacketTrace
import Track

/// One worker: a pipeline (decode, reassembly, pairing) for the flows hashed to it, the rules
/// judged on its packets, and the events it renders. Used only on its own serial queue.
final class Worker: @unchecked Sendable {
    let id: Int
    private let rules: CompiledRules
    private let transactions: Bool
    private let files: FileNames
    private var pipeline: PacketPipeline
    private var scratch = MatchScratch()
    private var renderer = EventRenderer()
    private var output: WorkerOutput
    private var ruleHits: [Int]
    private var noReplies = 0
    private var transactionCount = 0
    /// Capture time up to which every no-reply deadline has been judged.
    private var sweptTo = Int64.min
    /// Capture time of the last batch's clock.
    private var clock = Int64.min
    /// The reader's clock at the record being judged (`RecordBatch.Entry.clock`).
    private var order: Int64 = .min
    /// The earliest call seen since the last sweep that was due by that sweep's clock (see
    /// `markCall`): its alert's place, which the worker's mark must not pass.
    private var dueCall: (order: Int64, index: Int)?
    /// Where the last event's line ends in the renderer's buffer.
    private var renderedTo = 0
    /// The name of the file events came from last (a lock and a lookup saved per event).
    private var fileCache: (index: Int, name: String) = (-1, "")

    init(id: Int, rules: CompiledRules, transactions: Bool, limits: Limits, files: FileNames) {
        self.id = id
        self.rules = rules
        self.transactions = transactions
        self.files = files
        pipeline = PacketPipeline(limits: limits, depth: rules.depth, relativeSequenceNumbers: false)
        pipeline.assignsIndexes = false
        // calls expire at the reader's clock points, the same for every worker
        pipeline.expiresCallsOnCalls = false
        ruleHits = Array(repeating: 0, count: rules.rules.count)
        output = WorkerOutput(worker: id, watermark: .min, counters: MonitorCounters(), ruleHits: [])
    }

    /// Runs a batch through the pipeline and the rules; returns what the writer needs.
    /// `clock`: the capture time the reader had reached when it sent the batch; `idle`: the
    /// reader has nothing more for now (judge what is due, so that events are not held back).
    /// `nextIndex`: the index the reader's next record will get.
    func process(_ batch: RecordBatch, clock: Int64, nextIndex: Int, idle: Bool, finished: Bool) -> WorkerOutput {
        // the last batch's arrays went to the writer: start new ones
        output.events = []
        output.events.reserveCapacity(batch.count)
        renderedTo = 0
        var point = 0
        let points = batch.clockPoints
        for i in 0..<batch.count {
            // no-reply deadlines are judged where the reader marked the clock: the same places
            // in the input for every worker, so the same calls fire whatever the workers
            while point < points.count && points[point].after <= i {
                clockPoint(points[point].clock)
                point += 1
            }
            let entry = batch.entries[i]
            order = entry.clock
            batch.withBytes(of: i) { frame in
                pipeline.take(frame, linkType: entry.linkType, record: entry.record)
                if pipeline.hasExpiredWatchedCalls { judgeExpired() }
                judge(frame, message: 0)
                var message = 1
                while pipeline.nextMessage(frame) {
                    judge(frame, message: message)
                    message += 1
                }
            }
        }
        while point < points.count {
            clockPoint(points[point].clock)
            point += 1
        }
        if clock > self.clock { self.clock = clock }
        // idle (the reader has caught up with a file being written) or at the end: judge up to
        // now, so that alerts are not held back waiting for more traffic
        if !rules.noReply.isEmpty && (idle || finished) { sweep(to: self.clock) }
        // Later events: a packet's comes at or after the reader's clock and next index now; a
        // no-reply event not fired by the last sweep, after that sweep's clock (fireNoReply).
        if !rules.noReply.isEmpty && sweptTo < self.clock {
            (output.watermark, output.watermarkIndex) = (sweptTo, .max)
        } else {
            (output.watermark, output.watermarkIndex) = (self.clock, nextIndex)
        }
        if let due = dueCall, (due.order, due.index) < (output.watermark, output.watermarkIndex) {
            (output.watermark, output.watermarkIndex) = due
        }
        if finished { (output.watermark, output.watermarkIndex) = (.max, .max) }
        // the writer merges workers' events by time: each output comes sorted
        output.events.sort { $0 < $1 }
        output.bytes = renderer.out.takeBytes()
        var counters = MonitorCounters()
        counters.read(pipeline)
        counters.noReplies = noReplies
        counters.transactions = transactionCount
        output.counters = counters
        output.ruleHits = ruleHits
        output.finished = finished
        output.learnedPorts = pipeline.takeLearnedPorts()
        return output
    }

    /// Mappings another worker learned.
    func learn(_ mappings: [(mapping: LearnedPorts.Mapping, program: UInt32)]) {
        pipeline.learnPorts(mappings)
    }

    // MARK: - Judging

    private func judge(_ frame: UnsafeRawBufferPointer, message: Int) {
        let layers = pipeline.packet.layers
        let record = pipeline.record
        if !rules.packet.isEmpty {
            judge(rules.packet, frame: frame, message: message, carried: (0, 0), call: nil)
        }
        guard layers.has(.rpc) else { return }
        let isCall = pipeline.packet.rpc.isCall
        if isCall {
            if !rules.call.isEmpty { judge(rules.call, frame: frame, message: message, carried: (0, 0), call: nil) }
            if rules.marksCalls { markCall(frame) }
            return
        }
        if !rules.reply.isEmpty { judge(rules.reply, frame: frame, message: message, carried: (0, 0), call: pipeline.pairedCall) }
        guard pipeline.packet.rpc.callSeen, let call = pipeline.pairedCall else { return }
        if !rules.transaction.isEmpty {
            judge(rules.transaction, frame: frame, message: message, carried: call.marks.leaves, call: call)
        }
        // a late reply: the no-reply rules watching its call fire now, unless a sweep already
        // did (a duplicate reply's call was judged by its first reply)
        let pending = call.marks.watch & ~call.marks.fired
        if pending != 0 && !pipeline.packet.rpc.duplicateReply, let flow = pipeline.messageFlow {
            let latency = pipeline.packet.rpc.latency
            for (bit, noReply) in rules.noReply.enumerated() where pending & (1 << UInt32(bit)) != 0 && latency > noReply.after {
                fireNoReply(noReply.rule, after: noReply.after, key: CallKey(flow: flow.reversed, xid: pipeline.packet.rpc.xid), call)
            }
        }
        if transactions {
            transactionCount += 1
            let time = pipeline.packet.rpc.frameTime != 0 ? pipeline.packet.rpc.frameTime : record.time
            let id = EventIdentity.of(rule: "", time: time, frame: frame, message: message)
            render(EventRenderer.Heading(kind: "event", id: id, rule: nil, timestamp: time), rule: -1, frame: frame,
                   message: message, call: call, suppressionKey: nil)
        }
    }

    private func judge(_ group: CompiledRules.Group, frame: UnsafeRawBufferPointer, message: Int,
                       carried: (UInt64, UInt64), call: CallRecord?) {
        var hits: [Int] = []
        let record = pipeline.record
        pipeline.withPacketInPlace(frame: frame) { packet, tape, bytes in
            group.set.matches(inPlace: &packet, tape: &tape, message: bytes, record: record, carried: carried,
                              scratch: &scratch) { i, _ in hits.append(group.rules[i]) }
        }
        guard !hits.isEmpty else { return }
        let time = pipeline.packet.rpc.frameTime != 0 && pipeline.packet.layers.has(.rpc)
            ? pipeline.packet.rpc.frameTime : record.time
        for r in hits {
            ruleHits[r] += 1
            let heading = rules.headings[r]
            let id = EventIdentity.of(rule: heading.name, time: time, frame: frame, message: message)
            let suppression = rules.rules[r].suppression.map { suppressionKey($0.keys, call: call, frame: frame) }
            render(EventRenderer.Heading(kind: "alert", id: id, rule: heading, timestamp: time), rule: r, frame: frame,
                   message: message, call: call, suppressionKey: suppression)
        }
    }

    /// Hands the call's marks to its reply: the transaction rules' body comparisons it
    /// satisfied, the no-reply rules watching it, its main op and file handle.
    private func markCall(_ frame: UnsafeRawBufferPointer) {
        var marks = CallMarks()
        var watch = rules.watchAll
        let record = pipeline.record
        pipeline.withPacketInPlace(frame: frame) { packet, tape, bytes in
            if rules.transaction.set.leafCount > 0 {
                marks.leaves = rules.transaction.set.leafResults(&tape, message: bytes, scratch: &scratch)
            }
            if !rules.watch.isEmpty {
                rules.watch.set.matches(inPlace: &packet, tape: &tape, message: bytes, record: record,
                                        scratch: &scratch) { i, _ in watch |= rules.watchBits[i] }
            }
        }
        marks.watch = watch
        marks.order = order
        // a call stamped so early that its deadline is behind the last sweep (capture times go
        // backwards) is due already: the next clock point judges it (the same point for any
        // number of workers), and until then the writer must not let out what its alert would
        // go before (`dueCall` holds the mark back)
        if watch != 0 && sweptTo != .min {
            let rpc = pipeline.packet.rpc
            let time = min(pipeline.record.time, rpc.frameTime != 0 ? rpc.frameTime : .max)
            for (bit, noReply) in rules.noReply.enumerated() where watch & (1 << UInt32(bit)) != 0 {
                if SaturatingTime.elapsed(from: time, to: sweptTo) >= SaturatingTime.add(noReply.after, noReply.grace) {
                    let here = (order, pipeline.record.index)
                    if dueCall.map({ here < $0 }) ?? true { dueCall = here }
                }
            }
        }
        // what the reply's events will say of the call: its main op and file handle
        if watch != 0 || transactions || !rules.transaction.isEmpty {
            pipeline.withMessageBytes(frame: frame) { bytes, _ in
                let facts = NFSFacts(pipeline.packet.rpc, tape: pipeline.tape, bytes: bytes)
                if let op = facts.mainOp { marks.mainOp = Int32(truncatingIfNeeded: op) }
                if let fh = facts.fileHandle {
                    marks.fileHandle = fh
                    marks.hasFileHandle = true
                }
            }
        }
        guard marks != CallMarks() else { return }
        pipeline.markCall { m in
            // a retransmission adds to what the first call set
            m.leaves.0 |= marks.leaves.0
            m.leaves.1 |= marks.leaves.1
            m.watch |= marks.watch
            if m.mainOp < 0 { m.mainOp = marks.mainOp }
            if m.order == 0 { m.order = marks.order }
            if !m.hasFileHandle {
                m.fileHandle = marks.fileHandle
                m.hasFileHandle = marks.hasFileHandle
            }
        }
    }

    // MARK: - No reply

    /// Where the reader marked the clock: unanswered calls expire, due no-reply rules fire.
    private func clockPoint(_ clock: Int64) {
        pipeline.expireCalls(now: clock)
        if pipeline.hasExpiredWatchedCalls { judgeExpired() }
        if !rules.noReply.isEmpty { sweep(to: clock) }
    }

    /// Calls that expired unanswered from the pairing table (older than any no-reply rule may
    /// wait): their rules fire now, before the call is forgotten.
    private func judgeExpired() {
        for (key, call) in pipeline.takeExpiredWatchedCalls() {
            let pending = call.marks.watch & ~call.marks.fired
            for (bit, noReply) in rules.noReply.enumerated() where pending & (1 << UInt32(bit)) != 0 {
                fireNoReply(noReply.rule, after: noReply.after, key: key, call)
            }
        }
    }

    /// Fires the no-reply rules whose deadline has passed by `now` for every outstanding call.
    private func sweep(to now: Int64) {
        // not before the last sweep; again at the same clock (a call stamped before it, seen
        // since, is judged too)
        guard now >= sweptTo else { return }
        pipeline.forEachWatchedCall { key, call, marks in
            let pending = marks.watch & ~marks.fired
            for (bit, noReply) in rules.noReply.enumerated() where pending & (1 << UInt32(bit)) != 0 {
                // capture times are not always in order: a reply may come after a record
                // stamped later than it. A sweep waits a grace (up to a second) past the
                // deadline; a reply later than the deadline fires the rule itself, so the
                // events are the same whichever fires it.
                if SaturatingTime.elapsed(from: call.time, to: now) >= SaturatingTime.add(noReply.after, noReply.grace) {
                    fireNoReply(noReply.rule, after: noReply.after, key: key, call)
                    marks.fired |= 1 << UInt32(bit)
                }
            }
        }
        sweptTo = now
        dueCall = nil
    }

    private func fireNoReply(_ r: Int, after: Int64, key: CallKey, _ call: CallRecord) {
        ruleHits[r] += 1
        noReplies += 1
        let rule = rules.rules[r]
        let time = SaturatingTime.add(call.time, after)
        let heading = EventRenderer.Heading(kind: "alert", id: EventIdentity.of(rule: rule.name, call: key, call),
                                            rule: rules.headings[r],
                                            timestamp: time)
        renderer.noReplyEvent(heading, key: key, call: call, file: fileName(call.fileIndex))
        let mainOp = call.marks.mainOp >= 0 ? Int64(call.marks.mainOp) : nil
        let key2 = rule.suppression.map { suppression in
            EventKeyValues(client: (key.flow.src, key.flow.srcPort), server: (key.flow.dst, key.flow.dstPort),
                           action: EventRenderer.action(program: call.program, version: call.version,
                                                        procedure: call.procedure, mainOp: mainOp),
                           program: call.program, version: call.version, procedure: call.procedure, uid: call.uid,
                           fileHandle: call.marks.hasFileHandle ? call.marks.fileHandle : nil).key(suppression.keys)
        }
        // placed at its deadline and grace (where a sweep judges it), never before its call
        let grace = rules.noReply.first { $0.rule == r }?.grace ?? 0
        let order = max(SaturatingTime.add(time, grace), call.marks.order)
        append(PendingEvent(order: order, time: time, index: call.index, message: 0, rule: r, id: heading.id, offset: 0,
                            count: 0, suppressionKey: key2))
    }

    // MARK: - Rendering

    private func render(_ heading: EventRenderer.Heading, rule: Int, frame: UnsafeRawBufferPointer, message: Int,
                        call: CallRecord?, suppressionKey: String?) {
        let record = pipeline.record
        let flow = pipeline.messageFlow
        let file = fileName(record.fileIndex)
        pipeline.withPacketInPlace(frame: frame) { packet, tape, bytes in
            renderer.packetEvent(heading, packet: &packet, tape: &tape, message: bytes, flow: flow, call: call,
                                 record: record, messageOrdinal: message, file: file)
        }
        append(PendingEvent(order: order, time: heading.timestamp, index: record.index, message: message, rule: rule,
                            id: heading.id, offset: 0, count: 0, suppressionKey: suppressionKey))
    }

    private func fileName(_ index: Int) -> String {
        if fileCache.index != index {
            let name = files.name(index)
            if name.isEmpty { return name }
            fileCache = (index, name)
        }
        return fileCache.name
    }

    /// Records the event the renderer just wrote: its line is the renderer's bytes since the
    /// last one (the batch's lines are written one after another and handed over whole).
    private func append(_ event: PendingEvent) {
        var event = event
        event.offset = renderedTo
        event.count = renderer.out.bytes.count - renderedTo
        renderedTo = renderer.out.bytes.count
        output.events.append(event)
    }

    /// The suppression key of a rule hit on the current packet.
    private func suppressionKey(_ keys: [EventKey], call: CallRecord?, frame: UnsafeRawBufferPointer) -> String {
        let packet = pipeline.packet
        var values = EventKeyValues()
        if let flow = pipeline.messageFlow {
            let isCall = packet.layers.has(.rpc) && packet.rpc.isCall
            values.client = isCall ? (flow.src, flow.srcPort) : (flow.dst, flow.dstPort)
            values.server = isCall ? (flow.dst, flow.dstPort) : (flow.src, flow.srcPort)
        }
        if packet.layers.has(.rpc) {
            let rpc = packet.rpc
            // the NFS facts cost a pass over the body: only for the keys that need them
            let facts = keys.contains { $0 == .action || $0 == .nfsStatus || $0 == .fileHandle }
                ? pipeline.withMessageBytes(frame: frame) { bytes, _ in NFSFacts(rpc, tape: pipeline.tape, bytes: bytes) }
                : NFSFacts()
            let callOp = call.flatMap { $0.marks.mainOp >= 0 ? Int64($0.marks.mainOp) : nil }
            values.action = EventRenderer.action(rpc, mainOp: facts.mainOp ?? callOp)
            values.program = rpc.program
            values.version = rpc.version
            values.procedure = rpc.procedure
            values.uid = rpc.isCall ? rpc.credential.uid : call?.uid ?? 0
            values.nfsStatus = facts.statusName ?? facts.status.map { String($0) }
            values.fileHandle = facts.fileHandle ?? (call?.marks.hasFileHandle == true ? call?.marks.fileHandle : nil)
        }
        return values.key(keys)
    }
}

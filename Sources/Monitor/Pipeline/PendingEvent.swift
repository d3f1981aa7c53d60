import Track

/// An event a worker has rendered, waiting in the writer for its turn: events go out in capture
/// time order, whatever worker made them, so a run's events (and what suppression keeps) are
/// the same for any number of workers.
struct PendingEvent: Sendable {
    /// Where the event stands in the run: the reader's clock at its packet (capture times
    /// made never to go backwards, so the order does not depend on which worker saw what when);
    /// a no-reply event's, its deadline (and no earlier than its call).
    var order: Int64
    /// `@timestamp` (capture time, nanoseconds): what suppression intervals are measured in.
    var time: Int64
    /// Tie-breakers: the record's index in the run (a no-reply event: its call's), the message
    /// within its frame, the rule (-1 for a transaction record).
    var index: Int
    var message: Int
    var rule: Int
    /// `event.id`: the last tie-breaker (no-reply events of calls from one frame).
    var id: UInt64
    /// The line's bytes in its `WorkerOutput` (open: the writer closes it).
    var offset: Int
    var count: Int
    /// The rule's suppression key values, joined; nil when the rule has none.
    var suppressionKey: String?

    static func < (a: PendingEvent, b: PendingEvent) -> Bool {
        (a.order, a.index, a.message, a.rule, a.id) < (b.order, b.index, b.message, b.rule, b.id)
    }
}

/// What a worker hands the writer after a batch.
struct WorkerOutput: Sendable {
    var worker: Int
    var events: [PendingEvent] = []
    var bytes: [UInt8] = []
    /// Every later event of this worker comes after (`watermark`, `watermarkIndex`) in the
    /// run's order (its order, then its record's index).
    var watermark: Int64
    var watermarkIndex: Int = .max
    var counters: MonitorCounters
    /// Hits per rule, since the start.
    var ruleHits: [Int]
    /// The worker has seen the end of the input.
    var finished = false
    /// Port mappings the worker learned from PORTMAP/RPCBIND replies in this batch: the other
    /// workers get them before their next batch (`LearnedPorts`).
    var learnedPorts: [(mapping: LearnedPorts.Mapping, program: UInt32)] = []
}

/// An event a worker has rendered, waiting in the writer for its turn: events go out in capture
/// time order, whatever worker made them, so a run's events (and what suppression keeps) are
/// the same for any number of workers.
struct PendingEvent: Sendable {
    /// `@timestamp` (capture time, nanoseconds).
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
        (a.time, a.index, a.message, a.rule, a.id) < (b.time, b.index, b.message, b.rule, b.id)
    }
}

/// What a worker hands the writer after a batch.
struct WorkerOutput: Sendable {
    var worker: Int
    var events: [PendingEvent] = []
    var bytes: [UInt8] = []
    /// Every later event of this worker is later than this (capture time).
    var watermark: Int64
    var counters: MonitorCounters
    /// Hits per rule, since the start.
    var ruleHits: [Int]
    /// The worker has seen the end of the input.
    var finished = false
}

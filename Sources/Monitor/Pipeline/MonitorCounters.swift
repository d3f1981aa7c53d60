import Track

/// What the pipeline counted: the numbers of the statistics events. Workers keep their own and
/// hand copies to the writer, which adds them up; nothing is shared while counting.
public struct MonitorCounters: Sendable, Equatable {
    // the reader's
    public var records = 0
    public var bytes = 0
    public var fileErrors = 0
    public var tornRecords = 0
    public var lostFiles = 0
    public var kernelDrops = 0
    public var interfaceDrops = 0
    public var pipelineDrops = 0
    // the workers'
    public var packets = 0
    public var decodeErrors = 0
    public var rpcCalls = 0
    public var rpcReplies = 0
    public var pairs = 0
    public var orphanReplies = 0
    public var noReplies = 0
    public var retransmissions = 0
    public var duplicateReplies = 0
    public var gaps = 0
    public var resyncs = 0
    public var fragmentEvictions = 0
    public var flowEvictions = 0
    public var reassemblyEvictions = 0
    public var callEvictions = 0
    public var callsExpired = 0
    /// No-reply rules that could not judge a call (it was evicted or expired before its time).
    public var watchedCallsLost = 0
    public var transactions = 0
    // now, not since the start
    public var flows = 0
    public var outstandingCalls = 0
    public var reassemblyBytes = 0
    // the writer's
    public var events = 0
    public var eventsSuppressed = 0
    public var suppressionEvictions = 0
    public var outputLinesDropped = 0
    public var outputErrors = 0

    public init() {}

    /// The worker's share, read off its pipeline.
    mutating func read(_ p: borrowing PacketPipeline) {
        packets = p.statistics.packets
        decodeErrors = p.statistics.decodeErrors
        fragmentEvictions = p.statistics.fragmentEvictions
        let x = p.rpc.xids.statistics
        rpcCalls = x.calls
        rpcReplies = x.replies
        pairs = x.paired
        orphanReplies = x.orphanReplies
        retransmissions = x.retransmissions
        duplicateReplies = x.duplicateReplies
        callEvictions = x.evictedForSpace
        callsExpired = x.expiredUnanswered
        watchedCallsLost = x.watchedLost
        let s = p.rpc.streamStatistics
        gaps = s.gaps
        resyncs = s.resyncs
        flowEvictions = p.rpc.directionEvictions
        reassemblyEvictions = p.rpc.budgetEvictions
        flows = p.rpc.directionCount
        outstandingCalls = p.rpc.xids.count
        reassemblyBytes = p.rpc.reassemblyBytes
    }

    /// Adds the workers' counts (each worker's copy is its total so far).
    static func sum(_ parts: [MonitorCounters]) -> MonitorCounters {
        var t = MonitorCounters()
        for p in parts {
            t.packets += p.packets
            t.decodeErrors += p.decodeErrors
            t.rpcCalls += p.rpcCalls
            t.rpcReplies += p.rpcReplies
            t.pairs += p.pairs
            t.orphanReplies += p.orphanReplies
            t.noReplies += p.noReplies
            t.retransmissions += p.retransmissions
            t.duplicateReplies += p.duplicateReplies
            t.gaps += p.gaps
            t.resyncs += p.resyncs
            t.fragmentEvictions += p.fragmentEvictions
            t.flowEvictions += p.flowEvictions
            t.reassemblyEvictions += p.reassemblyEvictions
            t.callEvictions += p.callEvictions
            t.callsExpired += p.callsExpired
            t.watchedCallsLost += p.watchedCallsLost
            t.transactions += p.transactions
            t.flows += p.flows
            t.outstandingCalls += p.outstandingCalls
            t.reassemblyBytes += p.reassemblyBytes
        }
        return t
    }
}

/// Every bound on the state Track keeps across packets, in one value: what a daemon's
/// configuration sets and what each table's eviction counters refer to. Memory stays flat
/// whatever the traffic: each buffer has a per-flow cap and a share of one budget.
///
/// At the defaults the worst case is about: reassembly 64 MiB (the budget, every direction's
/// record buffer and queued segments together), directions 2^16 × ~170 B in a table at most half
/// full (~22 MiB), IP fragments 8 MiB (+ their headers), outstanding calls 60,000 × ~170 B
/// (~22 MiB), answered calls 4,096, TCP connections 2^16 × ~64 B, learned ports 4,096.
public struct Limits: Sendable {
    /// Per direction: record bytes kept, fragment lengths believed, out-of-order segments held.
    public var stream = RPCStreamLimits()
    /// Bytes of record buffers and queued segments across all directions; past it the
    /// directions seen longest ago give their partial records up (counted as gaps).
    public var reassemblyBudgetBytes = 64 << 20
    /// TCP/RPC directions tracked at once; past it the idle, then the least recently seen, go.
    public var maximumDirections = 1 << 16
    /// TCP connections whose initial sequence numbers are kept (relative sequence numbers).
    public var maximumTCPConnections = 1 << 16
    public var fragments = IPReassembler.Limits()
    public var xids = XIDTable.Limits()
    public var rdma = RDMAReassembler.Limits()
    /// Port mappings learned from PORTMAP/RPCBIND replies.
    public var learnedPorts = 4096

    public init() {}
}

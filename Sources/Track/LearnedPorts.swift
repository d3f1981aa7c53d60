import Decode

/// Ports RPC is known to use: the well-known ones, and those PORTMAP/RPCBIND replies handed out
/// (RFC 1833), so MOUNT, NLM and NSM on dynamic ports are taken as RPC from their first byte.
///
/// Bounded and counted: a table of at most `maximum` mappings; past it the oldest learned goes
/// first (a ring of insertion order), and `evictions` says how many did.
///
/// Sharing in the daemon: the mapping is learned on the port mapper's flow but used on other
/// flows, which the flow hash may put on other workers. Each worker keeps its own table; what a
/// worker learns it reports with its batch, and the pipeline hands every learned mapping to all
/// workers with their next batch. A connection that starts before its mapping arrives is still
/// found by its RPC header (on any port), so only the first segments of such a connection can
/// differ between worker counts, and only when they do not start on a record mark.
public struct LearnedPorts {
    public struct Mapping: Hashable, Sendable {
        public var address: IPAddress
        public var port: UInt16
        public var proto: UInt8
        public init(address: IPAddress, port: UInt16, proto: UInt8) {
            self.address = address
            self.port = port
            self.proto = proto
        }
    }

    public let maximum: Int
    private var programs: [Mapping: UInt32] = [:]
    /// Learned mappings in the order they were learned, oldest at `oldest`.
    private var order: [Mapping] = []
    private var oldest = 0
    public private(set) var evictions = 0
    /// Mappings learned since `takeLearned()` (not those handed in by `learn(…, journal: false)`),
    /// for a daemon to share with its other workers; at most `maximum` wait.
    public private(set) var learned: [(mapping: Mapping, program: UInt32)] = []

    public init(maximum: Int = 4096) {
        self.maximum = max(1, maximum)
    }

    public var count: Int { programs.count }

    /// True for 111 (PORTMAP/RPCBIND, RFC 1833), 2049 (NFS, RFC 7530 section 3.1) and learned ports.
    @inline(__always)
    public func isRPC(_ address: IPAddress, port: UInt16, proto: UInt8) -> Bool {
        if port == 111 || port == 2049 { return true }
        return !programs.isEmpty && programs[Mapping(address: address, port: port, proto: proto)] != nil
    }

    public mutating func takeLearned() -> [(mapping: Mapping, program: UInt32)] {
        defer { learned = [] }
        return learned
    }

    /// The program learned on `mapping`, if any.
    public func program(_ mapping: Mapping) -> UInt32? { programs[mapping] }

    public mutating func learn(_ address: IPAddress, port: UInt16, proto: UInt8, program: UInt32, journal: Bool = true) {
        let mapping = Mapping(address: address, port: port, proto: proto)
        if programs.updateValue(program, forKey: mapping) != nil { return }
        if journal && learned.count < maximum { learned.append((mapping, program)) }
        if order.count < maximum {
            order.append(mapping)
            return
        }
        // Full: the slot of the oldest mapping takes the new one.
        programs.removeValue(forKey: order[oldest])
        evictions += 1
        order[oldest] = mapping
        oldest = (oldest + 1) % maximum
    }
}

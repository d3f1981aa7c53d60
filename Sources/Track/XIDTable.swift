import Decode

/// A call waiting for its reply: the call's connection (or UDP address pair) and its xid.
/// Real clients reuse an xid on two connections at once: those are two calls.
public struct CallKey: FlowTableKey, Sendable {
    public var flow: FlowKey
    public var xid: UInt32

    public init(flow: FlowKey, xid: UInt32) {
        self.flow = flow
        self.xid = xid
    }

    @inline(__always)
    public var tableHash: UInt64 { flow.tableHash ^ UInt64(xid) &* 0xff51_afd7_ed55_8ccd }
}

/// What a reply needs from its call: what was called, when, and by whom.
public struct CallRecord: Sendable {
    public var program: UInt32 = 0
    public var version: UInt32 = 0
    public var procedure: UInt32 = 0
    public var time: Int64 = 0
    public var frame = 0
    public var index = 0
    public var fileIndex = 0
    public var credentialFlavor: UInt32 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var gssProcedure: UInt32 = 0
    public var gssService: UInt32 = 0
    /// The NFSv4 compound's minor version (-1 when none).
    public var minorVersion: Int32 = -1
    /// A digest of the call's arguments: a retransmission carries the same ones.
    public var bodyHash: UInt64 = 0
    /// This call repeats one already answered: its reply is a duplicate.
    public var answeredBefore = false
    /// What a PORTMAP/RPCBIND call asked for, so its reply teaches the port (0 when none).
    public var mappingProgram: UInt32 = 0
    public var mappingVersion: UInt32 = 0
    public var mappingProtocol: UInt8 = 0
    /// What a watcher of the traffic (the daemon's rules) attached to the call, handed back
    /// with its reply and seen by `forEachWatched`.
    public var marks = CallMarks()
    public init() {}
}

/// Bits a caller attaches to an outstanding call (`PacketPipeline.markCall`): the body
/// comparisons the call satisfied, for rules judged on the whole transaction, and the
/// no-reply rules that watch it. Fixed size: a call carries no allocation.
public struct CallMarks: Sendable, Equatable {
    /// Body comparisons (rule-set leaves) the call satisfied, the first 128.
    public var leaves: (UInt64, UInt64) = (0, 0)
    /// No-reply rules watching the call (bit per rule), and those that have fired for it.
    public var watch: UInt32 = 0
    public var fired: UInt32 = 0
    /// What the call's events need once only its record is left: the NFSv4 compound's main op
    /// (-1: none) and the CRC32 of the file handle it works on.
    public var mainOp: Int32 = -1
    public var fileHandle: UInt32 = 0
    public var hasFileHandle = false
    /// The watcher's own clock when the call was seen (the daemon's event order).
    public var order: Int64 = 0
    public init() {}

    public static func == (a: CallMarks, b: CallMarks) -> Bool {
        a.leaves == b.leaves && a.watch == b.watch && a.fired == b.fired && a.mainOp == b.mainOp
            && a.fileHandle == b.fileHandle && a.hasFileHandle == b.hasFileHandle && a.order == b.order
    }
}

/// Pairs every reply with its call: keyed by connection and xid, bounded by count and age, every
/// eviction counted. A call leaves the table when answered (so the table holds only what is
/// outstanding); the last answered calls stay in a small ring to pair duplicate replies.
public struct XIDTable {
    public struct Limits: Sendable {
        /// Calls held at once: 60,000 keep the table within 2^17 slots (~20 MiB); a server with
        /// a thousand clients each filling a 64-slot session is about that.
        public var maximumCalls: Int
        /// An unanswered call is given up after this long (capture time).
        public var maximumAgeNanoseconds: Int64
        /// Answered calls remembered (at most; a direct-mapped cache) to pair a duplicate reply.
        public var answeredRing: Int

        public init(maximumCalls: Int = 60_000, maximumAgeNanoseconds: Int64 = 300_000_000_000,
                    answeredRing: Int = 4096) {
            self.maximumCalls = maximumCalls
            self.maximumAgeNanoseconds = maximumAgeNanoseconds
            self.answeredRing = max(1, answeredRing)
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var calls = 0
        public var replies = 0
        /// Replies paired with their call.
        public var paired = 0
        /// Replies whose call was never seen.
        public var orphanReplies = 0
        public var retransmissions = 0
        public var duplicateReplies = 0
        /// Calls given up unanswered after `maximumAgeNanoseconds`.
        public var expiredUnanswered = 0
        /// Calls dropped to stay within `maximumCalls`.
        public var evictedForSpace = 0
        /// Of the calls expired or evicted, those a no-reply rule watched and had not fired for:
        /// what the rule could not judge.
        public var watchedLost = 0
        public init() {}
    }

    public let limits: Limits
    public private(set) var statistics = Statistics()
    private var calls = FlowTable<CallKey, CallRecord>()

    /// Bytes the table holds (its slots and the answered-call ring).
    public var footprint: Int {
        calls.footprint + answered.capacity * MemoryLayout<(key: CallKey, call: CallRecord)?>.stride
    }
    /// Capture time of the last sweep (nil before the first call).
    private var lastSweep: Int64?
    /// Recently answered calls, in a direct-mapped cache: a slot per key hash, overwritten by
    /// the next call that lands there (no probing, no deletions on the per-reply path).
    private var answered: [(key: CallKey, call: CallRecord)?]
    private let answeredMask: Int

    public init(limits: Limits = Limits()) {
        self.limits = limits
        var size = 1
        while size < limits.answeredRing { size <<= 1 }
        answered = Array(repeating: nil, count: size)
        answeredMask = size - 1
    }

    @inline(__always)
    private func answeredSlot(_ key: CallKey) -> Int {
        var h = key.tableHash
        h ^= h >> 29
        h &*= 0xbf58_476d_1ce4_e5b9
        return Int(truncatingIfNeeded: h >> 32) & answeredMask
    }

    @inline(__always)
    private func answeredCall(_ key: CallKey) -> CallRecord? {
        guard let entry = answered[answeredSlot(key)], entry.key == key else { return nil }
        return entry.call
    }

    public var count: Int { calls.count }

    /// Records a call. Returns true when it repeats a call still unanswered (a retransmission,
    /// which keeps the first call's time); a call reusing an answered xid starts afresh.
    public mutating func call(_ key: CallKey, _ record: CallRecord) -> Bool {
        statistics.calls += 1
        if expiresOnCalls { sweepIfDue(now: record.time) }
        let (slot, inserted) = calls.slot(for: key, create: { record })
        var retransmission = !inserted
        if inserted, let earlier = answeredCall(key), earlier.bodyHash == record.bodyHash {
            // The same call again after its reply (the reply was lost before the client): its
            // next reply is a duplicate, timed from the first call, as tshark times it. A reused
            // xid with other arguments is a new call.
            calls[slot: slot] = earlier
            calls[slot: slot].answeredBefore = true
            retransmission = true
        }
        if retransmission { statistics.retransmissions += 1 }
        if calls.count > limits.maximumCalls { makeRoom(now: record.time) }
        return retransmission
    }

    /// Finds the call a reply answers (`key` is the call's direction); `duplicate` says the call
    /// had been answered already.
    public mutating func reply(_ key: CallKey, time: Int64) -> (call: CallRecord, duplicate: Bool)? {
        statistics.replies += 1
        if let call = calls.removeValue(forKey: key) {
            statistics.paired += 1
            if call.answeredBefore { statistics.duplicateReplies += 1 }
            remember(key, call)
            return (call, call.answeredBefore)
        }
        if let earlier = answeredCall(key) {
            statistics.paired += 1
            statistics.duplicateReplies += 1
            return (earlier, true)
        }
        statistics.orphanReplies += 1
        return nil
    }

    private mutating func remember(_ key: CallKey, _ call: CallRecord) {
        var call = call
        call.answeredBefore = false
        answered[answeredSlot(key)] = (key, call)
    }

    /// True when `key` has a call waiting (used to believe a reply on an unknown port).
    public func isWaiting(_ key: CallKey) -> Bool { calls.slot(for: key) != nil }

    private mutating func sweepIfDue(now: Int64) {
        // Sweeping costs a pass over the table: once every ten seconds of capture time is plenty.
        if let last = lastSweep, now >= last, SaturatingTime.elapsed(from: last, to: now) < 10_000_000_000 { return }
        lastSweep = now
        let age = limits.maximumAgeNanoseconds
        var lost = 0
        var watched: [(key: CallKey, call: CallRecord)] = []
        statistics.expiredUnanswered += calls.removeAll { key, c in
            guard SaturatingTime.elapsed(from: c.time, to: now) > age else { return false }
            if c.marks.watch & ~c.marks.fired != 0 {
                // unanswered past the longest wait there is: its no-reply rules are owed an
                // answer, handed on rather than forgotten (bounded)
                if expiredWatched.count + watched.count < Self.expiredWatchedCapacity {
                    watched.append((key, c))
                } else {
                    lost += 1
                }
            }
            return true
        }
        expiredWatched += watched
        statistics.watchedLost += lost
    }

    /// Over the count limit: drop the oldest calls, down to three quarters.
    private mutating func makeRoom(now: Int64) {
        let target = limits.maximumCalls * 3 / 4
        var removed = 0
        if calls.count > target {
            var times: [Int64] = []
            times.reserveCapacity(calls.count)
            calls.forEach { times.append($1.time) }
            times.sort()
            let cutoff = times[calls.count - target - 1]
            var lost = 0
            removed += calls.removeAll { _, c in
                guard c.time <= cutoff else { return false }
                if c.marks.watch & ~c.marks.fired != 0 { lost += 1 }
                return true
            }
            statistics.watchedLost += lost
        }
        statistics.evictedForSpace += removed
    }

    /// Expire old calls as calls arrive, by their own times (the default). A daemon sharing
    /// flows out to several tables turns it off and calls `expire(now:)` with one clock for
    /// all of them, so that the same calls expire whatever table holds them.
    public var expiresOnCalls = true

    /// Drops the calls unanswered for longer than `maximumAgeNanoseconds` by `now` (a pass
    /// over the table at most every ten seconds of `now`).
    public mutating func expire(now: Int64) {
        sweepIfDue(now: now)
    }

    /// Calls a no-reply rule watched that expired unanswered (`maximumAgeNanoseconds`), for
    /// the watcher to judge (`takeExpiredWatched`); at most `expiredWatchedCapacity` wait.
    public private(set) var expiredWatched: [(key: CallKey, call: CallRecord)] = []
    public static let expiredWatchedCapacity = 1 << 16

    public mutating func takeExpiredWatched() -> [(key: CallKey, call: CallRecord)] {
        defer { expiredWatched = [] }
        return expiredWatched
    }

    /// Changes the marks of the outstanding call `key`; false when it is not in the table.
    @discardableResult
    public mutating func mark(_ key: CallKey, _ body: (inout CallMarks) -> Void) -> Bool {
        guard let slot = calls.slot(for: key) else { return false }
        body(&calls[slot: slot].marks)
        return true
    }

    /// Every outstanding call some no-reply rule watches and has not fired for, with its key;
    /// `body` may change its marks (to say it fired).
    public mutating func forEachWatched(_ body: (CallKey, CallRecord, inout CallMarks) -> Void) {
        var changes: [(CallKey, CallMarks)] = []
        calls.forEach { key, call in
            guard call.marks.watch & ~call.marks.fired != 0 else { return }
            var marks = call.marks
            body(key, call, &marks)
            if marks != call.marks { changes.append((key, marks)) }
        }
        for (key, marks) in changes { mark(key) { $0 = marks } }
    }

    /// Calls still unanswered (for the end of a trace's statistics).
    public var unanswered: Int { calls.count }
}

/// What an NFSv4 COMPOUND or CB_COMPOUND says as a whole, worked out once from its tape: the
/// ops array, the main op, the status, the op that failed and where, and (through
/// `fileHandles`) the file each op works on. Display, match and events read this; none of them
/// works it out again. A value of tape indexes: it allocates nothing.
public struct NFSCompoundAnalysis: Sendable {
    /// The tape index of the ops array (`argarray` / `resarray`).
    public let array: Int
    public let isReply: Bool
    /// CB_COMPOUND: op numbers are `nfs_cb_opnum4`, and no op moves a current file handle.
    public let isCallback: Bool
    /// Elements of the ops array, including an op cut by the snaplen before its number.
    public let elementCount: Int
    /// The tape indexes of the compound's `tag` and (replies) its `status`; nil when not on the tape.
    public let tagEntry: Int?
    public let statusEntry: Int?
    /// The main op: the last of the highest `@rank` (NFStest's priority; nfs4.x), so the last
    /// op when every op has rank 0 (SEQUENCE;PUTFH;GETATTR → GETATTR;
    /// PUTFH;GETATTR;ACCESS;OPEN;GETFH → OPEN; PUTROOTFH;LOOKUP;LOOKUP → the second LOOKUP).
    public let mainElement: Int?
    public let mainIndex: Int?
    public let mainOp: Int64?
    /// A reply whose status is not NFS4_OK: the server stops at the first op that fails, so it
    /// is the last result (RFC 8881 section 15.2). nil when the last element has no op number.
    public let failedElement: Int?
    public let failedIndex: Int?
    public let failedOp: Int64?

    /// The compound status (`nfsstat4`), when the message is a reply that has one on the tape.
    public func status(_ tape: Tape) -> Int64? { statusEntry.map { tape[$0].signedValue } }

    /// The analysis of a compound call or reply; nil when the procedure is not a compound or its
    /// ops array is not on the tape.
    public static func analyse(tape: Tape, program: UInt32, version: UInt32, procedure: UInt32,
                               isReply: Bool) -> NFSCompoundAnalysis? {
        guard let array = XDRCompound.operations(tape, program: program, version: version, procedure: procedure,
                                                 isReply: isReply) else { return nil }
        return NFSCompoundAnalysis(tape: tape, array: array, isReply: isReply, isCallback: program != 100_003)
    }

    /// The analysis of the ops array at tape index `array`.
    public init(tape: Tape, array: Int, isReply: Bool, isCallback: Bool) {
        self.array = array
        self.isReply = isReply
        self.isCallback = isCallback
        let top = 0..<tape.count
        tagEntry = tape.find(NFSCompoundFields.argsTag, in: top) ?? tape.find(NFSCompoundFields.resTag, in: top)
            ?? tape.find(NFSCompoundFields.callbackArgsTag, in: top) ?? tape.find(NFSCompoundFields.callbackResTag, in: top)
        statusEntry = isReply
            ? tape.find(NFSCompoundFields.resStatus, in: top) ?? tape.find(NFSCompoundFields.callbackResStatus, in: top)
            : nil
        var count = 0, last: Int?
        var best: Int?, bestIndex: Int?, bestOp: Int64?, bestRank = -1
        var i = array + 1
        let end = Int(tape[array].value)
        while i < end {
            last = i
            if let (d, v) = XDRCompound.opcode(tape, element: i) {
                let rank = XDRCatalogue.armRank(discriminant: d, value: v)
                if rank >= bestRank {
                    (best, bestIndex, bestOp, bestRank) = (i, count, v, rank)
                }
            }
            count += 1
            i = tape.next(after: i)
        }
        elementCount = count
        (mainElement, mainIndex, mainOp) = (best, bestIndex, bestOp)
        if let statusEntry, tape[statusEntry].value != 0, let last, let (_, op) = XDRCompound.opcode(tape, element: last) {
            (failedElement, failedIndex, failedOp) = (last, count - 1, op)
        } else {
            (failedElement, failedIndex, failedOp) = (nil, nil, nil)
        }
    }

    /// The file handles of each op in order (see `NFSCompoundFileHandles`).
    public func fileHandles(_ tape: Tape) -> NFSCompoundFileHandles {
        NFSCompoundFileHandles(tape: tape, analysis: self)
    }

    /// The file handles of the op at `index` (0-based among the elements); nil past the end.
    public func fileHandles(_ tape: Tape, atIndex index: Int) -> NFSCompoundFileHandles.Op? {
        var walk = fileHandles(tape)
        while let op = walk.next() {
            if op.index == index { return op }
        }
        return nil
    }
}

/// The current file handle through a compound (RFC 8881 section 16.2.3): PUTFH sets it (its
/// argument, which the reply does not echo), PUTPUBFH/PUTROOTFH set one the message does not
/// show, SAVEFH/RESTOREFH keep and bring it back, LOOKUP/OPEN/CREATE… move it to an object
/// whose handle only a GETFH in the reply shows — and that GETFH shows it for every op since
/// the object was reached. One pass over the ops; a look ahead for that GETFH is done once per
/// stretch of ops, so the walk is linear and allocates nothing.
public struct NFSCompoundFileHandles: IteratorProtocol, Sendable {
    public struct Op: Sendable {
        /// Position among the elements, and the element's tape index.
        public let index: Int
        public let element: Int
        /// The op number; nil for an op cut before it.
        public let op: Int64?
        /// The tape index of the handle of the file the op works on (the current file handle
        /// when it runs); nil when the message does not show it.
        public let current: Int?
        /// The tape index of the handle the op leaves current (LOOKUP's and OPEN's object).
        public let result: Int?
        /// The object the compound reaches from this op on: the handle the op leaves current,
        /// else the first GETFH after it before a PUTFH or RESTOREFH starts elsewhere (the file a
        /// PUTFH;LOOKUP;LOOKUP;GETFH path ends on, for its first LOOKUP too).
        public let reached: Int?
        /// The tape index of the saved file handle (SAVEFH's), when a display follows it.
        public let saved: Int?

        public init(index: Int, element: Int, op: Int64?, current: Int?, result: Int?, reached: Int?,
                    saved: Int? = nil) {
            self.index = index
            self.element = element
            self.op = op
            self.current = current
            self.result = result
            self.reached = reached
            self.saved = saved
        }
    }

    let tape: Tape
    let isReply: Bool
    let tracks: Bool
    let end: Int
    var i: Int
    var n = 0
    var current: Int?
    var saved: Int?
    // the last look ahead: its answer holds for every position up to `aheadThrough`
    var aheadThrough = -1
    var aheadValue: Int?
    var reachThrough = -1
    var reachValue: Int?

    init(tape: Tape, analysis: NFSCompoundAnalysis) {
        self.tape = tape
        isReply = analysis.isReply
        tracks = !analysis.isCallback
        end = Int(tape[analysis.array].value)
        i = analysis.array + 1
    }

    public mutating func next() -> Op? {
        guard i < end else { return nil }
        let element = i
        i = tape.next(after: i)
        defer { n += 1 }
        guard let (_, op) = XDRCompound.opcode(tape, element: element) else {
            return Op(index: n, element: element, op: nil, current: lookAhead(from: n, element: element), result: nil,
                      reached: nil)
        }
        guard tracks else { return Op(index: n, element: element, op: op, current: nil, result: nil, reached: nil) }
        switch op {
        case NFSv4Operation.putfh: current = isReply ? nil : XDRCompound.fileHandleEntry(tape, element: element)
        case NFSv4Operation.putpubfh, NFSv4Operation.putrootfh: current = nil
        default: break
        }
        let before = current ?? lookAhead(from: n, element: element)
        if op == NFSv4Operation.getfh, isReply, let handle = XDRCompound.fileHandleEntry(tape, element: element) {
            current = handle
        }
        switch op {
        case NFSv4Operation.savefh: saved = current
        case NFSv4Operation.restorefh: current = saved
        case _ where NFSv4Operation.movesToUnseenObject(op): current = nil
        default: break
        }
        var after = current
        if after == nil, i < end, !nextPutsFileHandle() { after = lookAhead(from: n + 1, element: i) }
        let reached = after ?? (i < end ? reachAhead(from: n + 1, element: i) : nil)
        return Op(index: n, element: element, op: op, current: before, result: after, reached: reached)
    }

    func nextPutsFileHandle() -> Bool {
        guard let (_, op) = XDRCompound.opcode(tape, element: i) else { return false }
        return NFSv4Operation.putsFileHandle(op)
    }

    /// The handle of the first GETFH (in a reply) at or after position `from` that still shows
    /// the object current there: none of the ops between puts a file handle (after the first) or
    /// moves to another object (before the GETFH).
    mutating func lookAhead(from: Int, element: Int) -> Int? {
        if from > aheadThrough { (aheadThrough, aheadValue) = scan(from: from, element: element, reaching: false) }
        return aheadValue
    }

    /// The handle of the first GETFH (in a reply) at or after position `from`, before any op
    /// that puts a file handle or restores the saved one; LOOKUPs on the way do not stop it.
    mutating func reachAhead(from: Int, element: Int) -> Int? {
        if from > reachThrough { (reachThrough, reachValue) = scan(from: from, element: element, reaching: true) }
        return reachValue
    }

    /// The answer of a look ahead from `from`, and the last position it holds for.
    func scan(from: Int, element: Int, reaching: Bool) -> (through: Int, handle: Int?) {
        guard tracks, isReply else { return (Int.max, nil) }
        var k = from, e = element
        while e < end {
            if let (_, op) = XDRCompound.opcode(tape, element: e) {
                if NFSv4Operation.putsFileHandle(op) && (k > from || reaching) { return (max(k - 1, from), nil) }
                if op == NFSv4Operation.getfh, let handle = XDRCompound.fileHandleEntry(tape, element: e) {
                    return (k, handle)
                }
                if op == NFSv4Operation.restorefh || (!reaching && NFSv4Operation.movesToUnseenObject(op)) {
                    return (k, nil)
                }
            }
            k += 1
            e = tape.next(after: e)
        }
        return (max(k - 1, from), nil)
    }
}

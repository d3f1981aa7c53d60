import Decode

/// The body of an NFSv4 COMPOUND (or CB_COMPOUND) line as NFStest 3.2 chooses it: the ops by
/// their rank (NFStest's priority, each arm's `@rank` in nfs4.x), highest first and the last of
/// equals first; an op of rank 0 never shows; the first whose summary is not empty is shown, and
/// after a successful OPEN reply also the GETFH that follows it. The file handles the summaries
/// show are NFStest's: the current one is set by PUTFH (call) or GETFH (reply) only, and kept
/// through SAVEFH and RESTOREFH, so after PUTROOTFH;LOOKUP a directory shows as `DH:/name`.
enum NFStestCompound {
    struct Op {
        let element: Int
        let op: Int64
        let rank: Int
        let handles: NFSCompoundFileHandles.Op
    }

    /// `verbose`: the ops shown also say what pktt adds (their formats' words after `||`); which
    /// ops are shown is NFStest's choice either way.
    static func appendBody(_ tape: Tape, _ bytes: UnsafeRawBufferPointer, _ compound: NFSCompoundAnalysis,
                           verbose: Bool = false, _ first: inout Bool, _ out: inout TextBuffer) {
        var ops: [Op] = []
        var current: Int?, saved: Int?
        var i = compound.array + 1, n = 0
        let end = Int(tape[compound.array].value)
        while i < end {
            defer { i = tape.next(after: i); n += 1 }
            guard let (d, v) = XDRCompound.opcode(tape, element: i) else { continue }
            if !compound.isCallback {
                switch v {
                case NFSv4Operation.putfh where !compound.isReply: current = XDRCompound.fileHandleEntry(tape, element: i)
                case NFSv4Operation.getfh where compound.isReply: current = XDRCompound.fileHandleEntry(tape, element: i)
                case NFSv4Operation.savefh: saved = current
                case NFSv4Operation.restorefh: current = saved
                default: break
                }
            }
            let handles = NFSCompoundFileHandles.Op(index: n, element: i, op: v, current: current, result: nil,
                                                    reached: nil, saved: saved)
            ops.append(Op(element: i, op: v, rank: XDRCatalogue.armRank(discriminant: d, value: v), handles: handles))
        }
        // highest rank first, the last of equals first
        let order = ops.indices.sorted { ops[$0].rank != ops[$1].rank ? ops[$0].rank > ops[$1].rank : $0 > $1 }
        let failed = compound.statusEntry.map { tape[$0].value != 0 } ?? false
        var next: Int64?
        var shown = false
        for k in order where ops[k].rank > 0 {
            let op = ops[k]
            let mark = out.bytes.count
            var firstWord = true
            if shown { out.append(byte: UInt8(ascii: " ")) }
            let start = out.bytes.count
            TapeSummary.appendElement(tape, bytes, compound, op.handles, &firstWord, &out)
            let empty = out.bytes.count == start
            guard (next == nil && !empty) || op.op == next else {
                out.dropLast(out.bytes.count - mark)
                continue
            }
            if verbose {
                out.dropLast(out.bytes.count - start)
                var again = true
                TapeSummary.appendElement(tape, bytes, compound, op.handles, verbose: true, &again, &out)
            }
            shown = true
            first = false
            // a successful OPEN reply is followed by the file handle its GETFH shows
            let lastAndFailed = failed && k == ops.count - 1
            next = compound.isReply && op.op == NFSv4Operation.open && !lastAndFailed ? NFSv4Operation.getfh : nil
            if next == nil { break }
        }
    }
}

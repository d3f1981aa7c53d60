import Decode
import Match
import Track

/// What matching keeps between calls: the calls whose replies `match(…, reply: true)` returns,
/// the packet list of buffered matching, compiled expressions, the matched NFS op.
struct PkttMatching {
    /// Indexes of matched calls whose replies are still to come (the seed's xid list).
    var calls = Set<Int>()
    var packetList: [Pkt]?
    /// The position in `packetList` of the packet `next()` gives next.
    var listIndex = 0
    var scratch = MatchScratch()
    /// Expressions compiled once each (bounded: cleared when it grows past 256).
    var compiled: [String: MatchExpression] = [:]
    var nfsOp: PkttNFSOp?
    var replyMatched = false

    mutating func nextListed() -> Bool {
        guard let list = packetList, listIndex < list.count else { return false }
        listIndex += 1
        return true
    }

    mutating func rewindList(to index: Int) -> Bool {
        guard let list = packetList, index >= 0, index <= list.count else { return false }
        listIndex = index
        return true
    }

    var listed: Pkt? {
        guard let list = packetList, listIndex > 0, listIndex <= list.count else { return nil }
        return list[listIndex - 1]
    }

    mutating func expression(_ text: String) throws(MatchError) -> MatchExpression {
        if let e = compiled[text] { return e }
        let e = try MatchExpression(text)
        if compiled.count >= 256 { compiled.removeAll() }
        compiled[text] = e
        return e
    }
}

/// The NFSv4 operation a match found its field in (the seed's `pkt.NFSop`), with its fields
/// readable by name: `trace.nfsOp?["stateid"]`.
public struct PkttNFSOp: Sendable {
    /// Its position in the compound (the seed's `NFSidx`), 0 for the first op.
    public let index: Int
    /// The op number (`OP_OPEN` is 18).
    public let op: Int64
    /// The op's name (`OPEN`).
    public let name: String
    let range: Range<Int>
    let tape: Tape
    let message: [UInt8]

    /// The first field of the op named `member` (its XDR name, or NFStest's without the RFC's
    /// prefix: `stateid`, `sequenceid`); a stateid reads as its `other`.
    public subscript(member: String) -> MatchFieldValue? {
        message.withUnsafeBytes { MatchField.member(member, in: range, tape: tape, message: $0) }
    }
}

extension Pktt {
    /// Whether the current packet matches `expression` (`scratch`: the caller's, reused from
    /// packet to packet so that matching allocates nothing).
    public func matches(_ expression: MatchExpression, scratch: inout MatchScratch) -> Bool {
        // Through the pointer: `packet` would copy the whole decoded packet, and a closure
        // that captured the pipeline would copy all of it.
        let record = state.pointee.record
        return state.pointee.withPacketInPlace(frame: frameBytes) { packet, tape, message in
            expression.matches(inPlace: &packet, tape: &tape, message: message, record: record, scratch: &scratch)
        }
    }

    /// Judges every expression of `rules` on the current packet, calling `matched` with the
    /// position of each that matches and the tape entry its match was found in.
    public func matches(_ rules: MatchRuleSet, scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        let record = state.pointee.record
        state.pointee.withPacketInPlace(frame: frameBytes) { packet, tape, message in
            rules.matches(inPlace: &packet, tape: &tape, message: message, record: record, scratch: &scratch, matched)
        }
    }

    /// The next packet that matches `expression`, from the current index on (the seed's
    /// `match`): the index then points past it. `maxIndex`: give up at that packet index.
    /// `rewind`: when nothing matches, go back to where the search began (else stay at the
    /// end). `reply`: remember each matched call, and return its reply when it comes whatever
    /// the expression (`replyMatched` set on it). Sets `nfsOp` to the NFSv4 op the match was
    /// found in. Throws a `MatchError` for a bad expression, before reading anything.
    ///
    ///     while let open = try trace.match("NFS.argop == 18") { print(open) }
    @discardableResult
    public func match(_ expression: String, maxIndex: Int? = nil, rewind: Bool = true,
                      reply: Bool = false) throws -> Pkt? {
        let e = try matching.expression(expression)
        let start = index
        matching.nfsOp = nil
        while true {
            do {
                guard try next() else { break }
            } catch {
                continue  // a damaged file: the packets before the damage were read; go on
            }
            // A listed packet is judged as it is; a packet of the file in place, and copied out
            // into a `Pkt` only when it is returned.
            let listed = matching.listed
            if matching.packetList != nil && listed == nil { break }
            let record = listed?.record ?? self.record
            if let maxIndex, record.index >= maxIndex { break }
            let rpc: RPC? = listed.map { $0.rpc } ?? (packet.has(.rpc) ? packet.rpc : nil)
            if reply, let rpc, !rpc.isCall, rpc.callSeen, matching.calls.contains(rpc.callIndex),
               var p = listed ?? pkt {
                matching.calls.remove(rpc.callIndex)
                p.replyMatched = true
                matching.replyMatched = true
                return p
            }
            var scratch = matching.scratch
            let matched = listed?.matches(e, scratch: &scratch) ?? matches(e, scratch: &scratch)
            matching.scratch = scratch
            guard matched, let current = listed ?? pkt else { continue }
            if reply, current.rpc?.isCall == true { matching.calls.insert(current.record.index) }
            matching.replyMatched = false
            matching.nfsOp = Self.operation(containing: scratch.matchedEntry, in: current)
            return current
        }
        if rewind { try self.rewind(to: start) }
        return nil
    }

    /// Whether a packet from the current index on matches (the seed's `expr in trace`); moves
    /// as `match` does.
    public func contains(_ expression: String) throws -> Bool {
        try match(expression) != nil
    }

    /// Forgets the calls `match(…, reply: true)` was waiting to see answered.
    public func clearXIDList() {
        matching.calls.removeAll()
    }

    /// The NFSv4 op the last match found its field in, and its position (`NFSop`, `NFSidx`).
    public var nfsOp: PkttNFSOp? { matching.nfsOp }
    public var nfsIndex: Int? { matching.nfsOp?.index }

    /// The current packet, as an owned view (the listed one in buffered matching).
    public var pkt: Pkt? {
        if matching.packetList != nil { return matching.listed }
        guard state.pointee.nextIndex > 0 else { return nil }
        let tape = self.tape
        return withMessageBytes { message, _ in
            Pkt(record: record, packet: packet, tape: tape, message: Array(message), file: currentFile)
        }
    }

    /// The call of the current reply (the seed's `pkt_call`); nil when the packet is not a
    /// reply whose call was seen. Reads the call again through `rewind(to:)`, then the reply.
    public var pktCall: Pkt? {
        guard let here = pkt, let rpc = here.rpc, !rpc.isCall, rpc.callSeen else { return nil }
        if let list = matching.packetList { return list.first { $0.record.index == rpc.callIndex } }
        let call = self[rpc.callIndex]
        _ = self[here.record.index]
        return call
    }

    /// Buffered matching (the seed's `set_pktlist`): `next`, `match` and `rewind` then work on
    /// these packets alone, `index` being the position in the list; nil goes back to the file.
    public func setPacketList(_ packets: [Pkt]?) {
        matching.packetList = packets
        matching.listIndex = 0
    }

    /// `data` as the body of a quoted string in an expression (the seed's `escape`): quotes,
    /// backslashes and every byte outside printable ASCII as `\xNN`.
    public static func escape(_ data: [UInt8]) -> String {
        var s = ""
        for b in data {
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x7f {
                s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            } else {
                s.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return s
    }

    public static func escape(_ text: String) -> String { escape(Array(text.utf8)) }

    /// An expression for packets from `address` (and TCP `port`): `IP.src == '…' and TCP.src_port == N`.
    public static func ipTCPSrcExpr(_ address: String, port: Int? = nil) -> String {
        "IP.src == '\(escape(address))'" + (port.map { " and TCP.src_port == \($0)" } ?? "")
    }

    /// An expression for packets to `address` (and TCP `port`): `IP.dst == '…' and TCP.dst_port == N`.
    public static func ipTCPDstExpr(_ address: String, port: Int? = nil) -> String {
        "IP.dst == '\(escape(address))'" + (port.map { " and TCP.dst_port == \($0)" } ?? "")
    }

    /// The op of `p`'s compound that holds tape entry `entry`.
    static func operation(containing entry: Int?, in p: Pkt) -> PkttNFSOp? {
        guard let entry, let rpc = p.rpc,
              let compound = NFSCompoundAnalysis.analyse(tape: p.tape, program: rpc.program, version: rpc.version,
                                                         procedure: rpc.procedure, isReply: !rpc.isCall)
        else { return nil }
        var i = compound.array + 1, position = 0
        let end = Int(p.tape[compound.array].value)
        while i < end {
            let next = p.tape.next(after: i)
            if entry >= i && entry < next {
                guard let (d, op) = XDRCompound.opcode(p.tape, element: i) else { return nil }
                return PkttNFSOp(index: position, op: op, name: XDRCompound.name(discriminant: d, value: op),
                                 range: i..<next, tape: p.tape, message: p.message)
            }
            i = next
            position += 1
        }
        return nil
    }
}

extension MatchDepth {
    /// The pipeline depth a trace needs to judge expressions of this depth.
    public var decodeDepth: DecodeDepth {
        switch self {
        case .transport: .transport
        case .rpc: .rpc
        case .body: .all
        }
    }
}

import Decode

/// Fields of a program body (NFS, MOUNT, PORTMAP, NLM, NSM) found on the tape by field id: the
/// seed's flat namespace (`NFS.status` is every `status` of the message, the compound's and
/// each op's) or, for a qualified name (`NFS.opputfh.status`), the first occurrence only.
final class MatchBodyOperand: MatchOperand, @unchecked Sendable {
    /// A bit per field id of `XDRCatalogue.fields`.
    let ids: MatchFieldSet
    let firstOnly: Bool
    /// The layer whose body holds these fields: a packet without it has none of them.
    let layer: Layer

    init(_ ids: MatchFieldSet, firstOnly: Bool, layer: Layer, kinds: MatchKinds, column: Int, label: String) {
        self.ids = ids
        self.layer = layer
        self.firstOnly = firstOnly
        super.init(kinds: kinds, column: column, label: label)
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        guard p.pointee.has(layer) else { return false }
        // One pass over the tape's entries and the id bits, through buffer pointers: this loop
        // is most of what a rule on a body costs
        return t.pointee.entries.withUnsafeBufferPointer { entries in
            ids.withBits { bits in
                var i = 0
                while i < entries.count {
                    let entry = entries[i]
                    let w = Int(entry.field) >> 6
                    guard w < bits.count, bits[w] >> UInt64(entry.field & 63) & 1 == 1, entry.kind != .end else {
                        i += 1
                        continue
                    }
                    var next = i + 1
                    let held = Self.value(t, at: i, entry, e.message, skipTo: &next).map { body($0, &e) }
                    if held == true {
                        if e.scratch.pointee.matchedEntry == nil { e.scratch.pointee.matchedEntry = i }
                        return true
                    }
                    // the first occurrence alone: the first one that has a value
                    if firstOnly && held != nil { return false }
                    i = next
                }
                return false
            }
        }
    }

    /// The value of the tape entry at `i`; nil for one with none (a struct, an absent optional,
    /// an opaque whose bytes are not in the buffer). `next` is moved past what the value used
    /// (a bitmap's words).
    static func value(_ t: UnsafePointer<Tape>, at i: Int, _ entry: TapeEntry, _ message: UnsafeRawBufferPointer,
                      skipTo next: inout Int) -> MatchValue? {
        switch entry.kind {
        case .uint32, .int32:
            // constants that share a prefix name a plain number too (the leaves agree)
            let table = XDRCatalogue.field(entry.field).names
            return table == 0 ? .integer(Int128(entry.signedValue)) : .enumerated(entry.signedValue, table: table)
        case .uint64: return .integer(Int128(entry.value))
        case .int64: return .integer(Int128(entry.signedValue))
        case .bool: return .boolean(entry.value != 0)
        case .enumeration:
            return .enumerated(entry.signedValue, table: XDRCatalogue.field(entry.field).names)
        case .opaque, .string:
            return bytes(entry.byteRange, message)
        case .structBegin:
            // a stateid compares as its `other` (what the seed's `escape(stateid.other)` gives)
            guard XDRCatalogue.field(entry.field).hint == .stateid else { return nil }
            let end = min(Int(entry.value), t.pointee.count)
            var j = i + 1
            while j < end {
                if t.pointee[j].kind == .opaque { return bytes(t.pointee[j].byteRange, message) }
                j += 1
            }
            return nil
        case .arrayBegin:
            guard XDRCatalogue.field(entry.field).hint == .bitmap else { return nil }
            let end = min(Int(entry.value), t.pointee.count)
            var bits: Int128 = 0
            var word = 0
            var j = i + 1
            while j < end && word < 4 {
                if t.pointee[j].kind == .uint32 { bits |= Int128(t.pointee[j].value & 0xffff_ffff) << (32 * word) }
                word += 1
                j += 1
            }
            next = end + 1
            return .bitmap(bits)
        case .end, .absent:
            return nil
        }
    }

    @inline(__always)
    static func bytes(_ r: ByteRange, _ message: UnsafeRawBufferPointer) -> MatchValue? {
        guard r.offset >= 0, r.count >= 0, r.offset <= message.count - r.count else { return nil }
        return .bytes(UnsafeRawBufferPointer(rebasing: message[r.offset..<(r.offset + r.count)]))
    }
}

/// `NFS.argop`, `NFS.resop`, `NFS.op`: the op numbers of an NFSv4 compound (or callback), and on
/// NFSv2/v3 the procedure number, as NFStest has them. `argop` holds on calls, `resop` on
/// replies, `op` on either.
final class MatchNFSOpOperand: MatchOperand, @unchecked Sendable {
    enum Side { case call, reply, either }
    let side: Side
    /// The NFSv4 discriminants (`argop`, `resop` or both, COMPOUND and CB_COMPOUND).
    let compound: MatchBodyOperand

    init(side: Side, compound: MatchBodyOperand, column: Int, label: String) {
        self.side = side
        self.compound = compound
        super.init(kinds: [.named, .integer], column: column, label: label)
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        guard p.pointee.has(.nfs) else { return false }
        let rpc = p.pointee.rpc
        if rpc.program == 100_003 && rpc.version < 4 {
            switch side {
            case .call: guard rpc.isCall else { return false }
            case .reply: guard !rpc.isCall else { return false }
            case .either: break
            }
            let name = XDRCatalogue.procedureName(program: rpc.program, version: rpc.version, procedure: rpc.procedure)
            return body(.named(name, Int128(rpc.procedure)), &e)
        }
        return compound.any(p, t, &e, body)
    }
}

/// What every NFS message has at its top, as JSON writes it: `NFS.version`, `NFS.minorversion`.
final class MatchNFSHeaderOperand: MatchOperand, @unchecked Sendable {
    enum Which { case version, minorVersion }
    let which: Which

    init(_ which: Which, column: Int, label: String) {
        self.which = which
        super.init(kinds: .integer, column: column, label: label)
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        guard p.pointee.has(.nfs) else { return false }
        switch which {
        case .version: return body(.integer(Int128(p.pointee.rpc.version)), &e)
        case .minorVersion:
            guard p.pointee.rpc.minorVersion >= 0 else { return false }
            return body(.integer(Int128(p.pointee.rpc.minorVersion)), &e)
        }
    }
}

/// A set of XDR field ids, one bit each.
struct MatchFieldSet: Sendable {
    private var words: [UInt64]

    init<S: Sequence>(_ ids: S) where S.Element == UInt16 {
        words = Array(repeating: 0, count: (XDRCatalogue.fields.count + 63) / 64)
        for id in ids where Int(id) < XDRCatalogue.fields.count { words[Int(id) >> 6] |= 1 << UInt64(id & 63) }
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    @inline(__always)
    func withBits<T>(_ body: (UnsafeBufferPointer<UInt64>) -> T) -> T { words.withUnsafeBufferPointer(body) }

    var ids: [UInt16] {
        var out: [UInt16] = []
        for (w, word) in words.enumerated() where word != 0 {
            for b in 0..<64 where word >> UInt64(b) & 1 == 1 { out.append(UInt16(w * 64 + b)) }
        }
        return out
    }

    @inline(__always)
    func contains(_ id: UInt16) -> Bool {
        let w = Int(id) >> 6
        return w < words.count && words[w] >> UInt64(id & 63) & 1 == 1
    }
}

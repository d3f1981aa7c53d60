import Decode

/// A program-body field compared with constants (`NFS.status != 0`, `NFS.argop in [18, 4]`,
/// `NFS.status == NFS4ERR_STALE`): the rule an admin writes most. Such comparisons are not
/// judged one by one, each walking the tape: all of an expression's (or a rule set's) are
/// judged in one pass over the tape before the conditions are (`MatchLeafTable.judge`), and
/// each then reads its result. Same meaning as `MatchComparison` on a `MatchBodyOperand`: some
/// entry of the field satisfies it.
final class MatchBodyLeaf: MatchPredicate, @unchecked Sendable {
    /// Its place among the expression's leaves (`MatchScratch.leafHits`, offset by the
    /// environment's `leafBase`).
    let slot: Int
    let layer: Layer
    /// The same comparison judged the slow way: for NFSv2/v3 `NFS.argop`/`resop`/`op`, which
    /// are the procedure, not on the tape.
    let fallback: MatchPredicate
    let procedureFallback: Bool

    init(slot: Int, layer: Layer, fallback: MatchPredicate, procedureFallback: Bool) {
        self.slot = slot
        self.layer = layer
        self.fallback = fallback
        self.procedureFallback = procedureFallback
    }

    override func test(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment) -> Bool {
        if procedureFallback && p.pointee.rpc.program == 100_003 && p.pointee.rpc.version < 4 {
            return fallback.test(p, t, &e)
        }
        guard p.pointee.has(layer) else { return false }
        let hit = e.scratch.pointee.leafHits[e.leafBase + slot]
        guard hit != 0 else { return false }
        if e.scratch.pointee.matchedEntry == nil && hit != MatchScratch.carriedHit {
            e.scratch.pointee.matchedEntry = Int(hit - 1)
        }
        return true
    }
}

/// One leaf's comparison for one field id: the constants resolved for that field (a name is a
/// different number in each enum).
struct MatchLeafTest: Sendable {
    var field: UInt16
    var slot: UInt32
    var op: MatchCompareOperator
    /// `constants[first..<first+count]`: one for a comparison, the list's for `in` / `not in`.
    var first: UInt32
    var count: UInt32
    /// `words[firstWord..<firstWord+wordCount]`: the bare words, compared with a string's text
    /// (a word matches a string that reads the same, case aside).
    var firstWord: UInt32 = 0
    var wordCount: UInt32 = 0
    /// `crc32(FIELD)` or `crc16(FIELD)` is compared, not the field: bytes' checksum.
    var checksum: Checksum = .none

    enum Checksum: UInt8, Sendable { case none, crc32, crc16 }
}

/// The leaves of an expression or a rule set, indexed by field id so that one pass over a
/// tape judges them all. Immutable; shared by the threads that judge.
final class MatchLeafTable: @unchecked Sendable {
    let leafCount: Int
    /// The tests, sorted by field id; their constants; per field id of `XDRCatalogue.fields`,
    /// its tests as `first << 32 | count` (one load per tape entry, the check most get). Kept as
    /// buffers the table owns: judging reads them without retaining or checking anything, and
    /// the table is immutable.
    private let tests: UnsafeMutableBufferPointer<MatchLeafTest>
    private let constants: UnsafeMutableBufferPointer<Int128>
    private let byField: UnsafeMutableBufferPointer<UInt64>
    let words: [[UInt8]]

    /// `tables`: each one's leaves follow the previous one's (a rule set's expressions).
    init(merging tables: [MatchLeafParts]) {
        var tests: [MatchLeafTest] = [], constants: [Int128] = [], words: [[UInt8]] = []
        var base = 0
        for table in tables {
            for var t in table.tests {
                t.slot += UInt32(base)
                t.first += UInt32(constants.count)
                t.firstWord += UInt32(words.count)
                tests.append(t)
            }
            constants += table.constants
            words += table.words
            base += table.leafCount
        }
        tests.sort { $0.field < $1.field }
        var byField = [UInt64](repeating: 0, count: XDRCatalogue.fields.count)
        var i = 0
        while i < tests.count {
            var j = i
            while j < tests.count && tests[j].field == tests[i].field { j += 1 }
            if Int(tests[i].field) < byField.count { byField[Int(tests[i].field)] = UInt64(i) << 32 | UInt64(j - i) }
            i = j
        }
        self.tests = .allocate(capacity: tests.count)
        _ = self.tests.initialize(from: tests)
        self.constants = .allocate(capacity: constants.count)
        _ = self.constants.initialize(from: constants)
        self.byField = .allocate(capacity: byField.count)
        _ = self.byField.initialize(from: byField)
        self.words = words
        leafCount = base
    }

    deinit {
        tests.deallocate()
        constants.deallocate()
        byField.deallocate()
    }

    /// Judges every leaf on the tape, into `hits` (one per leaf: 0, or the index of the first
    /// entry that satisfied it plus one).
    func judge(_ t: UnsafePointer<Tape>, _ message: UnsafeRawBufferPointer, into hits: inout [UInt32]) {
        if hits.count != leafCount { hits = [UInt32](repeating: 0, count: leafCount) }
        hits.withUnsafeMutableBufferPointer { hits in
            hits.update(repeating: 0)
            t.pointee.entries.withUnsafeBufferPointer { entries in judge(t, entries, message, hits) }
        }
    }

    private func judge(_ t: UnsafePointer<Tape>, _ entries: UnsafeBufferPointer<TapeEntry>,
                       _ message: UnsafeRawBufferPointer, _ hits: UnsafeMutableBufferPointer<UInt32>) {
        let byField = UnsafeBufferPointer(byField), tests = UnsafeBufferPointer(tests)
        let constants = UnsafeBufferPointer(constants)
        // most entries are of no interest: one load and one test each
        var i = 0
        let n = entries.count, fields = byField.count
        while i < n {
            let field = Int(entries[i].field)
            let span = field < fields ? byField[field] : 0
            if span == 0 {
                i += 1
                continue
            }
            let entry = entries[i]
            guard entry.kind != .end else {
                i += 1
                continue
            }
            var next = i + 1
            let first = Int(span >> 32), count = Int(span & 0xffff_ffff)
            if let v = Self.number(t, at: i, entry, message, skipTo: &next) {
                for k in first..<(first + count) {
                    let test = tests[k]
                    if test.checksum == .none && hits[Int(test.slot)] == 0 && Self.holds(test, v, constants) {
                        hits[Int(test.slot)] = UInt32(truncatingIfNeeded: i + 1)
                    }
                }
            } else if entry.kind != .absent && entry.kind != .arrayBegin,
                      case .bytes(let bytes)? = MatchBodyOperand.value(t, at: i, entry, message, skipTo: &next) {
                // a string, an opaque, a stateid's `other`: checksums and words
                var crc32: Int128?, crc16: Int128?
                for k in first..<(first + count) {
                    let test = tests[k]
                    guard hits[Int(test.slot)] == 0 else { continue }
                    let held: Bool
                    switch test.checksum {
                    case .crc32:
                        let v = crc32 ?? Int128(CRC32.checksum(bytes))
                        crc32 = v
                        held = Self.holds(test, v, constants)
                    case .crc16:
                        let v = crc16 ?? Int128(CRC16.checksum(bytes, ByteRange(offset: 0, count: bytes.count)))
                        crc16 = v
                        held = Self.holds(test, v, constants)
                    case .none:
                        held = test.wordCount != 0 && holdsText(test, bytes)
                    }
                    if held { hits[Int(test.slot)] = UInt32(truncatingIfNeeded: i + 1) }
                }
            }
            i = next
        }
    }


    /// The number of the entry at `i`, as `MatchBodyOperand.value` gives it; nil for one that has
    /// none (bytes, a struct, an absent optional).
    @inline(__always)
    static func number(_ t: UnsafePointer<Tape>, at i: Int, _ entry: TapeEntry, _ message: UnsafeRawBufferPointer,
                       skipTo next: inout Int) -> Int128? {
        switch entry.kind {
        case .uint32, .uint64, .bool: return Int128(entry.value)
        case .int32, .int64, .enumeration: return Int128(entry.signedValue)
        case .arrayBegin: return MatchBodyOperand.value(t, at: i, entry, message, skipTo: &next)?.number
        default: return nil
        }
    }

    /// A string's text against the test's words (`==` and `in` only take words).
    private func holdsText(_ test: MatchLeafTest, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let first = Int(test.firstWord)
        for k in first..<(first + Int(test.wordCount)) {
            let same = words[k].withUnsafeBytes { w in
                w.count == bytes.count && zip(w, bytes).allSatisfy { MatchValue.lower($0) == MatchValue.lower($1) }
            }
            if same { return true }
        }
        return false
    }

    @inline(__always)
    static func holds(_ test: MatchLeafTest, _ v: Int128, _ constants: UnsafeBufferPointer<Int128>) -> Bool {
        let first = Int(test.first)
        switch test.op {
        case .isIn, .isNotIn:
            var found = false
            for k in first..<(first + Int(test.count)) where constants[k] == v {
                found = true
                break
            }
            return found == (test.op == .isIn)
        default:
            // a test of words only has no number to compare (a number never reads as a word)
            guard test.count > 0 else { return false }
            let c = constants[first]
            return MatchComparison.holds(test.op, v == c ? 0 : v < c ? -1 : 1)
        }
    }
}

extension MatchCompiler {
    /// The leaf for `lhs OP rhs` when it is a program-body field (flat, not an op's first
    /// occurrence) against integer or name constants; nil for any other comparison.
    static func leafTests(_ op: MatchCompareOperator, _ lhs: MatchOperand, _ rhs: MatchOperand,
                          slot: Int) -> (parts: MatchLeafParts, layer: Layer, procedure: Bool)? {
        var op = op
        var field = lhs, other = rhs
        if lhs.constant != nil && rhs.constant == nil && op != .isIn && op != .isNotIn {
            swap(&field, &other)
            op = op.flipped
        }
        let body: MatchBodyOperand
        let procedure: Bool
        var checksum = MatchLeafTest.Checksum.none
        switch field {
        case let b as MatchBodyOperand: (body, procedure) = (b, false)
        case let o as MatchNFSOpOperand: (body, procedure) = (o.compound, true)
        case let c as MatchCRCOperand:
            guard let b = c.operand as? MatchBodyOperand else { return nil }
            (body, procedure, checksum) = (b, false, c.wide ? .crc32 : .crc16)
        default: return nil
        }
        guard !body.firstOnly else { return nil }
        // the constants: integers, or words that are named values of the field's enums
        var elements: [MatchConstant] = []
        if op == .isIn || op == .isNotIn {
            guard let list = other as? MatchListOperand else { return nil }
            for e in list.elements {
                guard let c = e.constant else { return nil }
                elements.append(c)
            }
        } else {
            guard let c = other.constant else { return nil }
            elements = [c]
        }
        var words = false
        for c in elements {
            switch c {
            case .integer: break
            case .name: words = true
            default: return nil
            }
        }
        // a word against `!=` or an order compares names, not numbers: the slow way
        if words && op != .equal && op != .isIn { return nil }
        // a checksum is a number: a word is never one (and the compiler refuses it)
        if words && checksum != .none { return nil }
        var parts = MatchLeafParts(leafCount: 1)
        let bareWords: [[UInt8]] = elements.compactMap { if case .name(let w) = $0 { Array(w.utf8) } else { nil } }
        for id in body.ids.ids {
            let table = XDRCatalogue.field(id).names
            if checksum != .none {
                parts.tests.append(MatchLeafTest(field: id, slot: UInt32(slot), op: op, first: UInt32(parts.constants.count),
                                                 count: UInt32(elements.count), checksum: checksum))
                for case .integer(let n) in elements { parts.constants.append(n) }
                continue
            }
            if words && table == 0 {
                // no enum: a string field's text is compared with the words (a number never is)
                parts.tests.append(MatchLeafTest(field: id, slot: UInt32(slot), op: op, first: UInt32(parts.constants.count),
                                                 count: 0, firstWord: UInt32(parts.words.count),
                                                 wordCount: UInt32(bareWords.count)))
                parts.words += bareWords
                continue
            }
            var resolved: [Int128] = []
            for c in elements {
                switch c {
                case .integer(let n): resolved.append(n)
                case .name(let w):
                    if let n = XDRCatalogue.value(table: table, name: w) ?? XDRCatalogue.value(table: table, name: w.uppercased()) {
                        resolved.append(Int128(n))
                    }
                default: return nil
                }
            }
            // a field none of whose values can be named so cannot satisfy `==` or `in`
            if resolved.isEmpty && op != .isNotIn { continue }
            parts.tests.append(MatchLeafTest(field: id, slot: UInt32(slot), op: op, first: UInt32(parts.constants.count),
                                             count: UInt32(resolved.count)))
            parts.constants += resolved
        }
        return (parts, body.layer, procedure)
    }
}

/// An expression's leaves as a rule set merges them: tests, constants and words are numbered
/// from 0 within it.
struct MatchLeafParts: Sendable {
    var tests: [MatchLeafTest] = []
    var constants: [Int128] = []
    var words: [[UInt8]] = []
    var leafCount = 0
}

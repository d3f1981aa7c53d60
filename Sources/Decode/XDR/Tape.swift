/// What a tape entry holds.
public enum TapeKind: UInt8, Sendable {
    case uint32, int32, uint64, int64, bool
    /// An XDR enum: `value` is the Int32, sign-extended; `count` is `TapeEntry.undefined` when the
    /// enum does not define the value (`isUndefined`).
    case enumeration
    /// opaque / string: the bytes are `count` bytes at byte offset `value` of the message buffer.
    case opaque, string
    /// A struct or union: its members follow, up to the matching `.end`; `value` is that end's index.
    case structBegin
    /// A fixed or variable array or a linked list: `count` elements follow, each with the array's
    /// field id, up to the matching `.end`; `value` is that end's index.
    case arrayBegin
    /// Closes a struct or array; `value` is the index of its begin.
    case end
    /// Optional data (`*`) that was not there.
    case absent
}

/// One decoded XDR item: 16 bytes, no references, so a tape is one flat buffer.
public struct TapeEntry: Equatable, Sendable {
    /// Index into `XDRCatalogue.fields`: the XDR name, its parent type and display hints.
    public var field: UInt16
    public var kind: TapeKind
    /// Nesting depth: 0 for the members of the procedure's arguments or results.
    public var depth: UInt8
    /// Bytes of an opaque or string; elements of an array; for an enumeration, `undefined` or 0.
    public var count: UInt32
    /// The number (signed kinds sign-extended); the byte offset of an opaque or string; the
    /// index of the matching end or begin.
    public var value: UInt64

    @inlinable public init(field: UInt16, kind: TapeKind, depth: UInt8, count: UInt32, value: UInt64) {
        self.field = field
        self.kind = kind
        self.depth = depth
        self.count = count
        self.value = value
    }

    /// `count` of an enumeration whose value its enum does not define.
    public static let undefined: UInt32 = 1

    /// An enum value outside its definition (not an `@open` enum): kept as its number, shown as a
    /// number and marked `_undefined` in JSON; decoding went on after it.
    @inlinable public var isUndefined: Bool { kind == .enumeration && count == Self.undefined }

    /// The value of a signed kind (int32, int64, enumeration).
    @inlinable public var signedValue: Int64 { Int64(bitPattern: value) }

    /// The bytes of an opaque or string, in the buffer the message was decoded from.
    @inlinable public var byteRange: ByteRange { ByteRange(offset: Int(value), count: Int(count)) }

    @inlinable public var isBegin: Bool { kind == .structBegin || kind == .arrayBegin }
}

/// A decoded RPC body: a flat list of entries in wire order, with begin/end pairs around structs,
/// unions and arrays. The buffer is kept from message to message (`RPCPrograms.decodeBody` resets
/// it), so decoding allocates nothing once it has grown to the largest message seen.
///
/// When the bytes are bad the entries decoded before the fault stay, every open struct and array is
/// closed, and `incomplete` and `error` say what happened. An enum value its enum does not define
/// is not such a fault: it is kept (`TapeEntry.isUndefined`), counted in `undefinedValues`, and
/// decoding goes on; only a union that has no arm for it ends the decoding there.
public struct Tape: Sendable {
    public private(set) var entries: [TapeEntry] = []
    /// Decoding stopped at `error`; what came before is on the tape.
    public private(set) var incomplete = false
    public private(set) var error: DecodeError?
    /// Enum values on the tape that their enum does not define.
    public internal(set) var undefinedValues = 0
    /// Begins not yet ended, innermost last (their indexes in `entries`). Sized for
    /// `XDRLimits.maximumDepth`; `begin` refuses to nest deeper than either.
    var open = InlineArray<64, UInt32>(repeating: 0)
    var depth = 0

    /// A tape with room for `capacity` entries before it first grows.
    public init(capacity: Int = 256) {
        entries.reserveCapacity(capacity)
    }

    /// Forgets the previous message; keeps the buffer.
    public mutating func reset() {
        entries.removeAll(keepingCapacity: true)
        incomplete = false
        error = nil
        undefinedValues = 0
        depth = 0
    }

    @inlinable public var count: Int { entries.count }
    @inlinable public var isEmpty: Bool { entries.isEmpty }
    @inlinable public subscript(index: Int) -> TapeEntry { entries[index] }

    /// The index after the entry at `index` and everything nested in it.
    @inlinable public func next(after index: Int) -> Int {
        let e = entries[index]
        return e.isBegin ? Int(e.value) + 1 : index + 1
    }

    /// The first entry named `field` among the entries of `range` that sit at the range's own
    /// level (nested structs and arrays are skipped, not searched).
    public func find(_ field: UInt16, in range: Range<Int>) -> Int? {
        var i = range.lowerBound
        while i < range.upperBound {
            let e = entries[i]
            if e.field == field && e.kind != .end { return i }
            i = next(after: i)
        }
        return nil
    }

    /// Follows a path of field ids from the top level: each id is looked up inside the struct the
    /// previous one named; through an array the first element is taken. nil when any step is
    /// missing (an arm not taken, optional data absent, an empty array).
    public func find(path: [UInt16]) -> Int? {
        path.withUnsafeBufferPointer { find(path: $0) }
    }

    public func find(path: UnsafeBufferPointer<UInt16>) -> Int? {
        var range = 0..<entries.count
        var found: Int?
        for id in path {
            if let at = found {
                let e = entries[at]
                guard e.isBegin else { return nil }
                range = (at + 1)..<Int(e.value)
                if e.kind == .arrayBegin {
                    // the first element; an element that is a struct is searched inside
                    guard !range.isEmpty else { return nil }
                    let first = entries[range.lowerBound]
                    if first.kind == .structBegin { range = (range.lowerBound + 1)..<Int(first.value) }
                }
            }
            guard let at = find(id, in: range) else { return nil }
            found = at
        }
        return found
    }
}

// Writing the tape: used by the generated decoders.
extension Tape {
    @inline(__always)
    mutating func push(_ field: UInt16, _ kind: TapeKind, _ value: UInt64, count: UInt32 = 0) {
        entries.append(TapeEntry(field: field, kind: kind, depth: UInt8(truncatingIfNeeded: depth),
                                 count: count, value: value))
    }

    /// Opens a struct or array, checking the nesting depth first (`XDRLimits.maximumDepth`).
    @inline(__always)
    mutating func begin(_ field: UInt16, _ kind: TapeKind, count: Int, _ r: inout XDRReader) throws(DecodeError) {
        guard depth < XDRLimits.maximumDepth, depth < open.count else {
            throw DecodeError(.tooDeep, layer: r.layer, offset: r.offset)
        }
        open[depth] = UInt32(truncatingIfNeeded: entries.count)
        push(field, kind, 0, count: UInt32(truncatingIfNeeded: count))
        depth += 1
    }

    @inline(__always)
    mutating func end() {
        depth -= 1
        let begin = Int(open[depth])
        entries[begin].value = UInt64(entries.count)
        push(entries[begin].field, .end, UInt64(begin))
    }

    /// Closes a linked list, whose element count is known only now.
    @inline(__always)
    mutating func end(count: Int) {
        entries[Int(open[depth - 1])].count = UInt32(truncatingIfNeeded: count)
        end()
    }

    /// Keeps what was decoded, closes what is open, and records why decoding stopped.
    mutating func markIncomplete(_ error: DecodeError) {
        while depth > 0 {
            // an array cut short holds the elements that made it, not the count announced
            let begin = Int(open[depth - 1])
            if entries[begin].kind == .arrayBegin {
                var elements = 0
                var i = begin + 1
                while i < entries.count {
                    elements += 1
                    i = next(after: i)
                }
                entries[begin].count = UInt32(truncatingIfNeeded: elements)
            }
            end()
        }
        incomplete = true
        self.error = error
    }
}

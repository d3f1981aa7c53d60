// The reads the generated decoders are made of: read one XDR item with `XDRReader` (which checks
// the bounds and the caps), then record it on the tape. Straight-line code, nothing allocated
// while the tape's buffer has room.
extension Tape {
    @inline(__always) @discardableResult
    mutating func uint32(_ field: UInt16, _ r: inout XDRReader) throws(DecodeError) -> UInt32 {
        let v = try r.uint32()
        push(field, .uint32, UInt64(v))
        return v
    }

    @inline(__always) @discardableResult
    mutating func int32(_ field: UInt16, _ r: inout XDRReader) throws(DecodeError) -> Int32 {
        let v = try r.int32()
        push(field, .int32, UInt64(bitPattern: Int64(v)))
        return v
    }

    @inline(__always)
    mutating func uint64(_ field: UInt16, _ r: inout XDRReader) throws(DecodeError) {
        push(field, .uint64, try r.uint64())
    }

    @inline(__always)
    mutating func int64(_ field: UInt16, _ r: inout XDRReader) throws(DecodeError) {
        push(field, .int64, UInt64(bitPattern: try r.int64()))
    }

    @inline(__always) @discardableResult
    mutating func bool(_ field: UInt16, _ r: inout XDRReader) throws(DecodeError) -> Bool {
        let v = try r.bool()
        push(field, .bool, v ? 1 : 0)
        return v
    }

    /// An enum value the generated code has already checked against its definition.
    @inline(__always)
    mutating func enumeration(_ field: UInt16, _ v: Int32) {
        push(field, .enumeration, UInt64(bitPattern: Int64(v)))
    }

    /// An enum value its definition lacks (RFC 4506 section 4.3 calls it an error of the sender):
    /// kept as its number, flagged and counted, so that the fields after it still decode.
    @inline(never)
    mutating func undefinedEnumeration(_ field: UInt16, _ v: Int32) {
        push(field, .enumeration, UInt64(bitPattern: Int64(v)), count: TapeEntry.undefined)
        undefinedValues += 1
    }

    /// opaque<maximum>: the protocol's bound, or `XDRLimits.maximumOpaque` when it has none.
    @inline(__always)
    mutating func opaque(_ field: UInt16, maximum: Int, _ r: inout XDRReader) throws(DecodeError) {
        let range = try r.opaque(maximum: maximum)
        push(field, .opaque, UInt64(range.offset), count: UInt32(range.count))
    }

    /// opaque[count]
    @inline(__always)
    mutating func fixedOpaque(_ field: UInt16, count: Int, _ r: inout XDRReader) throws(DecodeError) {
        let range = try r.fixedOpaque(count)
        push(field, .opaque, UInt64(range.offset), count: UInt32(range.count))
    }

    /// string<maximum>: bytes as sent; nothing checks that they are UTF-8 (display escapes them).
    @inline(__always)
    mutating func string(_ field: UInt16, maximum: Int, _ r: inout XDRReader) throws(DecodeError) {
        let range = try r.opaque(maximum: maximum)
        push(field, .string, UInt64(range.offset), count: UInt32(range.count))
    }

    /// Optional data (`*`) whose "value follows" bool was false.
    @inline(__always)
    mutating func absent(_ field: UInt16) {
        push(field, .absent, 0)
    }
}

/// Caps on every length XDR reads from the wire, named so a decode error says which one.
/// (STYLE.md: Suricata's `RPC_MAX_*`; file handles are capped by their protocol.)
public enum XDRLimits {
    /// opaque<> and string<> with no bound of their own: larger than any NFS READ/WRITE payload
    /// (1 MiB on Linux) and READDIR reply, small enough to reject garbage lengths at once.
    public static let maximumOpaque = 4 << 20
    /// Elements of an array<> with no bound of their own.
    public static let maximumArrayCount = 1 << 16
    /// Nesting of structs, unions and optional data (linked lists count one level per link
    /// unless decoded as a loop).
    public static let maximumDepth = 64
}

/// Reads XDR (RFC 4506) from a borrowed buffer: every item is a multiple of four bytes, big-endian.
/// Every read is bounds-checked and throws a `DecodeError` carrying the byte offset.
public struct XDRReader {
    public let bytes: UnsafeRawBufferPointer
    public var offset: Int
    public let end: Int
    /// The layer named in errors.
    public var layer: Layer
    /// The message was cut (snaplen or a stream gap): running out of bytes is `.truncated`,
    /// not `.shortData`.
    public var truncated: Bool

    public init(_ bytes: UnsafeRawBufferPointer, range: ByteRange, layer: Layer, truncated: Bool = false) {
        self.bytes = bytes
        offset = range.offset
        end = min(range.end, bytes.count)
        self.layer = layer
        self.truncated = truncated
    }

    @inlinable public var remaining: Int { end - offset }

    @inline(__always)
    func short() -> DecodeError {
        DecodeError(truncated ? .truncated : .shortData, layer: layer, offset: offset)
    }

    @inline(__always)
    public mutating func uint32() throws(DecodeError) -> UInt32 {
        guard end - offset >= 4 else { throw short() }
        defer { offset += 4 }
        return bytes.u32(offset)
    }

    @inline(__always)
    public mutating func int32() throws(DecodeError) -> Int32 {
        Int32(bitPattern: try uint32())
    }

    @inline(__always)
    public mutating func uint64() throws(DecodeError) -> UInt64 {
        guard end - offset >= 8 else { throw short() }
        defer { offset += 8 }
        return bytes.u64(offset)
    }

    @inline(__always)
    public mutating func int64() throws(DecodeError) -> Int64 {
        Int64(bitPattern: try uint64())
    }

    /// An XDR bool: 0 or 1; anything else is malformed.
    @inline(__always)
    public mutating func bool() throws(DecodeError) -> Bool {
        let at = offset
        switch try uint32() {
        case 0: return false
        case 1: return true
        default: throw DecodeError(.badValue, layer: layer, offset: at)
        }
    }

    /// opaque[n] / string of a fixed size: `count` bytes plus padding to a multiple of four.
    @inline(__always)
    public mutating func fixedOpaque(_ count: Int) throws(DecodeError) -> ByteRange {
        let padded = (count + 3) & ~3
        guard end - offset >= padded else { throw short() }
        defer { offset += padded }
        return ByteRange(offset: offset, count: count)
    }

    /// opaque<max> / string<max>: a length, then the bytes, padded. `maximum` is the protocol's
    /// bound, or `XDRLimits.maximumOpaque`.
    @inline(__always)
    public mutating func opaque(maximum: Int = XDRLimits.maximumOpaque) throws(DecodeError) -> ByteRange {
        let at = offset
        let length = Int(try uint32())
        guard length <= maximum else {
            offset = at
            throw DecodeError(.tooLong, layer: layer, offset: at)
        }
        return try fixedOpaque(length)
    }

    /// The count of an array<max>, checked against its bound and against the bytes left (each
    /// element takes at least `minimumElementSize` bytes), before anything is decoded.
    @inline(__always)
    public mutating func arrayCount(maximum: Int = XDRLimits.maximumArrayCount,
                                    minimumElementSize: Int = 4) throws(DecodeError) -> Int {
        let at = offset
        let count = Int(try uint32())
        guard count <= maximum else {
            offset = at
            throw DecodeError(.tooLong, layer: layer, offset: at)
        }
        if count * minimumElementSize > end - offset && !truncated {
            offset = at
            throw DecodeError(.shortData, layer: layer, offset: at)
        }
        return count
    }

    /// Moves past `count` bytes (already padded by the caller).
    @inline(__always)
    public mutating func skip(_ count: Int) throws(DecodeError) {
        guard count >= 0, end - offset >= count else { throw short() }
        offset += count
    }
}

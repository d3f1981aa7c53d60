/// The fuzzer's bytes read front to back: selector bytes first, then the data they describe.
/// Reads past the end give zeros and empty buffers, so every input is a valid script.
public struct FuzzInput {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0

    public init(_ start: UnsafeRawPointer?, _ count: Int) {
        bytes = UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)
    }

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public var remaining: Int { bytes.count - offset }
    public var isEmpty: Bool { offset >= bytes.count }

    public mutating func u8() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Network byte order, as the seeds are written.
    public mutating func u16() -> UInt16 { UInt16(u8()) << 8 | UInt16(u8()) }
    public mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }

    /// At most `count` bytes: fewer when the input ends first.
    public mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let n = max(0, min(count, remaining))
        defer { offset += n }
        return n == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    }

    public mutating func rest() -> UnsafeRawBufferPointer { take(remaining) }
}

/// Writes a seed in the format `FuzzInput` reads.
public struct SeedWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xff)) }
    public mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xffff)) }
    public mutating func append(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
    public mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}

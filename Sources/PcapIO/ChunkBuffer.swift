#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The reader's one reused read buffer. Records are parsed where they lie; a record that
/// crosses the end of the bytes read so far is moved to the front before the next large read.
/// The buffer only grows for a record larger than itself (callers cap record lengths first).
struct ChunkBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// First byte not yet consumed.
    private(set) var start = 0
    /// One past the last byte read into the buffer.
    private(set) var end = 0
    /// Stream offset of `base[0]`; the source is positioned at `baseOffset + end`.
    private(set) var baseOffset: Int64 = 0
    let source: ByteSource
    let path: String

    /// Opens `path` (`-`: standard input); the bytes a pipe gave up to tell its format are
    /// the first ones buffered.
    init(opening path: String, capacity: Int) throws(CaptureError) {
        let (source, prefix) = try ByteSource.opening(path: path)
        self.capacity = max(capacity, 16)
        self.base = .allocate(byteCount: self.capacity, alignment: 16)
        self.source = source
        self.path = path
        for byte in prefix {
            base.storeBytes(of: byte, toByteOffset: end, as: UInt8.self)
            end += 1
        }
    }

    /// Bytes buffered and not yet consumed.
    @inline(__always) var available: Int { end &- start }
    /// Stream offset of the first unconsumed byte.
    @inline(__always) var offset: Int64 { baseOffset &+ Int64(start) }
    /// Stream offset the source has read up to.
    var sourceOffset: Int64 { baseOffset &+ Int64(end) }
    /// The first unconsumed byte; valid until the next `require` or `reposition`.
    @inline(__always) var current: UnsafeRawPointer { UnsafeRawPointer(base + start) }

    /// Makes `count` bytes available at `current`. False when the file ends first; the bytes
    /// that are there stay available (`available`) for a later call once the file has grown.
    @inline(__always)
    mutating func require(_ count: Int) throws(CaptureError) -> Bool {
        if end &- start >= count { return true }
        return try fill(count)
    }

    @inline(__always)
    mutating func consume(_ count: Int) { start &+= count }

    @inline(never)
    private mutating func fill(_ count: Int) throws(CaptureError) -> Bool {
        if start > 0 {
            let kept = end - start
            if kept > 0 { memmove(base, base + start, kept) }
            baseOffset += Int64(start)
            start = 0
            end = kept
        }
        if count > capacity { grow(to: count) }
        while end < count {
            let got = try source.readBytes(into: base + end, count: capacity - end, path: path,
                                           offset: baseOffset + Int64(end))
            if got == 0 { return false }
            end += got
        }
        return true
    }

    private mutating func grow(to count: Int) {
        let newCapacity = max(count, capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: end)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Moves to `offset` in the stream: within the buffered bytes when they hold it, else by
    /// seeking the source and dropping the buffer.
    mutating func reposition(to offset: Int64) throws(CaptureError) {
        if offset >= baseOffset && offset <= baseOffset + Int64(end) {
            start = Int(offset - baseOffset)
            return
        }
        try source.seek(to: offset, path: path)
        baseOffset = offset
        start = 0
        end = 0
    }

    func release() {
        base.deallocate()
        source.closeSource()
    }
}

extension UnsafeRawPointer {
    /// A 16-bit field at `offset`, byte-swapped when the file's byte order is not the host's.
    @inline(__always)
    func load16(_ offset: Int, swapped: Bool) -> UInt16 {
        let value = loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return swapped ? value.byteSwapped : value
    }

    /// A 32-bit field at `offset`, byte-swapped when the file's byte order is not the host's.
    @inline(__always)
    func load32(_ offset: Int, swapped: Bool) -> UInt32 {
        let value = loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return swapped ? value.byteSwapped : value
    }
}

/// True on little-endian hosts: big-endian files (snoop, pcap written on SPARC) are swapped.
let hostIsLittleEndian = UInt32(littleEndian: 1) == 1

extension UnsafeRawPointer {
    /// A 64-bit field at `offset`, byte-swapped when the file's byte order is not the host's.
    @inline(__always)
    func load64(_ offset: Int, swapped: Bool) -> UInt64 {
        let value = loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return swapped ? value.byteSwapped : value
    }
}

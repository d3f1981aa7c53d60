#if canImport(FuzzZlib)
import FuzzZlib
#else
import CZlib  // compiled into the main package's tests, where PcapIO brings zlib
#endif

/// The gzip target's input: 5 bytes of damage (byte 0 bit 0: cut the compressed file at bytes
/// 1-2; bit 1: flip the byte at 3-4), then the capture that is compressed.
enum GzipDamage {
    /// A gzip member (RFC 1952) of `bytes`: deflate with the gzip wrapper (windowBits 15 + 16).
    static func compress(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        let produced: Int = out.withUnsafeMutableBytes { o in
            stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(bytes.count)
            stream.next_out = o.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(o.count)
            guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
            return o.count - Int(stream.avail_out)
        }
        out.removeLast(out.count - produced)
        return out
    }
}

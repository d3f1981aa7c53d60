/// The CRC-32 of zlib (IEEE 802.3, reflected polynomial 0xedb88320), which NFStest and Wireshark
/// (`nfs.fh.hash`) show for file handles: `FH:0x8dfb25e1`.
public enum CRC32 {
    /// Slicing by eight: table k (entries 256k…256k+255) advances a byte's remainder through k
    /// more zero bytes, so eight bytes take eight look-ups and no chain of dependent ones.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let prev = t[(k - 1) * 256 + n]
                t[k * 256 + n] = (prev >> 8) ^ t[Int(prev & 0xff)]
            }
        }
        return t
    }()

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        tables.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            while n - i >= 8 {
                let one = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let two = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t[7 * 256 + Int(one & 0xff)] ^ t[6 * 256 + Int(one >> 8 & 0xff)]
                    ^ t[5 * 256 + Int(one >> 16 & 0xff)] ^ t[4 * 256 + Int(one >> 24)]
                    ^ t[3 * 256 + Int(two & 0xff)] ^ t[2 * 256 + Int(two >> 8 & 0xff)]
                    ^ t[256 + Int(two >> 16 & 0xff)] ^ t[Int(two >> 24)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xff)] ^ (c >> 8)
                i += 1
            }
        }
        return c ^ 0xffff_ffff
    }

    /// The checksum of `range` within `bytes` (an opaque on a tape); 0 for a range outside them.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, _ range: ByteRange) -> UInt32 {
        guard range.offset >= 0, range.count >= 0, range.end <= bytes.count else { return 0 }
        return checksum(UnsafeRawBufferPointer(rebasing: bytes[range.offset..<range.end]))
    }
}

/// The CRC-32 of zlib (IEEE 802.3, reflected polynomial 0xedb88320), which NFStest and Wireshark
/// (`nfs.fh.hash`) show for file handles: `FH:0x8dfb25e1`.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        }
        return c ^ 0xffff_ffff
    }

    /// The checksum of `range` within `bytes` (an opaque on a tape); 0 for a range outside them.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, _ range: ByteRange) -> UInt32 {
        guard range.offset >= 0, range.count >= 0, range.end <= bytes.count else { return 0 }
        return checksum(UnsafeRawBufferPointer(rebasing: bytes[range.offset..<range.end]))
    }
}

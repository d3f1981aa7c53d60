import Testing
@testable import Decode

@Suite("CRC32: slicing by eight gives zlib's checksum")
struct CRC32Tests {
    /// One byte at a time, straight from the polynomial: the reference.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xffff_ffff
    }

    @Test("the check value, and every length 0…100 at every alignment, as the reference")
    func agrees() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xcbf4_3926)
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        let data: [UInt8] = (0..<108).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        for offset in 0..<8 {
            for length in 0...100 {
                let slice = Array(data[offset..<(offset + length)])
                let got = data.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
                #expect(got == Self.reference(slice), "offset \(offset) length \(length)")
            }
        }
    }
}

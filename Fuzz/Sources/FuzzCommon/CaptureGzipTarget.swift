import PcapIO

// The input gzip-compressed (with the damage `GzipDamage` asks for) and read as a capture file:
// the reader inflates it in bounded calls and must report a cut or corrupt stream, not trap.
extension FuzzTarget {
    static func captureGzip(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let damage = input.u8(), cutAt = Int(input.u16()), flipAt = Int(input.u16())
        var compressed = GzipDamage.compress(input.rest())
        if damage & 1 != 0, !compressed.isEmpty { compressed.removeLast(compressed.count - cutAt % compressed.count) }
        if damage & 2 != 0, !compressed.isEmpty { compressed[flipAt % compressed.count] ^= 0xff }
        let path = ScratchFile.write(compressed, slot: 0)
        if let reader = try? CaptureReader(path: path, keepIndex: true) {
            CaptureDrain.drain(reader)
        }
    }
}

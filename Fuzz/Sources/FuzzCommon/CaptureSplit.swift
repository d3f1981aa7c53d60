/// The merged reader target's input: how many files (byte 0: 2 or 3), the length of each file
/// but the last (4 bytes each), then the files' bytes one after the other.
public enum CaptureSplit {
    public static func files(_ input: inout FuzzInput) -> [UnsafeRawBufferPointer] {
        let count = 2 + Int(input.u8() & 1)
        var lengths: [Int] = []
        for _ in 1..<count { lengths.append(Int(input.u32())) }
        var files = lengths.map { input.take($0) }
        files.append(input.rest())
        return files
    }

    public static func seed(_ files: [[UInt8]]) -> [UInt8] {
        var w = SeedWriter()
        w.u8(UInt8(files.count - 2))
        for f in files.dropLast() { w.u32(UInt32(f.count)) }
        for f in files { w.append(f) }
        return w.bytes
    }
}

import PcapIO

// Two or three capture files (`CaptureSplit`) read together by the merged reader, which puts
// their records in timestamp order and goes on after a file turns out corrupt.
extension FuzzTarget {
    static func captureMerged(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let files = CaptureSplit.files(&input)
        var paths: [String] = []
        for (slot, bytes) in files.enumerated() { paths.append(ScratchFile.write(bytes, slot: slot)) }
        if let merged = try? MergedCaptureReader(paths: paths, keepIndex: true) {
            CaptureDrain.drain(merged)
            try? merged.rewind()
            CaptureDrain.drain(merged)
        }
    }
}

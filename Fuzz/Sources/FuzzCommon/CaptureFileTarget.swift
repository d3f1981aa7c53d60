import PcapIO

// The input as a capture file (pcap, pcapng, snoop, or gzip when it starts 1f 8b), read to its
// end by a single reader (and rewound and sought), then by the merged reader.
extension FuzzTarget {
    static func captureFile(_ bytes: UnsafeRawBufferPointer) {
        let path = ScratchFile.write(bytes, slot: 0)
        if let reader = try? CaptureReader(path: path, keepIndex: true) {
            CaptureDrain.drain(reader)
        }
        if let merged = try? MergedCaptureReader(paths: [path], keepIndex: false) {
            CaptureDrain.drain(merged)
        }
    }
}

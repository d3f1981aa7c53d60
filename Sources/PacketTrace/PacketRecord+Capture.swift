import PcapIO

extension PacketRecord {
    /// The record layer of a captured record (its `index` is the pipeline's to give).
    public init(_ r: CaptureRecord) {
        self.init()
        frame = r.frame
        seconds = r.seconds
        nanoseconds = r.nanoseconds
        lengthIncluded = r.capturedLength
        lengthOriginal = r.originalLength
        fileIndex = r.fileIndex
        fileOffset = r.fileOffset
        timeClamped = r.timeClamped
    }
}

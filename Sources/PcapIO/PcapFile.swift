/// Classic pcap: a 24-byte file header, then records of a 16-byte header and the captured
/// bytes (draft-ietf-opsawg-pcap §4, §5). The byte order is whichever the writer had; the
/// magic number tells it, and whether timestamps count microseconds or nanoseconds.
enum PcapFile {
    static let fileHeaderLength: Int64 = 24
    static let recordHeaderLength = 16
}

extension CaptureFileReader {
    mutating func readPcapFileHeader() throws(CaptureError) {
        guard try chunk.require(Int(PcapFile.fileHeaderLength)) else {
            throw fileHeaderCut(inside: "the 24-byte pcap file header")
        }
        let header = chunk.current
        switch header.loadUnaligned(as: UInt32.self) {
        case 0xA1B2_C3D4: (swapped, pcapNanoseconds) = (false, false)
        case 0xD4C3_B2A1: (swapped, pcapNanoseconds) = (true, false)
        case 0xA1B2_3C4D: (swapped, pcapNanoseconds) = (false, true)
        default: (swapped, pcapNanoseconds) = (true, true)  // 0x4D3CB2A1, the only one left
        }
        let major = header.load16(4, swapped: swapped)
        let minor = header.load16(6, swapped: swapped)
        guard major == 2 else {
            throw CaptureError(.unsupportedFormat, path: path, offset: 4, "pcap version \(major).\(minor) (only 2.x is defined)")
        }
        fileSnapLength = header.load32(16, swapped: swapped)
        // The upper bits of LinkType carry the FCS length (§5.1): the type is the low 16 bits.
        fileLinkType = header.load32(20, swapped: swapped) & 0xFFFF
        chunk.consume(Int(PcapFile.fileHeaderLength))
    }

    @inline(__always)
    mutating func nextPcapRecord() throws(CaptureError) -> CaptureRecord? {
        guard try chunk.require(PcapFile.recordHeaderLength) else {
            return endOfRecords(needing: PcapFile.recordHeaderLength)
        }
        let offset = chunk.offset
        let capturedLength = Int(chunk.current.load32(8, swapped: swapped))
        guard capturedLength <= CaptureReader.maximumRecordLength else {
            throw corrupt("record's captured length \(capturedLength) exceeds the \(CaptureReader.maximumRecordLength)-byte maximum (snaplen \(fileSnapLength))",
                          at: offset)
        }
        let recordLength = PcapFile.recordHeaderLength &+ capturedLength
        guard try chunk.require(recordLength) else { return endOfRecords(needing: recordLength) }
        let header = chunk.current
        let (seconds, nanoseconds) = pcapNanoseconds
            ? splitTimestamp(header.load32(0, swapped: swapped), header.load32(4, swapped: swapped),
                             unitsPerSecond: 1_000_000_000, nanosecondsPerUnit: 1)
            : splitTimestamp(header.load32(0, swapped: swapped), header.load32(4, swapped: swapped),
                             unitsPerSecond: 1_000_000, nanosecondsPerUnit: 1000)
        let originalLength = Int(header.load32(12, swapped: swapped))
        let frame = finishRecord(at: offset, length: recordLength)
        return CaptureRecord(
            data: UnsafeRawBufferPointer(start: header + PcapFile.recordHeaderLength, count: capturedLength),
            seconds: seconds, nanoseconds: nanoseconds, capturedLength: capturedLength,
            originalLength: originalLength, linkType: fileLinkType, frame: frame, fileOffset: offset,
            fileIndex: 0)
    }
}

/// Seconds and a fraction in `unitsPerSecond` to seconds and nanoseconds. Some writers leave
/// a fraction of a whole second or more; it is carried into the seconds. The largest result,
/// 2^32 − 1 + (2^32 − 1) / 10^6 seconds (early 2106), lies inside `CaptureTime`'s window:
/// pcap and snoop times never need clamping.
@inline(__always)
func splitTimestamp(_ seconds: UInt32, _ fraction: UInt32, unitsPerSecond: UInt32,
                    nanosecondsPerUnit: UInt32) -> (Int64, UInt32) {
    if fraction < unitsPerSecond { return (Int64(seconds), fraction &* nanosecondsPerUnit) }
    return (Int64(seconds) + Int64(fraction / unitsPerSecond), (fraction % unitsPerSecond) * nanosecondsPerUnit)
}

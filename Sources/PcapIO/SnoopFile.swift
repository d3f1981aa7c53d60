/// Sun snoop version 2 (RFC 1761): a 16-byte file header ("snoop\0\0\0", version, datalink),
/// then records of a 24-byte header, the captured bytes and padding up to the record length.
/// Always big-endian.
enum SnoopFile {
    static let fileHeaderLength: Int64 = 16
    static let recordHeaderLength = 24

    /// RFC 1761 datalink codes that Wireshark reads, as LINKTYPE_* values.
    static func linkType(datalink: UInt32) -> UInt32? {
        switch datalink {
        case 0, 4: 1        // IEEE 802.3 and Ethernet: LINKTYPE_ETHERNET
        case 2: 6           // IEEE 802.5 Token Ring: LINKTYPE_IEEE802_5
        case 8: 10          // FDDI: LINKTYPE_FDDI
        case 9, 14: 0       // "Other" and software loopback: LINKTYPE_NULL
        case 16: 122        // Fibre Channel: LINKTYPE_IP_OVER_FC
        case 18: 123        // ATM Classical IP: LINKTYPE_SUNATM
        case 26: 242        // IP over InfiniBand: LINKTYPE_IPOIB
        default: nil
        }
    }
}

extension CaptureFileReader {
    mutating func readSnoopFileHeader() throws(CaptureError) {
        guard try chunk.require(Int(SnoopFile.fileHeaderLength)) else {
            throw fileHeaderCut(inside: "the 16-byte snoop file header")
        }
        let header = chunk.current
        swapped = hostIsLittleEndian
        guard header.loadUnaligned(as: UInt64.self) == UInt64(bigEndian: 0x736E_6F6F_7000_0000) else {
            throw CaptureError(.notACapture, path: path, offset: 0, "starts with \"snoo\" but not with the snoop magic \"snoop\\0\\0\\0\"")
        }
        let version = header.load32(8, swapped: swapped)
        guard version == 2 else {
            throw CaptureError(.unsupportedFormat, path: path, offset: 8, "snoop version \(version) (only version 2 is read)")
        }
        let datalink = header.load32(12, swapped: swapped)
        guard let linkType = SnoopFile.linkType(datalink: datalink) else {
            throw CaptureError(.unsupportedFormat, path: path, offset: 12, "snoop datalink type \(datalink) is not supported")
        }
        fileLinkType = linkType
        chunk.consume(Int(SnoopFile.fileHeaderLength))
    }

    mutating func nextSnoopRecord() throws(CaptureError) -> CaptureRecord? {
        guard try chunk.require(SnoopFile.recordHeaderLength) else {
            return endOfRecords(needing: SnoopFile.recordHeaderLength)
        }
        let offset = chunk.offset
        let capturedLength = Int(chunk.current.load32(4, swapped: swapped))
        let recordLength = Int(chunk.current.load32(8, swapped: swapped))
        guard capturedLength <= CaptureReader.maximumRecordLength else {
            throw corrupt("snoop record's included length \(capturedLength) exceeds the \(CaptureReader.maximumRecordLength)-byte maximum",
                          at: offset)
        }
        guard recordLength >= SnoopFile.recordHeaderLength + capturedLength,
              recordLength <= CaptureReader.maximumBlockLength else {
            throw corrupt("snoop record length \(recordLength) does not fit a 24-byte header and \(capturedLength) captured bytes",
                          at: offset)
        }
        guard try chunk.require(recordLength) else { return endOfRecords(needing: recordLength) }
        let header = chunk.current
        let (seconds, nanoseconds) = splitTimestamp(header.load32(16, swapped: swapped), header.load32(20, swapped: swapped),
                                                    unitsPerSecond: 1_000_000, nanosecondsPerUnit: 1000)
        let originalLength = Int(header.load32(0, swapped: swapped))
        let frame = finishRecord(at: offset, length: recordLength)
        return CaptureRecord(
            data: UnsafeRawBufferPointer(start: header + SnoopFile.recordHeaderLength, count: capturedLength),
            seconds: seconds, nanoseconds: nanoseconds, capturedLength: capturedLength,
            originalLength: originalLength, linkType: fileLinkType, frame: frame, fileOffset: offset,
            fileIndex: 0)
    }
}

/// pcapng block types read here (draft-ietf-opsawg-pcapng §4, §10.1); every other block is
/// skipped by its length.
enum PcapngBlockType {
    /// Section Header Block; a palindrome, so it reads the same in both byte orders.
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 1
    /// The obsolete Packet Block (Appendix A) that old writers still produce.
    static let packet: UInt32 = 2
    static let simplePacket: UInt32 = 3
    static let enhancedPacket: UInt32 = 6
}

/// The byte-order magic of a section header (§4.1).
private let byteOrderMagic: UInt32 = 0x1A2B_3C4D

/// An interface of a pcapng section (§4.2): packets name it by its index in the section.
public struct CaptureInterface: Equatable, Sendable {
    /// The LINKTYPE_* value of its packets.
    public var linkType: UInt32
    /// Its snaplen; 0 means no limit.
    public var snapLength: UInt32
    /// `if_tsresol`: what one timestamp unit is worth (default 10^-6 s).
    public var timestampResolution: TimestampResolution
    /// `if_tsoffset`: seconds added to every timestamp of this interface (any value: the sum
    /// is exact, then clamped into `CaptureTime`'s window).
    public var timestampOffset: Int64
    /// Offset of its Interface Description Block, to know it again after a seek back.
    var blockOffset: Int64
}

/// A section of a pcapng file: its byte order and interfaces. Sections are kept for the whole
/// file so that a seek back can restore the interfaces valid where it lands.
struct PcapngSection {
    var startOffset: Int64
    var swapped: Bool
    var interfaces: [CaptureInterface]
}

extension CaptureFileReader {
    /// The smallest blocks: header, length and trailing length (§3.1).
    private static let minimumBlockLength = 12

    mutating func readFirstSectionHeader() throws(CaptureError) {
        // A file must start with a whole section header (§3.1), or it is cut inside its header.
        guard try chunk.require(Self.minimumBlockLength) else {
            throw fileHeaderCut(inside: "the pcapng section header block")
        }
        let swapped = try sectionByteOrder(of: chunk.current, at: 0)
        let length = Int(chunk.current.load32(4, swapped: swapped))
        if length >= Self.minimumBlockLength, length <= CaptureReader.maximumBlockLength, !(try chunk.require(length)) {
            throw fileHeaderCut(inside: "the \(length)-byte pcapng section header block")
        }
        // The first block is a section header: it is read and yields no record.
        _ = try nextPcapngRecord(stoppingAfterSectionHeader: true)
    }

    @inline(__always)
    mutating func nextPcapngRecord() throws(CaptureError) -> CaptureRecord? {
        try nextPcapngRecord(stoppingAfterSectionHeader: false)
    }

    /// Reads blocks until a packet block, which it returns; non-packet blocks update the
    /// section and interface tables or are skipped.
    private mutating func nextPcapngRecord(stoppingAfterSectionHeader: Bool) throws(CaptureError) -> CaptureRecord? {
        while true {
            guard try chunk.require(Self.minimumBlockLength) else {
                return endOfRecords(needing: Self.minimumBlockLength)
            }
            let offset = chunk.offset
            let rawType = chunk.current.loadUnaligned(as: UInt32.self)
            // A section header sets the byte order of itself and of the blocks after it.
            var swapped = self.swapped
            if rawType == PcapngBlockType.sectionHeader {
                swapped = try sectionByteOrder(of: chunk.current, at: offset)
            }
            let type = swapped ? rawType.byteSwapped : rawType
            let length = Int(chunk.current.load32(4, swapped: swapped))
            guard length >= Self.minimumBlockLength, length & 3 == 0, length <= CaptureReader.maximumBlockLength else {
                throw corrupt("pcapng block type 0x\(String(type, radix: 16)) has length \(length): not a multiple of 4 between \(Self.minimumBlockLength) and \(CaptureReader.maximumBlockLength)",
                              at: offset)
            }
            guard try chunk.require(length) else { return endOfRecords(needing: length) }
            let block = chunk.current
            let trailingLength = Int(block.load32(length - 4, swapped: swapped))
            guard trailingLength == length else {
                throw corrupt("pcapng block type 0x\(String(type, radix: 16)) has length \(length) but trailing length \(trailingLength)",
                              at: offset)
            }
            switch type {
            case PcapngBlockType.enhancedPacket:
                return try enhancedPacket(block, length: length, at: offset)
            case PcapngBlockType.simplePacket:
                return try simplePacket(block, length: length, at: offset)
            case PcapngBlockType.packet:
                return try obsoletePacket(block, length: length, at: offset)
            case PcapngBlockType.sectionHeader:
                try startSection(block, length: length, at: offset, swapped: swapped)
                chunk.consume(length)
                if stoppingAfterSectionHeader { return nil }
            case PcapngBlockType.interfaceDescription:
                try addInterface(block, length: length, at: offset)
                chunk.consume(length)
            default:
                chunk.consume(length)
            }
        }
    }

    /// §4.3: interface id, timestamp (high, low), captured and original length, data, options.
    @inline(__always)
    private mutating func enhancedPacket(_ block: UnsafeRawPointer, length: Int, at offset: Int64) throws(CaptureError) -> CaptureRecord {
        try packet(block, length: length, at: offset, interfaceID: Int(block.load32(8, swapped: swapped)),
                   name: "enhanced packet block")
    }

    /// Appendix A: as an enhanced packet block, but a 16-bit interface id and a drops count.
    private mutating func obsoletePacket(_ block: UnsafeRawPointer, length: Int, at offset: Int64) throws(CaptureError) -> CaptureRecord {
        try packet(block, length: length, at: offset, interfaceID: Int(block.load16(8, swapped: swapped)),
                   name: "packet block")
    }

    /// The common layout of enhanced and obsolete packet blocks from offset 12 on.
    @inline(__always)
    private mutating func packet(_ block: UnsafeRawPointer, length: Int, at offset: Int64, interfaceID: Int,
                        name: StaticString) throws(CaptureError) -> CaptureRecord {
        let dataOffset = 28
        guard length >= dataOffset + 4 else {
            throw corrupt("\(name) is \(length) bytes, shorter than its 32-byte minimum", at: offset)
        }
        let capturedLength = Int(block.load32(20, swapped: swapped))
        guard capturedLength <= length - dataOffset - 4 else {
            throw corrupt("\(name)'s captured length \(capturedLength) does not fit in its \(length)-byte block", at: offset)
        }
        guard interfaceID < interfaceTable.count else {
            throw corrupt("\(name) names interface \(interfaceID) but its section describes \(interfaceTable.count)", at: offset)
        }
        let interface = interfaceTable[interfaceID]
        let units = UInt64(block.load32(12, swapped: swapped)) << 32 | UInt64(block.load32(16, swapped: swapped))
        let (unitSeconds, nanoseconds) = interface.timestampResolution.split(units)
        // Exact in 128 bits (2^64 − 1 seconds plus any if_tsoffset), then into the window.
        let time = CaptureTime.clamp(seconds: Int128(unitSeconds) + Int128(interface.timestampOffset),
                                     nanoseconds: nanoseconds)
        let originalLength = Int(block.load32(24, swapped: swapped))
        let firstReading = nextFrame > recordCount
        let frame = finishRecord(at: offset, length: length)
        if firstReading && time.clamped { clampedTimes += 1 }
        var record = CaptureRecord(
            data: UnsafeRawBufferPointer(start: block + dataOffset, count: capturedLength),
            seconds: time.seconds, nanoseconds: time.nanoseconds,
            capturedLength: capturedLength, originalLength: originalLength, linkType: interface.linkType,
            frame: frame, fileOffset: offset, fileIndex: 0)
        record.interfaceID = interfaceID
        return record
    }

    /// §4.4: interface 0, original length and data only; no timestamp. The captured length
    /// is what the block holds, cut to the original length and the interface's snaplen.
    private mutating func simplePacket(_ block: UnsafeRawPointer, length: Int, at offset: Int64) throws(CaptureError) -> CaptureRecord {
        let dataOffset = 12
        guard length >= dataOffset + 4 else {
            throw corrupt("simple packet block is \(length) bytes, shorter than its 16-byte minimum", at: offset)
        }
        guard let interface = interfaceTable.first else {
            throw corrupt("simple packet block comes before any interface description block in its section", at: offset)
        }
        let originalLength = Int(block.load32(8, swapped: swapped))
        var capturedLength = min(originalLength, length - dataOffset - 4)
        if interface.snapLength != 0 { capturedLength = min(capturedLength, Int(interface.snapLength)) }
        let frame = finishRecord(at: offset, length: length)
        return CaptureRecord(
            data: UnsafeRawBufferPointer(start: block + dataOffset, count: capturedLength),
            seconds: 0, nanoseconds: 0, capturedLength: capturedLength, originalLength: originalLength,
            linkType: interface.linkType, frame: frame, fileOffset: offset, fileIndex: 0)
    }

    /// Reads the byte-order magic of a section header at `block` (12 bytes present).
    private func sectionByteOrder(of block: UnsafeRawPointer, at offset: Int64) throws(CaptureError) -> Bool {
        switch block.loadUnaligned(fromByteOffset: 8, as: UInt32.self) {
        case byteOrderMagic: return false
        case byteOrderMagic.byteSwapped: return true
        case let other:
            throw corrupt("section header block's byte-order magic is 0x\(String(other, radix: 16)), not 0x1a2b3c4d", at: offset)
        }
    }

    /// §4.1: a new section: new byte order, no interfaces yet. A section seen before (the
    /// reader went back) is taken up again as it was.
    private mutating func startSection(_ block: UnsafeRawPointer, length: Int, at offset: Int64, swapped: Bool) throws(CaptureError) {
        guard length >= 28 else {
            throw corrupt("section header block is \(length) bytes, shorter than its 28-byte minimum", at: offset)
        }
        let major = block.load16(12, swapped: swapped)
        let minor = block.load16(14, swapped: swapped)
        guard major == 1 else {
            throw CaptureError(.unsupportedFormat, path: path, offset: offset, "pcapng version \(major).\(minor) (only 1.x is defined)")
        }
        self.swapped = swapped
        let position = sections.firstIndex { $0.startOffset >= offset } ?? sections.endIndex
        if position < sections.endIndex, sections[position].startOffset == offset {
            sectionIndex = position
            sections[position].swapped = swapped
            interfaceTable = sections[position].interfaces
            return
        }
        sections.insert(PcapngSection(startOffset: offset, swapped: swapped, interfaces: []), at: position)
        sectionIndex = position
        interfaceTable = []
    }

    /// §4.2: link type, reserved, snaplen, options; `if_tsresol` (9) and `if_tsoffset` (14)
    /// change how its packets' timestamps read.
    private mutating func addInterface(_ block: UnsafeRawPointer, length: Int, at offset: Int64) throws(CaptureError) {
        guard length >= 20 else {
            throw corrupt("interface description block is \(length) bytes, shorter than its 20-byte minimum", at: offset)
        }
        // Already known when the reader went back over this section.
        if let last = interfaceTable.last, last.blockOffset >= offset { return }
        var interface = CaptureInterface(
            linkType: UInt32(block.load16(8, swapped: swapped)), snapLength: block.load32(12, swapped: swapped),
            timestampResolution: .microseconds, timestampOffset: 0, blockOffset: offset)
        let optionsEnd = length - 4
        var option = 16
        while option + 4 <= optionsEnd {
            let code = block.load16(option, swapped: swapped)
            let valueLength = Int(block.load16(option + 2, swapped: swapped))
            let value = option + 4
            if code == 0 { break }  // opt_endofopt
            guard value + valueLength <= optionsEnd else {
                throw corrupt("interface description option \(code) of \(valueLength) bytes runs past the end of its block",
                              at: offset + Int64(option))
            }
            if code == 9, valueLength >= 1 {
                let tsresol = block.load(fromByteOffset: value, as: UInt8.self)
                guard let resolution = TimestampResolution(tsresol: tsresol) else {
                    throw corrupt("if_tsresol 0x\(String(tsresol, radix: 16)) is finer than 64-bit timestamps can count",
                                  at: offset + Int64(option))
                }
                interface.timestampResolution = resolution
            } else if code == 14, valueLength == 8 {
                interface.timestampOffset = Int64(bitPattern: block.load64(value, swapped: swapped))
            }
            option = value + (valueLength + 3) & ~3
        }
        interfaceTable.append(interface)
        sections[sectionIndex].interfaces.append(interface)
    }

    /// After a seek: the byte order and interfaces of the section that holds `offset`.
    mutating func restoreSection(at offset: Int64) {
        guard let index = sections.lastIndex(where: { $0.startOffset <= offset }) else { return }
        sectionIndex = index
        swapped = sections[index].swapped
        interfaceTable = sections[index].interfaces
    }
}

import Foundation

/// Bytes of a capture file written field by field in a chosen byte order.
struct FieldWriter {
    var bytes: [UInt8] = []
    var bigEndian: Bool

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        let ordered = bigEndian ? value.bigEndian : value.littleEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }

    mutating func u32(_ value: UInt32) {
        let ordered = bigEndian ? value.bigEndian : value.littleEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        let ordered = bigEndian ? value.bigEndian : value.littleEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    mutating func pad(to multiple: Int) {
        while bytes.count % multiple != 0 { bytes.append(0) }
    }
}

/// A packet's bytes made from its number, so every frame's data can be told apart.
func packetBytes(_ number: Int, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: number &* 31 &+ $0) }
}

/// A classic pcap file (draft-ietf-opsawg-pcap).
struct PcapBuilder {
    private var writer: FieldWriter
    private let nanoseconds: Bool
    /// Offsets of each record's header, in order.
    private(set) var recordOffsets: [Int] = []

    init(bigEndian: Bool = false, nanoseconds: Bool = false, snapLength: UInt32 = 262_144, linkType: UInt32 = 1) {
        writer = FieldWriter(bigEndian: bigEndian)
        self.nanoseconds = nanoseconds
        writer.u32(nanoseconds ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        writer.u16(2)
        writer.u16(4)
        writer.u32(0)  // thiszone
        writer.u32(0)  // sigfigs
        writer.u32(snapLength)
        writer.u32(linkType)
    }

    mutating func record(seconds: UInt32, fraction: UInt32, data: [UInt8], originalLength: Int? = nil,
                         capturedLength: UInt32? = nil) {
        recordOffsets.append(writer.bytes.count)
        writer.u32(seconds)
        writer.u32(fraction)
        writer.u32(capturedLength ?? UInt32(data.count))
        writer.u32(UInt32(originalLength ?? data.count))
        writer.raw(data)
    }

    var bytes: [UInt8] { writer.bytes }
}

/// A pcapng file (draft-ietf-opsawg-pcapng), possibly of several sections.
struct PcapngBuilder {
    private var writer: FieldWriter
    /// Offsets of each block that yields a record, in order.
    private(set) var recordOffsets: [Int] = []

    init(bigEndian: Bool = false) {
        writer = FieldWriter(bigEndian: bigEndian)
        sectionHeader(bigEndian: bigEndian)
    }

    /// Starts a new section, in either byte order.
    mutating func sectionHeader(bigEndian: Bool) {
        writer.bigEndian = bigEndian
        block(type: 0x0A0D_0D0A) { body in
            body.u32(0x1A2B_3C4D)
            body.u16(1)
            body.u16(0)
            body.u64(UInt64.max)  // section length unknown
            // shb_userappl option, to have options to skip.
            body.u16(4)
            body.u16(5)
            body.raw(Array("pktt!".utf8))
            body.pad(to: 4)
            body.u32(0)  // opt_endofopt
        }
    }

    /// An Interface Description Block; `tsresol` nil leaves the default 10^-6.
    mutating func interface(linkType: UInt16, snapLength: UInt32 = 0, tsresol: UInt8? = nil,
                            tsoffset: Int64? = nil) {
        block(type: 1) { body in
            body.u16(linkType)
            body.u16(0)
            body.u32(snapLength)
            // if_name, an option the reader skips.
            body.u16(2)
            body.u16(3)
            body.raw(Array("et0".utf8))
            body.pad(to: 4)
            if let tsresol {
                body.u16(9)
                body.u16(1)
                body.u8(tsresol)
                body.pad(to: 4)
            }
            if let tsoffset {
                body.u16(14)
                body.u16(8)
                body.u64(UInt64(bitPattern: tsoffset))
            }
            body.u32(0)
        }
    }

    mutating func enhancedPacket(interface: UInt32, timestamp: UInt64, data: [UInt8], originalLength: Int? = nil) {
        recordOffsets.append(writer.bytes.count)
        block(type: 6) { body in
            body.u32(interface)
            body.u32(UInt32(truncatingIfNeeded: timestamp >> 32))
            body.u32(UInt32(truncatingIfNeeded: timestamp))
            body.u32(UInt32(data.count))
            body.u32(UInt32(originalLength ?? data.count))
            body.raw(data)
            body.pad(to: 4)
            // opt_comment, skipped.
            body.u16(1)
            body.u16(2)
            body.raw([0x68, 0x69])
            body.pad(to: 4)
            body.u32(0)
        }
    }

    /// The obsolete Packet Block (type 2): 16-bit interface id and a drops count.
    mutating func obsoletePacket(interface: UInt16, timestamp: UInt64, data: [UInt8]) {
        recordOffsets.append(writer.bytes.count)
        block(type: 2) { body in
            body.u16(interface)
            body.u16(0)
            body.u32(UInt32(truncatingIfNeeded: timestamp >> 32))
            body.u32(UInt32(truncatingIfNeeded: timestamp))
            body.u32(UInt32(data.count))
            body.u32(UInt32(data.count))
            body.raw(data)
            body.pad(to: 4)
        }
    }

    mutating func simplePacket(data: [UInt8], originalLength: Int) {
        recordOffsets.append(writer.bytes.count)
        block(type: 3) { body in
            body.u32(UInt32(originalLength))
            body.raw(data)
            body.pad(to: 4)
        }
    }

    /// A block the reader has no use for (name resolution, statistics, custom, unknown).
    mutating func otherBlock(type: UInt32, bodyLength: Int) {
        block(type: type) { body in body.raw(Array(repeating: 0xEE, count: bodyLength)) }
    }

    private mutating func block(type: UInt32, body build: (inout FieldWriter) -> Void) {
        var body = FieldWriter(bigEndian: writer.bigEndian)
        build(&body)
        let length = UInt32(12 + body.bytes.count)
        writer.u32(type)
        writer.u32(length)
        writer.raw(body.bytes)
        writer.u32(length)
    }

    var bytes: [UInt8] { writer.bytes }
}

/// A Sun snoop version 2 file (RFC 1761), big-endian.
struct SnoopBuilder {
    private var writer = FieldWriter(bigEndian: true)
    private(set) var recordOffsets: [Int] = []

    init(datalink: UInt32 = 4) {
        writer.raw(Array("snoop".utf8) + [0, 0, 0])
        writer.u32(2)
        writer.u32(datalink)
    }

    mutating func record(seconds: UInt32, microseconds: UInt32, data: [UInt8], originalLength: Int? = nil,
                         recordLength: UInt32? = nil) {
        recordOffsets.append(writer.bytes.count)
        let padded = (data.count + 3) & ~3
        writer.u32(UInt32(originalLength ?? data.count))
        writer.u32(UInt32(data.count))
        writer.u32(recordLength ?? UInt32(24 + padded))
        writer.u32(0)  // cumulative drops
        writer.u32(seconds)
        writer.u32(microseconds)
        writer.raw(data)
        writer.pad(to: 4)
    }

    var bytes: [UInt8] { writer.bytes }
}

/// Endace ERF record header (LINKTYPE_ERF, 197): 16 bytes, then extension headers of 8 bytes
/// each when bit 7 of the type is set (chained by the top bit of each one's first byte), then
/// the record's payload, laid out by the type.
public struct ERFHeader: Sendable {
    /// ERF timestamp: 32.32 fixed-point seconds, little-endian on the wire.
    public var timestamp: UInt64 = 0
    /// Record type (low 7 bits of the type byte).
    public var type: UInt8 = 0
    public var flags: UInt8 = 0
    /// Record length (header, extensions, payload and padding).
    public var recordLength: UInt16 = 0
    /// Loss counter, or color for the color types.
    public var lossCounter: UInt16 = 0
    /// The length of the packet on the wire.
    public var wireLength: UInt16 = 0
    /// Extension headers after the fixed header.
    public var extensionCount = 0
    public init() {}

    public static let typeEthernet: UInt8 = 2
    public static let typeColorEthernet: UInt8 = 10
    public static let typeDSMColorEthernet: UInt8 = 16
    public static let typeInfiniBand: UInt8 = 21
    public static let typeIPv4: UInt8 = 22
    public static let typeIPv6: UInt8 = 23

    /// Extension headers followed at most (the format allows a chain of any length).
    public static let maximumExtensions = 8

    public var typeName: String {
        switch type {
        case 1: "HDLC_POS"
        case 2: "ETH"
        case 3: "ATM"
        case 4: "AAL5"
        case 10: "COLOR_ETH"
        case 16: "DSM_COLOR_ETH"
        case 21: "INFINIBAND"
        case 22: "IPV4"
        case 23: "IPV6"
        case 25: "INFINIBAND_LINK"
        case 27: "META"
        default: "type \(type)"
        }
    }
}

extension PacketDecoder {
    /// The ERF header; returns where an IP packet starts and its EtherType when the record holds
    /// one, after decoding an Ethernet or InfiniBand payload itself.
    static func decodeERF(_ b: UnsafeRawBufferPointer, into p: inout Packet) -> (offset: Int, type: UInt16)? {
        guard b.count >= 16 else { return short(.erf, at: 0, &p) }
        p.layers.add(.erf)
        var h = ERFHeader()
        h.timestamp = UInt64(b.u32le(0)) | UInt64(b.u32le(4)) << 32
        let typeByte = b.u8(8)
        h.type = typeByte & 0x7f
        h.flags = b.u8(9)
        h.recordLength = b.u16(10)
        h.lossCounter = b.u16(12)
        h.wireLength = b.u16(14)
        var offset = 16
        var more = typeByte & 0x80 != 0
        while more {
            guard h.extensionCount < ERFHeader.maximumExtensions else {
                p.erf = h
                p.error = DecodeError(.tooDeep, layer: .erf, offset: offset)
                return nil
            }
            guard b.count >= offset + 8 else {
                p.erf = h
                return short(.erf, at: offset, &p)
            }
            more = b.u8(offset) & 0x80 != 0
            h.extensionCount += 1
            offset += 8
        }
        p.erf = h
        // The record ends at rlen (padding included) or at the captured bytes.
        let recordEnd = min(b.count, max(offset, Int(h.recordLength)))
        switch h.type {
        case ERFHeader.typeEthernet, ERFHeader.typeColorEthernet, ERFHeader.typeDSMColorEthernet:
            // Two bytes of offset/pad, then the frame.
            guard recordEnd >= offset + 2 else { return short(.erf, at: offset, &p) }
            let frameStart = offset + 2
            let wire = Int(h.wireLength)
            let frameEnd = wire > 0 && frameStart + wire <= recordEnd ? frameStart + wire : recordEnd
            let frame = UnsafeRawBufferPointer(rebasing: b[..<frameEnd])
            return decodeEthernet(frame, at: frameStart, into: &p)
        case ERFHeader.typeInfiniBand:
            decodeInfiniBandNative(b, at: offset, end: recordEnd, into: &p)
            return nil
        case ERFHeader.typeIPv4:
            return (offset, EtherType.ipv4)
        case ERFHeader.typeIPv6:
            return (offset, EtherType.ipv6)
        default:
            p.payload = ByteRange(offset: offset, count: recordEnd - offset)
            return nil
        }
    }
}

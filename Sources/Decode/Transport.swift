/// TCP header (RFC 9293) with the options pktt reads (MSS, window scale, SACK, timestamps).
public struct TCP: Sendable {
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    /// Sequence and acknowledgment numbers as on the wire.
    public var seqRaw: UInt32 = 0
    public var ackRaw: UInt32 = 0
    /// Relative to the first sequence number seen in each direction (set by Track; equal to
    /// the raw values when no tracker ran).
    public var seq: UInt64 = 0
    public var ack: UInt64 = 0
    /// Header length in bytes.
    public var headerLength: UInt8 = 20
    /// The nine flag bits: FIN 0x001 … CWR 0x080, NS/AE 0x100.
    public var flags: UInt16 = 0
    public var window: UInt16 = 0
    public var checksum: UInt16 = 0
    public var urgentPointer: UInt16 = 0
    /// Options present: MSS (-1 when absent), window scale shift (-1 when absent).
    public var mss: Int32 = -1
    public var windowScale: Int16 = -1
    public var sackPermitted = false
    public var hasTimestamps = false
    public var tsval: UInt32 = 0
    public var tsecr: UInt32 = 0
    public var sackCount = 0
    public var sackBlocks = InlineArray<4, SACKBlock>(repeating: SACKBlock())
    /// An option's length ran past the header, or was below 2.
    public var optionsMalformed = false
    /// Segment payload length in bytes (as far as the IP length says, captured or not).
    public var payloadLength = 0
    public init() {}

    public static let FIN: UInt16 = 0x001
    public static let SYN: UInt16 = 0x002
    public static let RST: UInt16 = 0x004
    public static let PSH: UInt16 = 0x008
    public static let ACK: UInt16 = 0x010
    public static let URG: UInt16 = 0x020
    public static let ECE: UInt16 = 0x040
    public static let CWR: UInt16 = 0x080
    public static let NS: UInt16 = 0x100

    /// Flag names in bit order, as the seed lists them.
    public static let flagNames: [(bit: UInt16, name: String)] = [
        (FIN, "FIN"), (SYN, "SYN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"),
        (URG, "URG"), (ECE, "ECE"), (CWR, "CWR"), (NS, "NS"),
    ]
}

/// One SACK block: the left and right edges as on the wire.
public struct SACKBlock: Sendable {
    public var left: UInt32 = 0
    public var right: UInt32 = 0
    public init() {}
}

/// UDP header (RFC 768).
public struct UDP: Sendable {
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    public var length: UInt16 = 0
    public var checksum: UInt16 = 0
    public init() {}
}

extension PacketDecoder {
    @inline(__always)
    static func decodeTCP(_ b: UnsafeRawBufferPointer, in r: ByteRange, wireLength: Int,
                          into p: inout Packet) {
        let o = r.offset
        guard r.count >= 20 else { _ = short(.tcp, at: o, &p) as Int?; return }
        let dataOffsetFlags = b.u16(o + 12)
        let headerLength = Int(dataOffsetFlags >> 12) * 4
        guard headerLength >= 20 else {
            p.error = DecodeError(.badLength, layer: .tcp, offset: o + 12)
            return
        }
        guard r.count >= headerLength else { _ = short(.tcp, at: o, &p) as Int?; return }
        p.layers.add(.tcp)
        p.tcp.srcPort = b.u16(o)
        p.tcp.dstPort = b.u16(o + 2)
        p.tcp.seqRaw = b.u32(o + 4)
        p.tcp.ackRaw = b.u32(o + 8)
        p.tcp.seq = UInt64(p.tcp.seqRaw)
        p.tcp.ack = UInt64(p.tcp.ackRaw)
        p.tcp.headerLength = UInt8(headerLength)
        p.tcp.flags = dataOffsetFlags & 0x01ff
        p.tcp.window = b.u16(o + 14)
        p.tcp.checksum = b.u16(o + 16)
        p.tcp.urgentPointer = b.u16(o + 18)
        p.tcp.mss = -1
        p.tcp.windowScale = -1
        p.tcp.sackPermitted = false
        p.tcp.hasTimestamps = false
        p.tcp.sackCount = 0
        p.tcp.optionsMalformed = false
        if headerLength > 20 { decodeTCPOptions(b, from: o + 20, to: o + headerLength, into: &p.tcp) }
        p.tcp.payloadLength = max(0, wireLength - headerLength)
        p.payload = ByteRange(offset: o + headerLength, count: r.count - headerLength)
    }

    @inline(__always)
    static func decodeTCPOptions(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int,
                                 into tcp: inout TCP) {
        var at = start
        while at < end {
            let kind = b.u8(at)
            if kind == 0 { return }  // end of option list
            if kind == 1 { at += 1; continue }  // no-operation
            guard at + 1 < end else { tcp.optionsMalformed = true; return }
            let length = Int(b.u8(at + 1))
            guard length >= 2, at + length <= end else { tcp.optionsMalformed = true; return }
            switch (kind, length) {
            case (2, 4): tcp.mss = Int32(b.u16(at + 2))
            case (3, 3): tcp.windowScale = Int16(b.u8(at + 2))
            case (4, 2): tcp.sackPermitted = true
            case (5, _):
                var block = at + 2
                while block + 8 <= at + length && tcp.sackCount < PacketLimits.maximumSACKBlocks {
                    var sack = SACKBlock()
                    sack.left = b.u32(block)
                    sack.right = b.u32(block + 4)
                    tcp.sackBlocks[tcp.sackCount] = sack
                    tcp.sackCount += 1
                    block += 8
                }
            case (8, 10):
                tcp.hasTimestamps = true
                tcp.tsval = b.u32(at + 2)
                tcp.tsecr = b.u32(at + 6)
            default: break  // other options are skipped by their length
            }
            at += length
        }
    }

    @inline(__always)
    static func decodeUDP(_ b: UnsafeRawBufferPointer, in r: ByteRange, wireLength: Int,
                          into p: inout Packet) {
        let o = r.offset
        guard r.count >= 8 else { _ = short(.udp, at: o, &p) as Int?; return }
        p.layers.add(.udp)
        p.udp.srcPort = b.u16(o)
        p.udp.dstPort = b.u16(o + 2)
        p.udp.length = b.u16(o + 4)
        p.udp.checksum = b.u16(o + 6)
        var count = r.count - 8
        let length = Int(p.udp.length)
        // 0 is a jumbogram's UDP length (RFC 2675); otherwise it must fit the IP payload.
        if length >= 8 && length <= wireLength {
            if length - 8 < count { count = length - 8 }
        } else if length != 0 {
            p.error = DecodeError(.badLength, layer: .udp, offset: o + 4)
        }
        p.payload = ByteRange(offset: o + 8, count: count)
    }
}

/// InfiniBand packet headers (InfiniBand Architecture Specification vol. 1, ch. 5 and 9): the
/// local and global route headers of a native IB packet, the base transport header and the
/// extended transport headers its opcode implies. RoCEv1 carries GRH + BTH over Ethernet
/// (EtherType 0x8915), RoCEv2 carries BTH over UDP port 4791.
public struct InfiniBand: Sendable {
    /// How the packet reached the BTH.
    public enum Encapsulation: UInt8, Sendable {
        /// Native InfiniBand: LRH (and GRH when LNH says so), VCRC trailer.
        case native = 0
        /// RoCE v1: GRH after an Ethernet header.
        case roceV1 = 1
        /// RoCE v2: BTH after UDP (destination port 4791).
        case roceV2 = 2
    }

    public var encapsulation = Encapsulation.native

    // Local route header (native only).
    public var hasLRH = false
    public var virtualLane: UInt8 = 0
    public var linkVersion: UInt8 = 0
    public var serviceLevel: UInt8 = 0
    /// Link next header: 0 raw, 1 raw IPv6, 2 IBA local (BTH), 3 IBA global (GRH).
    public var linkNextHeader: UInt8 = 0
    public var destinationLID: UInt16 = 0
    /// LRH packet length in 4-byte words (LRH through ICRC, not the VCRC).
    public var packetLength: UInt16 = 0
    public var sourceLID: UInt16 = 0

    // Global route header (native with LNH 3, or RoCE v1).
    public var hasGRH = false
    public var trafficClass: UInt8 = 0
    public var flowLabel: UInt32 = 0
    public var payloadLength: UInt16 = 0
    public var nextHeader: UInt8 = 0
    public var hopLimit: UInt8 = 0
    public var sourceGID = IPAddress.unspecified
    public var destinationGID = IPAddress.unspecified

    // Base transport header.
    public var opcode: UInt8 = 0
    public var solicitedEvent = false
    public var migrationRequest = false
    public var padCount: UInt8 = 0
    public var transportVersion: UInt8 = 0
    public var partitionKey: UInt16 = 0
    public var destinationQP: UInt32 = 0
    public var ackRequest = false
    public var psn: UInt32 = 0

    /// The extended transport headers present (`InfiniBand.Extension` bits).
    public var extensions: UInt16 = 0
    // RDETH
    public var eeContext: UInt32 = 0
    // DETH
    public var queueKey: UInt32 = 0
    public var sourceQP: UInt32 = 0
    // XRCETH
    public var xrcSRQ: UInt32 = 0
    // RETH
    public var virtualAddress: UInt64 = 0
    public var remoteKey: UInt32 = 0
    public var dmaLength: UInt32 = 0
    // AtomicETH (virtualAddress and remoteKey shared with RETH)
    public var swapOrAdd: UInt64 = 0
    public var compare: UInt64 = 0
    // AETH
    public var syndrome: UInt8 = 0
    public var msn: UInt32 = 0
    // AtomicAckETH
    public var originalRemoteData: UInt64 = 0
    // ImmDt
    public var immediate: UInt32 = 0
    // IETH
    public var invalidatedKey: UInt32 = 0

    public init() {}

    @inlinable public func has(_ e: Extension) -> Bool { extensions & e.rawValue != 0 }

    /// The extended transport headers, in the order they follow the BTH.
    public struct Extension: OptionSet, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let rdeth = Extension(rawValue: 1 << 0)   // 4 bytes
        public static let deth = Extension(rawValue: 1 << 1)    // 8
        public static let xrceth = Extension(rawValue: 1 << 2)  // 4
        public static let reth = Extension(rawValue: 1 << 3)    // 16
        public static let atomicETH = Extension(rawValue: 1 << 4)  // 28
        public static let aeth = Extension(rawValue: 1 << 5)    // 4
        public static let atomicAckETH = Extension(rawValue: 1 << 6)  // 8
        public static let immDt = Extension(rawValue: 1 << 7)   // 4
        public static let ieth = Extension(rawValue: 1 << 8)    // 4
        /// Congestion notification packet payload (RoCEv2 CNP: 16 reserved bytes).
        public static let cnp = Extension(rawValue: 1 << 9)

        public static let names: [(Extension, String)] = [
            (.rdeth, "RDETH"), (.deth, "DETH"), (.xrceth, "XRCETH"), (.reth, "RETH"),
            (.atomicETH, "AtomicETH"), (.aeth, "AETH"), (.atomicAckETH, "AtomicAckETH"),
            (.immDt, "ImmDt"), (.ieth, "IETH"),
        ]
    }

    /// The transport service of the opcode (its top 3 bits).
    @inlinable public var transport: UInt8 { opcode >> 5 }
    /// The operation within the service (its low 5 bits).
    @inlinable public var operation: UInt8 { opcode & 0x1f }

    /// True for the SEND opcodes (first, middle, last, only, with immediate or invalidate).
    @inlinable public var isSend: Bool {
        Self.isSendTransport(transport) && (operation <= 5 || operation == 22 || operation == 23)
    }
    /// A SEND that starts a message (FIRST or ONLY).
    @inlinable public var startsSend: Bool { isSend && (operation == 0 || operation == 4 || operation == 5 || operation == 23) }
    /// A SEND that ends a message (LAST or ONLY).
    @inlinable public var endsSend: Bool { isSend && operation != 0 && operation != 1 }
    /// An RDMA WRITE (first, middle, last, only).
    @inlinable public var isWrite: Bool { Self.isSendTransport(transport) && transport != 3 && operation >= 6 && operation <= 11 }

    @inlinable static func isSendTransport(_ t: UInt8) -> Bool { t <= 3 || t == 5 }

    /// Transport service names (top three opcode bits).
    public static func transportName(_ t: UInt8) -> String {
        switch t {
        case 0: "RC"
        case 1: "UC"
        case 2: "RD"
        case 3: "UD"
        case 4: "CNP"
        case 5: "XRC"
        default: "manufacturer"
        }
    }

    /// The operation's name (low five bits), as the spec's opcode table spells it.
    public static func operationName(opcode: UInt8) -> String {
        if opcode == 0x81 { return "CNP" }
        switch opcode & 0x1f {
        case 0: return "SEND First"
        case 1: return "SEND Middle"
        case 2: return "SEND Last"
        case 3: return "SEND Last with Immediate"
        case 4: return "SEND Only"
        case 5: return "SEND Only with Immediate"
        case 6: return "RDMA WRITE First"
        case 7: return "RDMA WRITE Middle"
        case 8: return "RDMA WRITE Last"
        case 9: return "RDMA WRITE Last with Immediate"
        case 10: return "RDMA WRITE Only"
        case 11: return "RDMA WRITE Only with Immediate"
        case 12: return "RDMA READ Request"
        case 13: return "RDMA READ Response First"
        case 14: return "RDMA READ Response Middle"
        case 15: return "RDMA READ Response Last"
        case 16: return "RDMA READ Response Only"
        case 17: return "Acknowledge"
        case 18: return "ATOMIC Acknowledge"
        case 19: return "CmpSwap"
        case 20: return "FetchAdd"
        case 21: return "RESYNC"
        case 22: return "SEND Last with Invalidate"
        case 23: return "SEND Only with Invalidate"
        default: return "opcode \(opcode)"
        }
    }

    /// Which extended headers follow the BTH for `opcode` (IBA vol. 1 §9.2, table 38 "opcode
    /// field"; Wireshark's packet-infiniband.c uses the same table). nil for a reserved opcode.
    public static func extensions(opcode: UInt8) -> Extension? {
        let t = opcode >> 5, op = opcode & 0x1f
        if t == 4 {  // CNP, RoCEv2 (annex A17): 0x81
            return opcode == 0x81 ? .cnp : nil
        }
        if t == 6 || t == 7 { return nil }  // manufacturer specific
        var e: Extension
        switch op {
        case 0, 1, 2, 4: e = []
        case 3, 5: e = .immDt
        case 6, 10, 12: e = .reth
        case 7, 8: e = []
        case 9: e = .immDt
        case 11: e = [.reth, .immDt]
        case 13, 15, 16, 17: e = .aeth
        case 14: e = []
        case 18: e = [.aeth, .atomicAckETH]
        case 19, 20: e = .atomicETH
        case 21: e = []
        case 22, 23: e = .ieth
        default: return nil
        }
        let isRequest = op <= 12 || op == 19 || op == 20 || op == 22 || op == 23
        switch t {
        case 0:  // RC: everything
            return e
        case 1:  // UC: SEND and RDMA WRITE only
            return op <= 11 ? e : nil
        case 2:  // RD: RDETH on all; DETH on requests (and RESYNC)
            if op == 22 || op == 23 { return nil }
            e.insert(.rdeth)
            if isRequest || op == 21 { e.insert(.deth) }
            return e
        case 3:  // UD: SEND Only (with immediate)
            return op == 4 || op == 5 ? e.union(.deth) : nil
        case 5:  // XRC: as RC, XRCETH on requests
            if op == 21 { return nil }
            if isRequest { e.insert(.xrceth) }
            return e
        default:
            return nil
        }
    }

    /// Bytes of the extended headers in `e`.
    public static func extensionsLength(_ e: Extension) -> Int {
        var n = 0
        if e.contains(.rdeth) { n += 4 }
        if e.contains(.deth) { n += 8 }
        if e.contains(.xrceth) { n += 4 }
        if e.contains(.reth) { n += 16 }
        if e.contains(.atomicETH) { n += 28 }
        if e.contains(.aeth) { n += 4 }
        if e.contains(.atomicAckETH) { n += 8 }
        if e.contains(.immDt) { n += 4 }
        if e.contains(.ieth) { n += 4 }
        if e.contains(.cnp) { n += 16 }
        return n
    }
}

/// The RoCE constants.
public enum RoCE {
    /// RoCEv2's UDP destination port (IANA).
    public static let udpPort: UInt16 = 4791
    /// RoCEv1's EtherType.
    public static let etherType: UInt16 = 0x8915
}

extension PacketDecoder {
    /// Decodes a native InfiniBand packet at `offset` (LRH first) ending at `end` (the captured
    /// record's end, VCRC included when the capture kept it).
    static func decodeInfiniBandNative(_ b: UnsafeRawBufferPointer, at offset: Int, end: Int, into p: inout Packet) {
        guard end - offset >= 8 else { _ = short(.infiniband, at: offset, &p) as Int?; return }
        var ib = InfiniBand()
        ib.encapsulation = .native
        ib.hasLRH = true
        let b0 = b.u8(offset), b1 = b.u8(offset + 1)
        ib.virtualLane = b0 >> 4
        ib.linkVersion = b0 & 0x0f
        ib.serviceLevel = b1 >> 4
        ib.linkNextHeader = b1 & 0x03
        ib.destinationLID = b.u16(offset + 2)
        ib.packetLength = b.u16(offset + 4) & 0x07ff
        ib.sourceLID = b.u16(offset + 6)
        p.layers.add(.infiniband)
        p.infiniband = ib
        // The LRH length covers LRH … ICRC; the VCRC (2 bytes) follows it.
        let declared = Int(ib.packetLength) * 4
        guard declared >= 8 + 12 + 4 || ib.linkNextHeader < 2 else {
            p.error = DecodeError(.badLength, layer: .infiniband, offset: offset + 4)
            return
        }
        var packetEnd = offset + declared
        if packetEnd > end {
            if !p.truncated {
                p.error = DecodeError(.badLength, layer: .infiniband, offset: offset + 4)
                return
            }
            packetEnd = end
        }
        switch ib.linkNextHeader {
        case 2:
            decodeBTH(b, at: offset + 8, packetEnd: packetEnd, icrc: packetEnd == offset + declared, into: &p)
        case 3:
            guard let bth = decodeGRH(b, at: offset + 8, end: packetEnd, into: &p) else { return }
            decodeBTH(b, at: bth, packetEnd: packetEnd, icrc: packetEnd == offset + declared, into: &p)
        default:
            // Raw packets (LNH 0 or 1): not followed.
            p.payload = ByteRange(offset: offset + 8, count: max(0, packetEnd - offset - 8))
        }
    }

    /// The GRH (40 bytes, laid out as an IPv6 header); returns where the BTH starts.
    static func decodeGRH(_ b: UnsafeRawBufferPointer, at o: Int, end: Int, into p: inout Packet) -> Int? {
        guard end - o >= 40 else { return short(.infiniband, at: o, &p) }
        let word = b.u32(o)
        guard word >> 28 == 6 else {
            p.error = DecodeError(.badVersion, layer: .infiniband, offset: o)
            return nil
        }
        p.infiniband.hasGRH = true
        p.infiniband.trafficClass = UInt8(truncatingIfNeeded: word >> 20)
        p.infiniband.flowLabel = word & 0xfffff
        p.infiniband.payloadLength = b.u16(o + 4)
        p.infiniband.nextHeader = b.u8(o + 6)
        p.infiniband.hopLimit = b.u8(o + 7)
        p.infiniband.sourceGID = IPAddress(ipv6High: b.u64(o + 8), low: b.u64(o + 16))
        p.infiniband.destinationGID = IPAddress(ipv6High: b.u64(o + 24), low: b.u64(o + 32))
        guard p.infiniband.nextHeader == 0x1b else {  // IBA transport
            p.payload = ByteRange(offset: o + 40, count: end - o - 40)
            return nil
        }
        return o + 40
    }

    /// Decodes RoCEv1 (GRH then BTH) at `offset` of an Ethernet frame.
    static func decodeRoCEv1(_ b: UnsafeRawBufferPointer, at offset: Int, into p: inout Packet) {
        var ib = InfiniBand()
        ib.encapsulation = .roceV1
        p.infiniband = ib
        p.layers.add(.infiniband)
        guard let bth = decodeGRH(b, at: offset, end: b.count, into: &p) else { return }
        // The GRH payload length covers BTH … ICRC.
        var end = bth + Int(p.infiniband.payloadLength)
        if end > b.count { end = b.count }
        decodeBTH(b, at: bth, packetEnd: end, icrc: !p.truncated, into: &p)
    }

    /// Decodes RoCEv2: the UDP payload (`p.payload`) starts with the BTH.
    static func decodeRoCEv2(_ b: UnsafeRawBufferPointer, into p: inout Packet) {
        var ib = InfiniBand()
        ib.encapsulation = .roceV2
        p.infiniband = ib
        p.layers.add(.infiniband)
        let r = p.payload
        let whole = Int(p.udp.length) >= 8 && r.count == Int(p.udp.length) - 8
        decodeBTH(b, at: r.offset, packetEnd: r.end, icrc: whole && !p.truncated, into: &p)
    }

    /// The BTH and the extended headers its opcode implies; `p.payload` becomes the data
    /// between them and the pad bytes + ICRC (when `icrc`, the packet ends with its ICRC).
    static func decodeBTH(_ b: UnsafeRawBufferPointer, at o: Int, packetEnd: Int, icrc: Bool, into p: inout Packet) {
        guard packetEnd - o >= 12 else { _ = short(.infiniband, at: o, &p) as Int?; return }
        let flags = b.u8(o + 1)
        p.infiniband.opcode = b.u8(o)
        p.infiniband.solicitedEvent = flags & 0x80 != 0
        p.infiniband.migrationRequest = flags & 0x40 != 0
        p.infiniband.padCount = (flags >> 4) & 0x3
        p.infiniband.transportVersion = flags & 0x0f
        p.infiniband.partitionKey = b.u16(o + 2)
        p.infiniband.destinationQP = b.u32(o + 4) & 0x00ff_ffff
        let psnWord = b.u32(o + 8)
        p.infiniband.ackRequest = psnWord & 0x8000_0000 != 0
        p.infiniband.psn = psnWord & 0x00ff_ffff
        guard let ext = InfiniBand.extensions(opcode: p.infiniband.opcode) else {
            p.error = DecodeError(.badValue, layer: .infiniband, offset: o)
            return
        }
        var c = o + 12
        guard packetEnd - c >= InfiniBand.extensionsLength(ext) else {
            _ = short(.infiniband, at: c, &p) as Int?
            return
        }
        p.infiniband.extensions = ext.rawValue
        if ext.contains(.rdeth) { p.infiniband.eeContext = b.u32(c) & 0x00ff_ffff; c += 4 }
        if ext.contains(.deth) {
            p.infiniband.queueKey = b.u32(c)
            p.infiniband.sourceQP = b.u32(c + 4) & 0x00ff_ffff
            c += 8
        }
        if ext.contains(.xrceth) { p.infiniband.xrcSRQ = b.u32(c) & 0x00ff_ffff; c += 4 }
        if ext.contains(.reth) {
            p.infiniband.virtualAddress = b.u64(c)
            p.infiniband.remoteKey = b.u32(c + 8)
            p.infiniband.dmaLength = b.u32(c + 12)
            c += 16
        }
        if ext.contains(.atomicETH) {
            p.infiniband.virtualAddress = b.u64(c)
            p.infiniband.remoteKey = b.u32(c + 8)
            p.infiniband.swapOrAdd = b.u64(c + 12)
            p.infiniband.compare = b.u64(c + 20)
            c += 28
        }
        if ext.contains(.aeth) {
            p.infiniband.syndrome = b.u8(c)
            p.infiniband.msn = b.u32(c) & 0x00ff_ffff
            c += 4
        }
        if ext.contains(.atomicAckETH) { p.infiniband.originalRemoteData = b.u64(c); c += 8 }
        if ext.contains(.immDt) { p.infiniband.immediate = b.u32(c); c += 4 }
        if ext.contains(.ieth) { p.infiniband.invalidatedKey = b.u32(c); c += 4 }
        if ext.contains(.cnp) { c += 16 }
        let trailer = (icrc ? 4 : 0) + Int(p.infiniband.padCount)
        guard packetEnd - c >= trailer else {
            if icrc {
                p.error = DecodeError(.badLength, layer: .infiniband, offset: o + 1)
            }
            p.payload = ByteRange(offset: c, count: 0)
            return
        }
        // Without the ICRC (cut by the snaplen) the pad bytes may be cut too: keep what is there.
        p.payload = ByteRange(offset: c, count: packetEnd - c - (icrc ? trailer : 0))
        if p.infiniband.startsSend {
            decodeRPCoRDMA(b, into: &p)
        }
    }
}

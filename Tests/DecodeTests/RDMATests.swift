import Testing
@testable import Decode

/// Builders for ERF records, InfiniBand headers and RPC-over-RDMA, laid out as the InfiniBand
/// spec (vol. 1 ch. 5, 9), the ERF format and RFC 8166 draw them.
extension Frame {
    /// ERF header: 8-byte little-endian timestamp, type, flags, rlen, lctr, wlen.
    mutating func erf(type: UInt8, recordLength: Int, wireLength: Int, extensions: Int = 0) {
        raw([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        u8(type | (extensions > 0 ? 0x80 : 0)); u8(0x04)
        u16(UInt16(recordLength)); u16(0); u16(UInt16(wireLength))
        for i in 0..<extensions {
            u8(i < extensions - 1 ? 0x80 | 1 : 1); raw([0, 0, 0, 0, 0, 0, 0])
        }
    }

    /// LRH: VL 0, LVer 0, SL 0, LNH, DLID, packet length in words (LRH … ICRC), SLID.
    mutating func lrh(lnh: UInt8, dlid: UInt16 = 24, slid: UInt16 = 8, words: Int) {
        u8(0); u8(lnh); u16(dlid); u16(UInt16(words)); u16(slid)
    }

    /// GRH: version 6, next header 0x1B (IBA transport), `payload` bytes after it.
    mutating func grh(payload: Int, src: [UInt8] = v6a, dst: [UInt8] = v6b) {
        u32(0x6000_0000); u16(UInt16(payload)); u8(0x1b); u8(64); raw(src); raw(dst)
    }

    /// BTH: opcode, SE/M/pad/tver, P_Key, dest QP, ack request + PSN.
    mutating func bth(opcode: UInt8, qp: UInt32 = 0x111, psn: UInt32 = 0x61e29f, pad: UInt8 = 0) {
        u8(opcode); u8(0x40 | pad << 4); u16(0xffff); u32(qp & 0xff_ffff); u32(0x8000_0000 | psn)
    }

    /// RPC-over-RDMA header with empty lists unless given.
    mutating func rpcordma(xid: UInt32, proc: UInt32, credit: UInt32 = 128, reads: [(UInt32, UInt32)] = [],
                           writes: [[UInt32]] = [], reply: [(UInt32, UInt32, UInt64)]? = nil) {
        u32(xid); u32(1); u32(credit); u32(proc)
        for (position, handle) in reads { u32(1); u32(position); u32(handle); u32(512); u32(0); u32(0x1000) }
        u32(0)
        for chunk in writes {
            u32(1); u32(UInt32(chunk.count))
            for handle in chunk { u32(handle); u32(4096); u32(0); u32(0x2000) }
        }
        u32(0)
        if let reply {
            u32(1); u32(UInt32(reply.count))
            for (handle, length, offset) in reply { u32(handle); u32(length); u32(UInt32(offset >> 32)); u32(UInt32(offset & 0xffff_ffff)) }
        } else {
            u32(0)
        }
    }

    /// An RPC NULL call to NFSv4 (40 bytes).
    mutating func rpcCall(xid: UInt32, program: UInt32 = 100003, version: UInt32 = 4, procedure: UInt32 = 0) {
        u32(xid); u32(0); u32(2); u32(program); u32(version); u32(procedure); u32(0); u32(0); u32(0); u32(0)
    }

    /// An accepted, successful RPC reply with no results (24 bytes).
    mutating func rpcReply(xid: UInt32) {
        u32(xid); u32(1); u32(0); u32(0); u32(0); u32(0)
    }

    /// ICRC (4 bytes) and VCRC (2 bytes) trailers.
    mutating func icrc() { raw([0xde, 0xad, 0xbe, 0xef]) }
    mutating func vcrc() { raw([0xab, 0xcd]) }
}

/// A whole native IB record in ERF: LRH (+GRH), BTH, `transport` (extended headers and payload),
/// ICRC, VCRC.
func erfInfiniBand(grh: Bool = false, opcode: UInt8, qp: UInt32 = 0x111, psn: UInt32 = 1, pad: UInt8 = 0,
                   _ transport: [UInt8]) -> [UInt8] {
    var body = Frame()
    body.bth(opcode: opcode, qp: qp, psn: psn, pad: pad)
    body.raw(transport)
    body.raw([UInt8](repeating: 0, count: Int(pad)))
    body.icrc()
    var f = Frame()
    let words = (8 + (grh ? 40 : 0) + body.bytes.count) / 4
    f.erf(type: 21, recordLength: 16 + words * 4 + 2, wireLength: words * 4 + 2)
    f.lrh(lnh: grh ? 3 : 2, words: words)
    if grh { f.grh(payload: body.bytes.count) }
    f.raw(body.bytes)
    f.vcrc()
    return f.bytes
}

func bytes(_ build: (inout Frame) -> Void) -> [UInt8] {
    var f = Frame()
    build(&f)
    return f.bytes
}

@Suite("RDMA: ERF, InfiniBand, RoCE, RPC-over-RDMA")
struct RDMATests {
    static let callXID: UInt32 = 0x9c88_0d2b

    @Test("ERF INFINIBAND record: LRH, BTH SEND Only, RPC-over-RDMA RDMA_MSG, the RPC call inline; ICRC and VCRC left out")
    func erfSendOnly() {
        let transport = bytes { f in
            f.rpcordma(xid: Self.callXID, proc: RPCoRDMA.msg)
            f.rpcCall(xid: Self.callXID)
        }
        var f = Frame()
        f.raw(erfInfiniBand(opcode: 4, transport))
        let p = f.decode(linkType: LinkType.erf)
        #expect(p.error == nil)
        #expect(p.has(.erf) && p.has(.infiniband) && p.has(.rpcordma))
        #expect(!p.hasIP)
        #expect(p.erf.type == 21 && p.erf.flags == 0x04 && p.erf.extensionCount == 0)
        #expect(p.erf.timestamp == 0x8877_6655_4433_2211)
        let ib = p.infiniband
        #expect(ib.encapsulation == .native && ib.hasLRH && !ib.hasGRH)
        #expect(ib.linkNextHeader == 2 && ib.destinationLID == 24 && ib.sourceLID == 8)
        #expect(ib.opcode == 4 && ib.isSend && ib.startsSend && ib.endsSend)
        #expect(ib.destinationQP == 0x111 && ib.psn == 1 && ib.ackRequest && ib.partitionKey == 0xffff)
        #expect(ib.migrationRequest && !ib.solicitedEvent && ib.extensions == 0)
        // ERF 16 + LRH 8 + BTH 12; payload = transport bytes exactly (no ICRC, no VCRC).
        #expect(p.payload == ByteRange(offset: 36, count: transport.count))
        let h = p.rpcordma
        #expect(h.xid == Self.callXID && h.version == 1 && h.credit == 128 && h.procedure == RPCoRDMA.msg)
        #expect(h.readSegments == 0 && h.writeChunks == 0 && !h.hasReplyChunk)
        #expect(h.headerLength == 28 && h.message == ByteRange(offset: 36 + 28, count: 40))
    }

    @Test("LRH with LNH 3: the GRH's GIDs are read, BTH follows it")
    func erfWithGRH() {
        var f = Frame()
        f.raw(erfInfiniBand(grh: true, opcode: 17, [0x00, 0x00, 0x00, 0x05]))
        let p = f.decode(linkType: LinkType.erf)
        #expect(p.error == nil)
        #expect(p.infiniband.hasGRH && p.infiniband.linkNextHeader == 3)
        #expect(p.infiniband.sourceGID.description == "2001:db8::1")
        #expect(p.infiniband.destinationGID.description == "fe80::211:22ff:fe33:4455")
        #expect(p.infiniband.nextHeader == 0x1b && p.infiniband.hopLimit == 64)
        #expect(p.infiniband.has(.aeth) && p.infiniband.msn == 5 && p.infiniband.syndrome == 0)
        #expect(p.payload.count == 0)
    }

    @Test("ERF extension headers are skipped; ERF ETH has 2 pad bytes then Ethernet")
    func erfExtensionsAndEthernet() {
        var inner = Frame()
        inner.ethernet(type: 0x0800)
        inner.ipv4(proto: 17, payload: 8 + 4)
        inner.udp(src: 1000, dst: 2000, payload: 4)
        inner.raw([1, 2, 3, 4])
        var f = Frame()
        f.erf(type: 2, recordLength: 16 + 16 + 2 + inner.bytes.count, wireLength: inner.bytes.count, extensions: 2)
        f.raw([0, 0])
        f.raw(inner.bytes)
        let p = f.decode(linkType: LinkType.erf)
        #expect(p.error == nil)
        #expect(p.erf.extensionCount == 2 && p.erf.type == 2)
        #expect(p.has(.ethernet) && p.has(.ipv4) && p.has(.udp) && p.udp.dstPort == 2000)
        #expect(p.payload.count == 4)
    }

    @Test("Which extended headers each opcode carries (RC, UC, RD, UD, XRC, CNP), and their lengths")
    func opcodeTable() {
        typealias E = InfiniBand.Extension
        let rc: [(UInt8, E)] = [
            (0, []), (1, []), (2, []), (3, .immDt), (4, []), (5, .immDt),
            (6, .reth), (7, []), (8, []), (9, .immDt), (10, .reth), (11, [.reth, .immDt]),
            (12, .reth), (13, .aeth), (14, []), (15, .aeth), (16, .aeth), (17, .aeth),
            (18, [.aeth, .atomicAckETH]), (19, .atomicETH), (20, .atomicETH), (22, .ieth), (23, .ieth),
        ]
        for (op, e) in rc { #expect(InfiniBand.extensions(opcode: op) == e, "RC \(op)") }
        #expect(InfiniBand.extensions(opcode: 24) == nil)
        // UC: SEND and RDMA WRITE only.
        #expect(InfiniBand.extensions(opcode: 0x20 | 11) == [.reth, .immDt])
        #expect(InfiniBand.extensions(opcode: 0x20 | 12) == nil)
        // RD: RDETH always, DETH on requests.
        #expect(InfiniBand.extensions(opcode: 0x40 | 10) == [.rdeth, .deth, .reth])
        #expect(InfiniBand.extensions(opcode: 0x40 | 17) == [.rdeth, .aeth])
        // UD: SEND Only (with immediate) with DETH.
        #expect(InfiniBand.extensions(opcode: 0x64) == .deth)
        #expect(InfiniBand.extensions(opcode: 0x65) == [.deth, .immDt])
        #expect(InfiniBand.extensions(opcode: 0x60) == nil)
        // XRC: XRCETH on requests.
        #expect(InfiniBand.extensions(opcode: 0xa0 | 4) == .xrceth)
        #expect(InfiniBand.extensions(opcode: 0xa0 | 19) == [.xrceth, .atomicETH])
        #expect(InfiniBand.extensions(opcode: 0xa0 | 17) == .aeth)
        #expect(InfiniBand.extensions(opcode: 0x81) == .cnp)
        #expect(InfiniBand.extensionsLength([.reth, .immDt]) == 20)
        #expect(InfiniBand.extensionsLength([.rdeth, .deth, .xrceth, .reth, .atomicETH, .aeth, .atomicAckETH, .immDt, .ieth])
            == 4 + 8 + 4 + 16 + 28 + 4 + 8 + 4 + 4)
    }

    @Test("Extended header fields: RETH+ImmDt, AtomicETH, AETH+AtomicAckETH, IETH, DETH, RDETH, XRCETH")
    func extendedHeaders() {
        func decode(_ opcode: UInt8, _ ext: (inout Frame) -> Void, payload: [UInt8] = [9, 9, 9, 9]) -> Packet {
            var f = Frame()
            f.raw(erfInfiniBand(opcode: opcode, bytes { ext(&$0); $0.raw(payload) }))
            return f.decode(linkType: LinkType.erf)
        }
        var p = decode(11) { f in f.u32(0x1122_3344); f.u32(0x5566_7788); f.u32(0xabcd); f.u32(4); f.u32(0xfeed) }
        #expect(p.error == nil && p.infiniband.isWrite)
        #expect(p.infiniband.virtualAddress == 0x1122_3344_5566_7788 && p.infiniband.remoteKey == 0xabcd)
        #expect(p.infiniband.dmaLength == 4 && p.infiniband.immediate == 0xfeed && p.payload.count == 4)
        p = decode(19, { f in
            f.u32(0); f.u32(0x1000); f.u32(7); f.u32(0); f.u32(1); f.u32(0); f.u32(2)
        }, payload: [])
        #expect(p.infiniband.has(.atomicETH) && p.infiniband.remoteKey == 7)
        #expect(p.infiniband.swapOrAdd == 1 && p.infiniband.compare == 2 && p.payload.count == 0)
        p = decode(18, { f in f.u32(0x0000_0009); f.u32(0); f.u32(42) }, payload: [])
        #expect(p.infiniband.msn == 9 && p.infiniband.originalRemoteData == 42)
        p = decode(23, { f in f.u32(0x4000_4922) })
        #expect(p.infiniband.invalidatedKey == 0x4000_4922 && p.infiniband.isSend && p.infiniband.endsSend)
        p = decode(0x64, { f in f.u32(0x8001_0000); f.u32(1) })
        #expect(p.infiniband.queueKey == 0x8001_0000 && p.infiniband.sourceQP == 1)
        p = decode(0x40 | 4, { f in f.u32(0x33); f.u32(0); f.u32(5) })
        #expect(p.infiniband.eeContext == 0x33 && p.infiniband.sourceQP == 5)
        p = decode(0xa0 | 4, { f in f.u32(0x77) })
        #expect(p.infiniband.xrcSRQ == 0x77 && p.payload.count == 4)
    }

    @Test("BTH pad bytes are left out of the payload; a reserved opcode is an error, not a trap")
    func padAndReserved() {
        var f = Frame()
        f.raw(erfInfiniBand(opcode: 4, pad: 3, [1]))
        var p = f.decode(linkType: LinkType.erf)
        #expect(p.error == nil && p.infiniband.padCount == 3 && p.payload.count == 1)
        f = Frame()
        f.raw(erfInfiniBand(opcode: 24, [1, 2, 3, 4]))
        p = f.decode(linkType: LinkType.erf)
        #expect(p.error?.code == .badValue && p.error?.layer == .infiniband)
    }

    @Test("RoCEv2: UDP port 4791, BTH, payload without ICRC; RoCEv1: EtherType 0x8915, GRH, BTH")
    func roce() {
        let transport = bytes { f in
            f.rpcordma(xid: 7, proc: RPCoRDMA.msg)
            f.rpcReply(xid: 7)
        }
        var f = Frame()
        f.ethernet(type: 0x0800)
        f.ipv4(proto: 17, payload: 8 + 12 + transport.count + 4)
        f.udp(src: 51191, dst: 4791, payload: 12 + transport.count + 4)
        f.bth(opcode: 4, qp: 0x12, psn: 0x391e49)
        f.raw(transport)
        f.icrc()
        var p = f.decode()
        #expect(p.error == nil)
        #expect(p.has(.udp) && p.has(.infiniband) && p.has(.rpcordma))
        #expect(p.infiniband.encapsulation == .roceV2 && !p.infiniband.hasLRH)
        #expect(p.infiniband.destinationQP == 0x12 && p.infiniband.psn == 0x391e49)
        #expect(p.payload == ByteRange(offset: 14 + 20 + 8 + 12, count: transport.count))
        #expect(p.rpcordma.xid == 7 && p.rpcordma.message.count == 24)

        f = Frame()
        f.ethernet(type: 0x8915)
        f.grh(payload: 12 + 4 + 4)
        f.bth(opcode: 17)
        f.u32(0x0000_0003)
        f.icrc()
        p = f.decode()
        #expect(p.error == nil)
        #expect(p.infiniband.encapsulation == .roceV1 && p.infiniband.hasGRH)
        #expect(p.infiniband.has(.aeth) && p.infiniband.msn == 3 && p.payload.count == 0)
    }

    @Test("RPC-over-RDMA lists: read list, write list, reply chunk; RDMA_NOMSG, RDMA_ERROR")
    func chunkLists() throws {
        var b = bytes { f in
            f.rpcordma(xid: 1, proc: RPCoRDMA.nomsg, reads: [(0, 0x10), (0, 0x11), (96, 0x12)],
                       writes: [[0x20, 0x21], [0x22]], reply: [(0x30, 360, 0xb188_0d2b_8a29_4000)])
        }
        var h = RPCoRDMA()
        try b.withUnsafeBytes { try RPCoRDMADecoder.decode($0, range: ByteRange(offset: 0, count: $0.count), into: &h) }
        #expect(h.procedure == RPCoRDMA.nomsg && h.procedureName == "RDMA_NOMSG")
        #expect(h.readSegments == 3 && h.positionZeroReads == 2)
        #expect(h.writeChunks == 2 && h.writeSegments == 3)
        #expect(h.hasReplyChunk && h.replySegmentCount == 1)
        #expect(h.replySegments[0] == RDMASegment(handle: 0x30, length: 360, offset: 0xb188_0d2b_8a29_4000))
        #expect(h.headerLength == b.count && h.message == .empty)

        b = bytes { f in f.u32(5); f.u32(1); f.u32(0); f.u32(RPCoRDMA.error); f.u32(1); f.u32(1); f.u32(1) }
        try b.withUnsafeBytes { try RPCoRDMADecoder.decode($0, range: ByteRange(offset: 0, count: $0.count), into: &h) }
        #expect(h.errorCode == 1 && h.versionLow == 1 && h.versionHigh == 1 && h.headerLength == 28)
    }

    @Test("Bad RPC-over-RDMA headers throw: version, procedure, list marker, long counts, short bytes")
    func badHeaders() {
        func failure(_ b: [UInt8]) -> DecodeError? {
            var h = RPCoRDMA()
            return b.withUnsafeBytes { buf in
                do throws(DecodeError) {
                    try RPCoRDMADecoder.decode(buf, range: ByteRange(offset: 0, count: buf.count), into: &h)
                    return nil
                } catch { return error }
            }
        }
        #expect(failure(bytes { f in f.u32(1); f.u32(2); f.u32(1); f.u32(0); f.u32(0); f.u32(0); f.u32(0) })?.code == .badVersion)
        #expect(failure(bytes { f in f.u32(1); f.u32(1); f.u32(1); f.u32(9); f.u32(0); f.u32(0); f.u32(0) })?.code == .badValue)
        #expect(failure(bytes { f in f.u32(1); f.u32(1); f.u32(1); f.u32(0); f.u32(2) })?.code == .badValue)
        #expect(failure(bytes { f in f.u32(1); f.u32(1); f.u32(1); f.u32(0); f.u32(0); f.u32(1); f.u32(100_000) })?.code == .tooLong)
        #expect(failure(bytes { f in f.u32(1); f.u32(1); f.u32(1); f.u32(0); f.u32(0); f.u32(1); f.u32(4) })?.code == .shortData)
        // Too many read segments: stopped at the cap.
        let reads = [(UInt32, UInt32)](repeating: (0, 1), count: RPCoRDMALimits.maximumReadSegments + 1)
        #expect(failure(bytes { f in f.rpcordma(xid: 1, proc: 1, reads: reads) })?.code == .tooLong)
        // A SEND Only whose header ends early is malformed.
        var f = Frame()
        f.raw(erfInfiniBand(opcode: 4, bytes { f in f.u32(1); f.u32(1); f.u32(1); f.u32(0); f.u32(1); f.u32(0); f.u32(5); f.u32(6) }))
        let p = f.decode(linkType: LinkType.erf)
        #expect(p.error?.layer == .rpcordma && p.error?.code == .shortData && !p.has(.rpcordma))
    }

    @Test("Every cut and every corrupted byte of RDMA records decodes without a trap")
    func cutsAndCorruption() {
        let transport = bytes { f in
            f.rpcordma(xid: 3, proc: RPCoRDMA.nomsg, reads: [(0, 1)], writes: [[2]], reply: [(3, 64, 0)])
        }
        let records = [erfInfiniBand(opcode: 4, transport), erfInfiniBand(grh: true, opcode: 11, [UInt8](repeating: 1, count: 24))]
        for record in records {
            for cut in 0...record.count {
                var f = Frame()
                f.raw(Array(record[0..<cut]))
                _ = f.decode(linkType: LinkType.erf, originalLength: record.count)
                _ = f.decode(linkType: LinkType.erf)
            }
            for i in 0..<record.count {
                for value: UInt8 in [0x00, 0x7f, 0x80, 0xff] {
                    var f = Frame()
                    f.raw(record)
                    f.bytes[i] = value
                    _ = f.decode(linkType: LinkType.erf)
                }
            }
        }
        var f = Frame()
        f.erf(type: 21, recordLength: 8, wireLength: 100, extensions: 0)
        f.raw([0, 2, 0, 24])
        let p = f.decode(linkType: LinkType.erf)
        #expect(p.error?.code == .shortHeader && p.error?.layer == .infiniband)
        f = Frame()
        f.raw([1, 2, 3])
        #expect(f.decode(linkType: LinkType.erf).error?.layer == .erf)
    }
}

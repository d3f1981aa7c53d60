import Decode

/// The seed's one-line packet display (`debug_repr(1)`): index, local time, `src -> dst` padded
/// to 13 columns each, and the summary of the last layer decoded.
///
///     3 2023-11-14 22:13:20.000411 192.168.10.1  -> 192.168.10.2  TCP 801 -> 2049, seq: 0x000003e8, ack: 0x00000000, SYN
public struct OneLineFormatter {
    var time = TimeText()
    /// Show `frame,index` instead of the index alone (the seed's `--frame`).
    public var showFrame = false

    public init(showFrame: Bool = false) {
        self.showFrame = showFrame
    }

    /// One packet of `trace`: its current packet and record.
    public mutating func append(_ trace: Pktt, to out: inout TextBuffer) {
        let tape = trace.tape
        trace.withMessageBytes { message, _ in
            append(trace.record, trace.packet, message: message, tape: tape, to: &out)
        }
    }

    /// `message` and `tape`: the RPC message's bytes and decoded body, when the packet has one.
    public mutating func append(_ record: PacketRecord, _ p: Packet,
                                message: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                                tape: Tape = Tape(capacity: 0), to out: inout TextBuffer) {
        if showFrame {
            out.append(record.frame)
            out.append(byte: UInt8(ascii: ","))
        }
        out.append(record.index)
        out.append(byte: UInt8(ascii: " "))
        time.appendLocal(seconds: record.seconds, nanoseconds: record.nanoseconds, to: &out)
        out.append(byte: UInt8(ascii: " "))
        if p.hasIP {
            out.append(p.ipSource.description, paddedTo: 13)
            out.append(" -> ")
            out.append(p.ipDestination.description, paddedTo: 13)
            out.append(byte: UInt8(ascii: " "))
            if p.has(.rpc) {
                RPCLine.append(p, tape: tape, message: message, to: &out)
            } else if p.has(.infiniband) {
                Self.appendRDMA(p, to: &out)
            } else if p.has(.tcp) {
                Self.appendTCP(p.tcp, to: &out)
            } else if p.has(.udp) {
                out.append("UDP ")
                out.append(p.udp.srcPort)
                out.append(" -> ")
                out.append(p.udp.dstPort)
                out.append(", len: ")
                out.append(p.udp.length)
            } else {
                Self.appendIP(p, to: &out)
            }
        } else if p.has(.infiniband) {
            // Native InfiniBand or RoCEv1: GIDs when there is a GRH, LIDs otherwise.
            let ib = p.infiniband
            out.append(ib.hasGRH ? ib.sourceGID.description : "LID \(ib.sourceLID)", paddedTo: 13)
            out.append(" -> ")
            out.append(ib.hasGRH ? ib.destinationGID.description : "LID \(ib.destinationLID)", paddedTo: 13)
            out.append(byte: UInt8(ascii: " "))
            if p.has(.rpc) {
                RPCLine.append(p, tape: tape, message: message, to: &out)
            } else {
                Self.appendRDMA(p, to: &out)
            }
        } else if p.has(.ethernet) {
            out.append(p.ethernet.src.description)
            out.append(" -> ")
            out.append(p.ethernet.dst.description)
            out.append(", type: ")
            out.appendHex(UInt64(p.ethernet.type), digits: 4)
            if let name = Self.etherTypeName(p.ethernet.type) { out.append("(\(name))") }
        } else if p.has(.sll) {
            out.append("SLL \(p.sll.addressText), protocol: ")
            out.appendHex(UInt64(p.sll.protocolType), digits: 4)
            if let name = Self.etherTypeName(p.sll.protocolType) { out.append("(\(name))") }
        } else if p.has(.null) {
            out.append("NULL family: ")
            out.append(p.null.family)
        } else {
            out.append("LINKTYPE \(p.linkType), \(record.lengthIncluded) bytes")
        }
        if p.truncated { out.append(" [truncated]") }
        if let error = p.error { out.append(" [malformed: \(error)]") }
        out.endLine()
    }

    static func appendTCP(_ tcp: TCP, to out: inout TextBuffer) {
        out.append("TCP ")
        out.append(tcp.srcPort)
        out.append(" -> ")
        out.append(tcp.dstPort)
        out.append(", seq: ")
        out.appendHex(UInt64(tcp.seqRaw), digits: 8)
        out.append(", ack: ")
        out.appendHex(UInt64(tcp.ackRaw), digits: 8)
        out.append(byte: UInt8(ascii: ","))
        var first = true
        for (bit, name) in TCP.flagNames where tcp.flags & bit != 0 {
            out.append(byte: UInt8(ascii: first ? " " : ","))
            out.append(name)
            first = false
        }
        if tcp.payloadLength > 0 {
            out.append(", len: ")
            out.append(tcp.payloadLength)
        }
    }

    /// `RDMA RC SEND Only QP: 0x000111, PSN: 0x61e29f` and, when the SEND holds an RPC-over-RDMA
    /// header, `, RPCoRDMA RDMA_NOMSG xid: 0x…`.
    static func appendRDMA(_ p: Packet, to out: inout TextBuffer) {
        let ib = p.infiniband
        out.append("RDMA ")
        if ib.opcode != 0x81 {
            out.append(InfiniBand.transportName(ib.transport))
            out.append(byte: UInt8(ascii: " "))
        }
        out.append(InfiniBand.operationName(opcode: ib.opcode))
        out.append(" QP: ")
        out.appendHex(UInt64(ib.destinationQP), digits: 6)
        out.append(", PSN: ")
        out.appendHex(UInt64(ib.psn), digits: 6)
        if ib.has(.reth) {
            out.append(", va: ")
            out.appendHex(ib.virtualAddress, digits: 16)
            out.append(", rkey: ")
            out.appendHex(UInt64(ib.remoteKey), digits: 8)
            out.append(", len: ")
            out.append(Int(ib.dmaLength))
        }
        if ib.has(.aeth) {
            out.append(", MSN: ")
            out.append(Int(ib.msn))
        }
        if p.has(.rpcordma) {
            let h = p.rpcordma
            out.append(", RPCoRDMA ")
            out.append(h.procedureName)
            out.append(" xid: ")
            out.appendHex(UInt64(h.xid), digits: 8)
            out.append(", credit: ")
            out.append(Int(h.credit))
            if h.readSegments > 0 { out.append(", reads: \(h.readSegments)") }
            if h.writeChunks > 0 { out.append(", writes: \(h.writeChunks)") }
            if h.hasReplyChunk { out.append(", reply chunk: \(h.replySegmentCount)") }
        } else if p.payload.count > 0 && !ib.has(.reth) {
            out.append(", len: ")
            out.append(p.payload.count)
        }
    }

    static func appendIP(_ p: Packet, to out: inout TextBuffer) {
        let proto = p.ipProtocol
        out.append(p.has(.ipv6) ? "IPv6 protocol: " : "IPv4 protocol: ")
        out.append(proto)
        if let name = IPProtocol.name(proto) { out.append("(\(name))") }
        out.append(", len: ")
        out.append(p.has(.ipv6) ? Int(p.ipv6.payloadLength) + 40 : Int(p.ipv4.totalLength))
        if p.isIPFragment {
            let (id, offset, more) = p.has(.ipv6)
                ? (p.ipv6.fragmentId, p.ipv6.fragmentOffset, p.ipv6.moreFragments)
                : (UInt32(p.ipv4.id), p.ipv4.fragmentOffset, p.ipv4.flagMF)
            out.append(", fragment id: ")
            out.appendHex(UInt64(id), digits: p.has(.ipv6) ? 8 : 4)
            out.append(", offset: ")
            out.append(offset)
            if more { out.append(", MF") }
        }
    }

    static func etherTypeName(_ type: UInt16) -> String? {
        switch type {
        case EtherType.ipv4: "IPv4"
        case EtherType.ipv6: "IPv6"
        case EtherType.arp: "ARP"
        case 0x8035: "RARP"
        case 0x88cc: "LLDP"
        case 0x8915: "RoCE"
        default: type <= 1500 ? "802.3 length" : nil
        }
    }
}

import Decode

/// The seed's one-line packet display (`debug_repr(1)`, what `nfstest_pkt` prints), character for
/// character: the index, local time, then — as NFStest assembles it — the IP addresses padded to
/// 13 columns each (or the Ethernet addresses of a frame without IP) and the summary of the last
/// layer decoded, trailing blanks included. `annotate` adds what pktt knows beyond NFStest — the
/// words of a summary after `||` in its format (`FSINFO rtmax:… wtmax:…`) and annotations
/// (` [truncated]`, ` [malformed: …]`, ` [retransmission]`…): `pktt show -v 2`.
///
///     3 2023-11-14 22:13:20.000411 192.168.10.1  -> 192.168.10.2  TCP 801 -> 2049, seq: 0x000003e8, ack: 0x00000000, SYN
public struct OneLineFormatter {
    var time = TimeText()
    /// Show `frame,index` instead of the index alone (the seed's `--frame`).
    public var showFrame = false
    /// Append pktt's own annotations to NFStest's line.
    public var annotate = false

    public init(showFrame: Bool = false, annotate: Bool = false) {
        self.showFrame = showFrame
        self.annotate = annotate
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
        if p.has(.rpc) && p.rpc.frame != 0 {
            // a message whose last captured byte was in an earlier frame: shown at that frame's time
            let (s, ns) = p.rpc.frameTime.quotientAndRemainder(dividingBy: 1_000_000_000)
            time.appendLocal(seconds: ns < 0 ? s - 1 : s, nanoseconds: UInt32(ns < 0 ? ns + 1_000_000_000 : ns), to: &out)
        } else {
            time.appendLocal(seconds: record.seconds, nanoseconds: record.nanoseconds, to: &out)
        }
        out.append(byte: UInt8(ascii: " "))
        if p.hasIP {
            // a message shown on a frame of the other direction: the way it travelled
            let turned = p.has(.rpc) && p.rpc.crossesFrame
            out.append((turned ? p.ipDestination : p.ipSource).description, paddedTo: 13)
            out.append(" -> ")
            out.append((turned ? p.ipSource : p.ipDestination).description, paddedTo: 13)
            out.append(byte: UInt8(ascii: " "))
            if p.has(.rpc) {
                RPCLine.append(p, tape: tape, message: message, verbose: annotate, to: &out)
            } else if p.has(.infiniband) {
                out.append("RRoCE ")
                Self.appendBTH(p, to: &out)
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
            // native InfiniBand: LIDs (RoCEv1's GRH addresses are not shown)
            let ib = p.infiniband
            out.append("LID:")
            out.append("\(ib.sourceLID)", paddedTo: 5)
            out.append(" -> LID:")
            out.append("\(ib.destinationLID)", paddedTo: 6)
            out.append(byte: UInt8(ascii: " "))
            if p.has(.rpc) {
                RPCLine.append(p, tape: tape, message: message, verbose: annotate, to: &out)
            } else {
                out.append("IB    ")
                Self.appendBTH(p, to: &out)
            }
        } else if p.has(.sll) {
            // NFStest takes only IPv4 and IPv6 out of a cooked frame: anything else ends there
            let sll = p.sll
            out.append(sll.version == 2 ? "SLLv2  ptype: " : "SLLv1  ptype: ")
            out.append(sll.packetType)
            out.append(", dtype: ")
            out.append(sll.hatype)
            out.append(", alen: ")
            out.append(sll.addressLength)
            out.append(", saddr: ")
            out.append(sll.hatype == 1 ? sll.addressText : Self.pythonBytes(sll))
            out.append(", etype: ")
            out.appendHex(UInt64(sll.protocolType), digits: 4)
            out.append(", psize: ")
            out.append(max(0, record.lengthIncluded - (sll.version == 2 ? 20 : 16)))
        } else if p.has(.ethernet) {
            out.append(p.ethernet.src.description)
            out.append(" -> ")
            out.append(p.ethernet.dst.description)
            out.append(byte: UInt8(ascii: " "))
            if p.has(.arp) && !p.arp.isReverse && p.arp.hasAddresses
                && (p.arp.operation == ARP.request || p.arp.operation == ARP.reply) {
                out.append(p.arp.operation == ARP.request ? "ARP REQUEST " : "ARP REPLY ")
                out.append(p.arp.operation == ARP.request ? p.arp.targetIP.description : p.arp.senderMAC.description)
            } else if p.has(.vlan), p.vlanCount > 0 {
                let tag = p.vlans[p.vlanCount - 1]
                out.append("802.1Q VLAN pcp: \(tag.pcp), dei: \(tag.dei), vid: \(tag.id)")
            } else {
                out.append(" ETHERNET  type: ")
                out.appendHex(UInt64(p.ethernet.type), digits: 4)
                if let name = Self.etherTypeName(p.ethernet.type) { out.append("(\(name))") }
            }
        } else if p.has(.null) {
            out.append("NULL family: ")
            out.append(p.null.family)
        }
        if annotate {
            if p.truncated { out.append(" [truncated]") }
            if let error = p.error { out.append(" [malformed: \(error)]") }
            if p.has(.rpc) { RPCLine.appendAnnotations(p.rpc, to: &out) }
        }
        out.endLine()
    }

    /// A cooked header's address as Python writes bytes (`b'\\x00\\x01'`): NFStest shows it so
    /// when the interface is not Ethernet.
    static func pythonBytes(_ sll: LinuxSLL) -> String {
        var s = "b'"
        let n = Int(min(sll.addressLength, 8))
        for i in 0..<n {
            let b = UInt8(truncatingIfNeeded: sll.address >> (56 - 8 * UInt64(i)))
            switch b {
            case UInt8(ascii: "\\"): s += "\\\\"
            case UInt8(ascii: "'"): s += "\\'"
            case 0x20..<0x7f: s.unicodeScalars.append(Unicode.Scalar(b))
            default: s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return s + "'"
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
        out.append(", ")
        var first = true
        for (bit, name) in TCP.flagNames where tcp.flags & bit != 0 {
            if !first { out.append(byte: UInt8(ascii: ",")) }
            out.append(name)
            first = false
        }
    }

    /// NFStest's base transport header text: `RC_RDMA_WRITE_Only QP=0x0107 PSN=16134597 size=360
    /// rkey=0x40004922 dmalen=360`; an acknowledge ends with a blank (its empty AETH text).
    static func appendBTH(_ p: Packet, to out: inout TextBuffer) {
        let ib = p.infiniband
        if ib.opcode != 0x81 {
            out.append(InfiniBand.transportName(ib.transport))
            out.append(byte: UInt8(ascii: "_"))
        }
        for b in InfiniBand.operationName(opcode: ib.opcode).utf8 { out.append(byte: b == 0x20 ? UInt8(ascii: "_") : b) }
        out.append(" QP=")
        out.appendHex(UInt64(ib.destinationQP), digits: 4)
        out.append(" PSN=")
        out.append(Int(ib.psn))
        if ib.has(.aeth) { out.append(byte: UInt8(ascii: " ")) }
        if p.payload.count > 0 && !ib.has(.aeth) {
            out.append(" size=")
            out.append(p.payload.count)
        }
        if ib.has(.reth) {
            out.append(" rkey=")
            out.appendHex(UInt64(ib.remoteKey), digits: 8)
            out.append(" dmalen=")
            out.append(Int(ib.dmaLength))
        }
    }

    /// `IPv4  protocol: UDP(17), len: 1500, (MF=1)`: the protocols NFStest names, the IPv4
    /// total length or the IPv6 payload length, and More Fragments on an IPv4 fragment.
    static func appendIP(_ p: Packet, to out: inout TextBuffer) {
        let proto = p.ipProtocol
        out.append(p.has(.ipv6) ? "IPv6  protocol: " : "IPv4  protocol: ")
        switch proto {
        case 1: out.append("ICMP(1)")
        case 2: out.append("IGMP(2)")
        case 6: out.append("TCP(6)")
        case 17: out.append("UDP(17)")
        default: out.append(proto)
        }
        out.append(", len: ")
        out.append(p.has(.ipv6) ? Int(p.ipv6.payloadLength) : Int(p.ipv4.totalLength))
        if p.has(.ipv4) && p.ipv4.flagMF { out.append(", (MF=1)") }
    }

    /// The EtherTypes NFStest names on an Ethernet line.
    static func etherTypeName(_ type: UInt16) -> String? {
        switch type {
        case EtherType.ipv4: "IPv4"
        case EtherType.ipv6: "IPv6"
        case EtherType.arp: "ARP"
        case EtherType.rarp: "RARP"
        case EtherType.vlan: "802.1Q VLAN"
        default: nil
        }
    }
}

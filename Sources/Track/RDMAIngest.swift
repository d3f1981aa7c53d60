import Decode

/// RPC over RDMA (RFC 8166) into RPC messages: InfiniBand packets (native, RoCEv1, RoCEv2) whose
/// SEND messages are put together per queue pair and whose RDMA WRITE data is kept for reply
/// chunks; a complete RPC-over-RDMA message yields the RPC message inside it.
///
/// The pairing key is the two addresses (the BTH names the destination QP only, so the QP pair
/// of a connection is not known from one packet) under `keyProtocol`. IP fragments and RDMA
/// have no ports, so the daemon shards them by addresses alone.
struct RDMAIngest {
    /// The protocol number the pairing key of an RDMA "connection" carries (an unassigned IP
    /// protocol number, so it never meets a TCP or UDP key).
    static let keyProtocol: UInt8 = 254

    private(set) var reassembler = RDMAReassembler()

    /// The addresses of an InfiniBand packet: IP for RoCEv2, GIDs when there is a GRH, LIDs
    /// (as IPv4-shaped 0.0.x.y values) otherwise.
    static func addresses(_ p: inout Packet) -> (src: IPAddress, dst: IPAddress) {
        if p.infiniband.encapsulation == .roceV2 {
            let v6 = p.layers.has(.ipv6)
            return (v6 ? p.ipv6.src : p.ipv4.src, v6 ? p.ipv6.dst : p.ipv4.dst)
        }
        if p.infiniband.hasGRH { return (p.infiniband.sourceGID, p.infiniband.destinationGID) }
        return (IPAddress(ipv4: UInt32(p.infiniband.sourceLID)), IPAddress(ipv4: UInt32(p.infiniband.destinationLID)))
    }

    /// The RPC message an InfiniBand packet completes, if any: in the frame, or copied into
    /// `output` (put together from several SENDs, or read back from a reply chunk); and its flow.
    mutating func take(_ p: inout Packet, bytes: UnsafeRawBufferPointer,
                       output: inout [UInt8]) -> (source: RPCMessageSource, flow: FlowKey)? {
        guard p.layers.has(.infiniband), p.error == nil || p.error?.layer == .rpcordma else { return nil }
        let r = p.payload
        guard r.offset >= 0, r.end <= bytes.count, r.offset <= r.end else { return nil }
        let opcode = p.infiniband.opcode
        let (src, dst) = Self.addresses(&p)
        let flow = FlowKey(src: src, dst: dst, srcPort: 0, dstPort: 0, proto: Self.keyProtocol)
        let qp = RDMAReassembler.QPKey(src: src, dst: dst, qp: p.infiniband.destinationQP)
        let payload = UnsafeRawBufferPointer(rebasing: bytes[r.offset..<r.end])
        if p.infiniband.isWrite {
            reassembler.write(qp, flow: flow, opcode: opcode, psn: p.infiniband.psn, remoteKey: p.infiniband.remoteKey,
                              address: p.infiniband.virtualAddress, payload: payload)
            return nil
        }
        guard p.infiniband.isSend else { return nil }
        if p.infiniband.startsSend && p.infiniband.endsSend {
            // SEND Only: the message is the payload, decoded by PacketDecoder when it looked
            // like RPC-over-RDMA.
            guard !p.truncated else { return nil }
            reassembler.count { $0.sends += 1 }
            guard p.layers.has(.rpcordma) else {
                reassembler.count { $0.notRPCoRDMA += 1 }
                return nil
            }
            return message(&p, flow: flow, inFrame: true, bytes: bytes, output: &output)
        }
        guard reassembler.send(qp, opcode: opcode, psn: p.infiniband.psn, payload: payload) else { return nil }
        reassembler.count { $0.sends += 1 }
        let decoded: DecodeError?? = reassembler.message.withUnsafeBytes { m in
            guard RPCoRDMADecoder.looksLikeHeader(m, at: 0, end: m.count) else { return .some(nil) }
            do throws(DecodeError) {
                try RPCoRDMADecoder.decode(m, range: ByteRange(offset: 0, count: m.count), into: &p.rpcordma)
                return nil
            } catch {
                return .some(error)
            }
        }
        switch decoded {
        case .none:
            p.layers.add(.rpcordma)
            return message(&p, flow: flow, inFrame: false, bytes: bytes, output: &output)
        case .some(.none):
            reassembler.count { $0.notRPCoRDMA += 1 }
        case .some(.some(let error)):
            p.error = error
            reassembler.count { $0.notRPCoRDMA += 1 }
        }
        return nil
    }

    /// The RPC message of a complete RPC-over-RDMA message (`p.rpcordma` decoded): inline in the
    /// frame, inline in the reassembled SEND (`reassembler.message`), or in the reply chunk.
    private mutating func message(_ p: inout Packet, flow: FlowKey, inFrame: Bool, bytes: UnsafeRawBufferPointer,
                                  output: inout [UInt8]) -> (source: RPCMessageSource, flow: FlowKey)? {
        switch p.rpcordma.procedure {
        case RPCoRDMA.msg:
            let m = p.rpcordma.message
            if inFrame {
                guard m.offset >= 0, m.offset <= m.end, m.end <= bytes.count,
                      RPCDecoder.isPlausible(bytes, at: m.offset, end: m.end) else {
                    reassembler.count { $0.undecodedMessages += 1 }
                    return nil
                }
                reassembler.count { $0.inlineMessages += 1 }
                return (.frame(ByteRange(offset: m.offset, count: m.end - m.offset)), flow)
            }
            let whole = reassembler.message
            guard m.offset >= 0, m.offset <= m.end, m.end <= whole.count,
                  whole.withUnsafeBytes({ RPCDecoder.isPlausible($0, at: m.offset, end: m.end) }) else {
                reassembler.count { $0.undecodedMessages += 1 }
                return nil
            }
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: whole[m.offset..<m.end])
            reassembler.count { $0.inlineMessages += 1 }
            return (.record(count: output.count), flow)
        case RPCoRDMA.nomsg:
            // A reply whose message the responder wrote into the requester's reply chunk.
            guard reassembler.gatherReplyChunk(flow: flow, p.rpcordma) else {
                reassembler.count { $0.undecodedMessages += 1 }
                return nil
            }
            let whole = reassembler.message
            guard whole.withUnsafeBytes({ RPCDecoder.isPlausible($0, at: 0, end: $0.count) }) else {
                reassembler.count { $0.undecodedMessages += 1 }
                return nil
            }
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: whole)
            reassembler.count { $0.replyChunkMessages += 1 }
            return (.record(count: output.count), flow)
        case RPCoRDMA.msgp:
            reassembler.count { $0.undecodedMessages += 1 }
        default:
            reassembler.count { $0.controlMessages += 1 }
        }
        return nil
    }
}

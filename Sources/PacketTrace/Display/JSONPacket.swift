import Decode

/// One JSON object per packet, one key per layer. The keys are the seed's attribute names, which
/// the match language uses as field names (`IP.src`, `TCP.flags.SYN`).
public struct JSONPacketFormatter {
    var time = TimeText()

    public init() {}

    /// `tcp.flags`: each bit and its catalogue field, in the order JSON writes them.
    static let tcpFlags: [(bit: UInt16, field: HeaderField)] = [
        (TCP.FIN, .tcpFlagFIN), (TCP.SYN, .tcpFlagSYN), (TCP.RST, .tcpFlagRST), (TCP.PSH, .tcpFlagPSH),
        (TCP.ACK, .tcpFlagACK), (TCP.URG, .tcpFlagURG), (TCP.ECE, .tcpFlagECE), (TCP.CWR, .tcpFlagCWR),
        (TCP.NS, .tcpFlagNS),
    ]

    /// One packet of `trace`: its current packet and record.
    public mutating func append(_ trace: Pktt, to out: inout TextBuffer) {
        let tape = trace.tape
        trace.withMessageBytes { message, _ in
            append(trace.record, trace.packet, file: trace.currentFile, message: message, tape: tape, to: &out)
        }
    }

    /// `message` holds the bytes the RPC layer's ranges point into (the machine name…).
    public mutating func append(_ record: PacketRecord, _ p: Packet, file: String,
                                message: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                                tape: Tape = Tape(capacity: 0), to out: inout TextBuffer) {
        out.jsonBeginObject()
        out.object(.record) { out in
            out.field(.recordFrame, record.frame)
            out.field(.recordIndex, record.index)
            out.key(.recordTime)
            out.append(byte: UInt8(ascii: "\""))
            time.appendRFC3339(seconds: record.seconds, nanoseconds: record.nanoseconds, to: &out)
            out.append(byte: UInt8(ascii: "\""))
            out.key(.recordEpoch)
            TimeText.appendEpoch(seconds: record.seconds, nanoseconds: record.nanoseconds, to: &out)
            // Only when it happened, so that every other record's object is unchanged.
            if record.timeClamped { out.field(.recordTimeClamped, true) }
            out.field(.recordFile, file)
            out.field(.recordLengthIncluded, record.lengthIncluded)
            out.field(.recordLengthOriginal, record.lengthOriginal)
            out.field(.recordTruncated, record.truncated)
        }
        if p.has(.ethernet) {
            out.object(.ethernet) { out in
                out.field(.ethernetSrc, p.ethernet.src.description)
                out.field(.ethernetDst, p.ethernet.dst.description)
                out.field(.ethernetType, p.ethernet.type)
            }
        }
        if p.has(.vlan) {
            out.key(.vlan)
            out.jsonBeginArray()
            for i in 0..<p.vlanCount {
                let tag = p.vlans[i]
                out.jsonBeginObject()
                out.field(.vlanTPID, tag.tpid)
                out.field(.vlanPCP, tag.pcp)
                out.field(.vlanDEI, tag.dei)
                out.field(.vlanID, tag.id)
                out.field(.vlanType, tag.type)
                out.jsonEndObject()
            }
            out.jsonEndArray()
        }
        if p.has(.sll) {
            out.object(.sll) { out in
                out.field(.sllVersion, p.sll.version)
                out.field(.sllPacketType, p.sll.packetType)
                out.field(.sllHatype, p.sll.hatype)
                out.field(.sllAddress, p.sll.addressText)
                out.field(.sllProtocol, p.sll.protocolType)
                if p.sll.version == 2 { out.field(.sllInterfaceIndex, p.sll.interfaceIndex) }
            }
        }
        if p.has(.null) {
            out.object(.null) { out in out.field(.nullFamily, p.null.family) }
        }
        if p.has(.ipv4) {
            let ip = p.ipv4
            out.object(.ip) { out in
                out.field(.ipVersion, 4)
                out.field(.ipSrc, ip.src.description)
                out.field(.ipDst, ip.dst.description)
                out.field(.ipHeaderSize, ip.headerLength)
                out.field(.ipTOS, ip.tos)
                out.field(.ipTotalSize, ip.totalLength)
                out.field(.ipID, ip.id)
                out.object(.ipFlags) { out in
                    out.field(.ipFlagDF, ip.flagDF ? 1 : 0)
                    out.field(.ipFlagMF, ip.flagMF ? 1 : 0)
                }
                out.field(.ipFragmentOffset, ip.fragmentOffset)
                out.field(.ipTTL, ip.ttl)
                out.field(.ipProtocol, ip.protocolNumber)
                out.field(.ipChecksum, ip.checksum)
                if ip.options.count > 0 { out.field(.ipOptionsSize, ip.options.count) }
            }
        } else if p.has(.ipv6) {
            let ip = p.ipv6
            out.object(.ip) { out in
                out.field(.ipVersion, 6)
                out.field(.ipSrc, ip.src.description)
                out.field(.ipDst, ip.dst.description)
                out.field(.ipTrafficClass, ip.trafficClass)
                out.field(.ipFlowLabel, ip.flowLabel)
                out.field(.ipTotalSize, Int(ip.payloadLength) + 40)
                out.field(.ipProtocol, ip.nextHeader)
                out.field(.ipHopLimit, ip.hopLimit)
                if ip.extensionCount > 0 {
                    out.key(.ipExtensions)
                    out.jsonBeginArray()
                    for k in 0..<ip.extensionCount {
                        if k > 0 { out.append(byte: UInt8(ascii: ",")) }
                        out.append(ip.extensions[k])
                    }
                    out.jsonEndArray()
                }
                if ip.hasFragmentHeader {
                    out.object(.ipFragment) { out in
                        out.field(.ipFragmentID, ip.fragmentId)
                        out.field(.ipFragmentOffset6, ip.fragmentOffset)
                        out.field(.ipFragmentMF, ip.moreFragments ? 1 : 0)
                    }
                }
            }
        }
        if p.has(.tcp) {
            let tcp = p.tcp
            out.object(.tcp) { out in
                out.field(.tcpSrcPort, tcp.srcPort)
                out.field(.tcpDstPort, tcp.dstPort)
                out.field(.tcpSeq, tcp.seq)
                out.field(.tcpAck, tcp.ack)
                out.field(.tcpSeqNumber, tcp.seqRaw)
                out.field(.tcpAckNumber, tcp.ackRaw)
                out.field(.tcpHeaderSize, tcp.headerLength)
                out.field(.tcpFlagsRaw, tcp.flags)
                out.object(.tcpFlags) { out in
                    for (bit, field) in Self.tcpFlags { out.field(field, tcp.flags & bit != 0 ? 1 : 0) }
                }
                out.field(.tcpWindowSize, tcp.window)
                out.field(.tcpChecksum, tcp.checksum)
                out.field(.tcpUrgentPointer, tcp.urgentPointer)
                if tcp.headerLength > 20 {
                    out.object(.tcpOptions) { out in
                        if tcp.mss >= 0 { out.field(.tcpMSS, tcp.mss) }
                        if tcp.windowScale >= 0 { out.field(.tcpWindowScale, tcp.windowScale) }
                        if tcp.sackPermitted { out.field(.tcpSACKPermitted, 1) }
                        if tcp.sackCount > 0 {
                            out.key(.tcpSACK)
                            out.jsonBeginArray()
                            for k in 0..<tcp.sackCount {
                                if k > 0 { out.append(byte: UInt8(ascii: ",")) }
                                out.append("[\(tcp.sackBlocks[k].left),\(tcp.sackBlocks[k].right)]")
                            }
                            out.jsonEndArray()
                        }
                        if tcp.hasTimestamps {
                            out.field(.tcpTSval, tcp.tsval)
                            out.field(.tcpTSecr, tcp.tsecr)
                        }
                        if tcp.optionsMalformed { out.field(.tcpOptionsMalformed, true) }
                    }
                }
                out.field(.tcpLength, tcp.payloadLength)
            }
        }
        if p.has(.udp) {
            out.object(.udp) { out in
                out.field(.udpSrcPort, p.udp.srcPort)
                out.field(.udpDstPort, p.udp.dstPort)
                out.field(.udpLength, p.udp.length)
                out.field(.udpChecksum, p.udp.checksum)
            }
        }
        if p.has(.erf) {
            let h = p.erf
            out.object("erf") { out in
                out.field("type", h.type)
                out.field("type_name", h.typeName)
                out.field("flags", h.flags)
                out.field("rlen", h.recordLength)
                out.field("lctr", h.lossCounter)
                out.field("wlen", h.wireLength)
                if h.extensionCount > 0 { out.field("extensions", h.extensionCount) }
            }
        }
        if p.has(.infiniband) {
            let ib = p.infiniband
            out.object("infiniband") { out in
                out.field("encapsulation", ib.encapsulation == .native ? "ib" : ib.encapsulation == .roceV1 ? "rocev1" : "rocev2")
                if ib.hasLRH {
                    out.object("lrh") { out in
                        out.field("vl", ib.virtualLane)
                        out.field("lver", ib.linkVersion)
                        out.field("sl", ib.serviceLevel)
                        out.field("lnh", ib.linkNextHeader)
                        out.field("dlid", ib.destinationLID)
                        out.field("length", ib.packetLength)
                        out.field("slid", ib.sourceLID)
                    }
                }
                if ib.hasGRH {
                    out.object("grh") { out in
                        out.field("sgid", ib.sourceGID.description)
                        out.field("dgid", ib.destinationGID.description)
                        out.field("traffic_class", ib.trafficClass)
                        out.field("flow_label", ib.flowLabel)
                        out.field("payload_length", ib.payloadLength)
                        out.field("next_header", ib.nextHeader)
                        out.field("hop_limit", ib.hopLimit)
                    }
                }
                out.field("opcode", ib.opcode)
                out.field("opcode_name", InfiniBand.operationName(opcode: ib.opcode))
                out.field("transport", InfiniBand.transportName(ib.transport))
                out.field("solicited", ib.solicitedEvent ? 1 : 0)
                out.field("migreq", ib.migrationRequest ? 1 : 0)
                out.field("pad_count", ib.padCount)
                out.field("tver", ib.transportVersion)
                out.field("pkey", ib.partitionKey)
                out.field("dest_qp", ib.destinationQP)
                out.field("ack_req", ib.ackRequest ? 1 : 0)
                out.field("psn", ib.psn)
                if ib.has(.rdeth) { out.object("rdeth") { $0.field("ee_context", ib.eeContext) } }
                if ib.has(.deth) {
                    out.object("deth") { out in
                        out.field("qkey", ib.queueKey)
                        out.field("src_qp", ib.sourceQP)
                    }
                }
                if ib.has(.xrceth) { out.object("xrceth") { $0.field("xrc_srq", ib.xrcSRQ) } }
                if ib.has(.reth) {
                    out.object("reth") { out in
                        out.field("va", ib.virtualAddress)
                        out.field("rkey", ib.remoteKey)
                        out.field("dma_length", ib.dmaLength)
                    }
                }
                if ib.has(.atomicETH) {
                    out.object("atomiceth") { out in
                        out.field("va", ib.virtualAddress)
                        out.field("rkey", ib.remoteKey)
                        out.field("swap_add", ib.swapOrAdd)
                        out.field("compare", ib.compare)
                    }
                }
                if ib.has(.aeth) {
                    out.object("aeth") { out in
                        out.field("syndrome", ib.syndrome)
                        out.field("msn", ib.msn)
                    }
                }
                if ib.has(.atomicAckETH) { out.object("atomicacketh") { $0.field("orig_data", ib.originalRemoteData) } }
                if ib.has(.immDt) { out.field("immediate", ib.immediate) }
                if ib.has(.ieth) { out.field("invalidated_rkey", ib.invalidatedKey) }
                out.field("payload_length", p.payload.count)
            }
        }
        if p.has(.rpcordma) {
            let h = p.rpcordma
            out.object("rpcordma") { out in
                out.field("xid", h.xid)
                out.field("vers", h.version)
                out.field("credit", h.credit)
                out.field("proc", h.procedure)
                out.field("proc_name", h.procedureName)
                if h.procedure == RPCoRDMA.error {
                    out.field("error_code", h.errorCode)
                    if h.errorCode == 1 {
                        out.field("vers_low", h.versionLow)
                        out.field("vers_high", h.versionHigh)
                    }
                } else {
                    out.field("read_segments", h.readSegments)
                    out.field("write_chunks", h.writeChunks)
                    out.field("write_segments", h.writeSegments)
                    out.field("reply_chunk", h.hasReplyChunk ? 1 : 0)
                    if h.hasReplyChunk { out.field("reply_segments", h.replySegmentCount) }
                    if h.procedure == RPCoRDMA.msgp {
                        out.field("align", h.align)
                        out.field("thresh", h.threshold)
                    }
                }
                out.field("header_size", h.headerLength)
            }
        }
        if p.has(.rpc) {
            out.object(.rpc) { out in RPCJSON.append(p.rpc, message: message, to: &out) }
            if let layer = RPCLine.programLayer(p) {
                if layer == .nfs {
                    out.object("nfs") { out in NFSJSON.append(p.rpc, tape: tape, bytes: message, to: &out) }
                } else {
                    out.object(layer.name) { out in TapeJSON.append(tape, bytes: message, to: &out) }
                }
            }
        }
        if p.reassembled { out.field("reassembled", true) }
        if let error = p.error {
            out.object("error") { out in
                out.field("layer", error.layer.name)
                out.field("code", error.code.name)
                out.field("offset", error.offset)
            }
        }
        out.jsonEndObject()
        out.endLine()
    }
}


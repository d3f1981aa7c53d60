/// One header field's value in one packet, as `HeaderField.value` reads it: no allocation (names
/// are string literals, bytes stay ranges into the message buffer).
public enum HeaderValue: Equatable, Sendable {
    /// Not in this packet (the layer is missing, or the field is written only sometimes and is
    /// not now: `tcp.options.mss` without an MSS option, `rpc.latency` on a call). A group that
    /// is present is `.present`.
    case absent
    case present
    case integer(Int64)
    case boolean(Bool)
    case ip(IPAddress)
    /// A link-layer address: the low `length` bytes of `value`, most significant first.
    case link(value: UInt64, length: Int)
    case name(String)
    /// Bytes of the message buffer (`rpc.cred.machinename`, `rpc.cred.handle`).
    case bytes(ByteRange)
    /// Which file of the trace (`record.file`): the reader knows its name.
    case file(index: Int)
    case time(seconds: Int64, nanoseconds: UInt32)
    case duration(nanoseconds: Int64)
    case range(UInt64, UInt64)
}

/// What a packet record says about where a packet came from (`PacketTrace.PacketRecord`).
public protocol RecordFields {
    var frame: Int { get }
    var index: Int { get }
    var seconds: Int64 { get }
    var nanoseconds: UInt32 { get }
    var lengthIncluded: Int { get }
    var lengthOriginal: Int { get }
    var truncated: Bool { get }
    /// The reader moved the time into the window it can write (PcapIO `CaptureTime`).
    var timeClamped: Bool { get }
    var fileIndex: Int { get }
}

/// No record: the `record.*` fields are absent.
public struct NoRecord: RecordFields {
    public init() {}
    public var frame: Int { 0 }
    public var index: Int { 0 }
    public var seconds: Int64 { 0 }
    public var nanoseconds: UInt32 { 0 }
    public var lengthIncluded: Int { 0 }
    public var lengthOriginal: Int { 0 }
    public var truncated: Bool { false }
    public var timeClamped: Bool { false }
    public var fileIndex: Int { 0 }
}

extension HeaderField {
    /// How many values a repeated field has in `p` (see `count(at:message:)`).
    public func count(_ p: Packet, message: UnsafeRawBufferPointer) -> Int? {
        withUnsafePointer(to: p) { count(at: $0, message: message) }
    }

    /// The field's value in `p` (see `value(at:message:record:element:)`).
    public func value<R: RecordFields>(_ p: Packet, message: UnsafeRawBufferPointer, record: R,
                                       element: Int = 0) -> HeaderValue {
        withUnsafePointer(to: p) { value(at: $0, message: message, record: record, element: element) }
    }
}

extension HeaderField {
    /// How many values a repeated field has in the packet at `p` (0 for a list that is there and empty, as
    /// AUTH_SYS `gids` can be); nil when the list is not there. 1 or nil for the others.
    public func count(at p: UnsafePointer<Packet>, message: UnsafeRawBufferPointer) -> Int? {
        switch self {
        case .vlan, .vlanTPID, .vlanPCP, .vlanDEI, .vlanID, .vlanType:
            return p.pointee.has(.vlan) ? p.pointee.vlanCount : nil
        case .ipExtensions:
            return p.pointee.has(.ipv6) && !p.pointee.has(.ipv4) && p.pointee.ipv6.extensionCount > 0 ? p.pointee.ipv6.extensionCount : nil
        case .tcpSACK:
            return p.pointee.has(.tcp) && p.pointee.tcp.headerLength > 20 && p.pointee.tcp.sackCount > 0 ? p.pointee.tcp.sackCount : nil
        case .rpcCredentialGIDs:
            return credentialShown(p) && p.pointee.rpc.credential.flavor == RPCConstants.authSys
                ? p.pointee.rpc.credential.gidCount : nil
        default:
            return value(at: p, message: message, record: NoRecord()) == .absent ? nil : 1
        }
    }

    /// The field's value in `p` (element `element` of a repeated field). `message` holds the
    /// bytes the RPC layer's ranges point into; `record` the capture record (`NoRecord()`
    /// leaves the `record.*` fields absent).
    public func value<R: RecordFields>(at p: UnsafePointer<Packet>, message: UnsafeRawBufferPointer, record: R,
                                       element: Int = 0) -> HeaderValue {
        switch self {
        case .record, .recordFrame, .recordIndex, .recordTime, .recordEpoch, .recordFile, .recordLengthIncluded,
             .recordLengthOriginal, .recordTruncated, .recordTimeClamped:
            return R.self == NoRecord.self ? .absent : recordValue(record)
        case .ethernet, .ethernetSrc, .ethernetDst, .ethernetType:
            guard p.pointee.has(.ethernet) else { return .absent }
            switch self {
            case .ethernetSrc: return .link(value: p.pointee.ethernet.src.value, length: 6)
            case .ethernetDst: return .link(value: p.pointee.ethernet.dst.value, length: 6)
            case .ethernetType: return .integer(Int64(p.pointee.ethernet.type))
            default: return .present
            }
        case .vlan, .vlanTPID, .vlanPCP, .vlanDEI, .vlanID, .vlanType:
            guard p.pointee.has(.vlan) else { return .absent }
            if self == .vlan { return .present }
            guard element >= 0, element < p.pointee.vlanCount, element < p.pointee.vlans.count else { return .absent }
            let tag = p.pointee.vlans[element]
            switch self {
            case .vlanTPID: return .integer(Int64(tag.tpid))
            case .vlanPCP: return .integer(Int64(tag.pcp))
            case .vlanDEI: return .integer(Int64(tag.dei))
            case .vlanID: return .integer(Int64(tag.id))
            default: return .integer(Int64(tag.type))
            }
        case .sll, .sllVersion, .sllPacketType, .sllHatype, .sllAddress, .sllProtocol, .sllInterfaceIndex:
            guard p.pointee.has(.sll) else { return .absent }
            let s = p.pointee.sll
            switch self {
            case .sllVersion: return .integer(Int64(s.version))
            case .sllPacketType: return .integer(Int64(s.packetType))
            case .sllHatype: return .integer(Int64(s.hatype))
            case .sllAddress:
                // kept in the high bytes of `address`, as many as `addressLength` says
                let n = min(s.addressLength, 8)
                return .link(value: n == 0 ? 0 : s.address >> (64 - 8 * UInt64(n)), length: Int(n))
            case .sllProtocol: return .integer(Int64(s.protocolType))
            case .sllInterfaceIndex: return s.version == 2 ? .integer(Int64(s.interfaceIndex)) : .absent
            default: return .present
            }
        case .null, .nullFamily:
            guard p.pointee.has(.null) else { return .absent }
            return self == .null ? .present : .integer(Int64(p.pointee.null.family))
        case .ip, .ipVersion, .ipSrc, .ipDst, .ipTotalSize, .ipProtocol:
            if p.pointee.has(.ipv4) {
                let ip = p.pointee.ipv4
                switch self {
                case .ipVersion: return .integer(4)
                case .ipSrc: return .ip(ip.src)
                case .ipDst: return .ip(ip.dst)
                case .ipTotalSize: return .integer(Int64(ip.totalLength))
                case .ipProtocol: return .integer(Int64(ip.protocolNumber))
                default: return .present
                }
            }
            guard p.pointee.has(.ipv6) else { return .absent }
            let ip = p.pointee.ipv6
            switch self {
            case .ipVersion: return .integer(6)
            case .ipSrc: return .ip(ip.src)
            case .ipDst: return .ip(ip.dst)
            case .ipTotalSize: return .integer(Int64(ip.payloadLength) + 40)
            case .ipProtocol: return .integer(Int64(ip.nextHeader))
            default: return .present
            }
        case .ipHeaderSize, .ipTOS, .ipID, .ipFlags, .ipFlagDF, .ipFlagMF, .ipFragmentOffset, .ipTTL, .ipChecksum,
             .ipOptionsSize:
            guard p.pointee.has(.ipv4) else { return .absent }
            let ip = p.pointee.ipv4
            switch self {
            case .ipHeaderSize: return .integer(Int64(ip.headerLength))
            case .ipTOS: return .integer(Int64(ip.tos))
            case .ipID: return .integer(Int64(ip.id))
            case .ipFlagDF: return .integer(ip.flagDF ? 1 : 0)
            case .ipFlagMF: return .integer(ip.flagMF ? 1 : 0)
            case .ipFragmentOffset: return .integer(Int64(ip.fragmentOffset))
            case .ipTTL: return .integer(Int64(ip.ttl))
            case .ipChecksum: return .integer(Int64(ip.checksum))
            case .ipOptionsSize: return ip.options.count > 0 ? .integer(Int64(ip.options.count)) : .absent
            default: return .present
            }
        case .ipTrafficClass, .ipFlowLabel, .ipHopLimit, .ipExtensions, .ipFragment, .ipFragmentID,
             .ipFragmentOffset6, .ipFragmentMF:
            guard p.pointee.has(.ipv6), !p.pointee.has(.ipv4) else { return .absent }
            let ip = p.pointee.ipv6
            switch self {
            case .ipTrafficClass: return .integer(Int64(ip.trafficClass))
            case .ipFlowLabel: return .integer(Int64(ip.flowLabel))
            case .ipHopLimit: return .integer(Int64(ip.hopLimit))
            case .ipExtensions:
                guard element >= 0, element < ip.extensionCount, element < ip.extensions.count else { return .absent }
                return .integer(Int64(ip.extensions[element]))
            default:
                guard ip.hasFragmentHeader else { return .absent }
                switch self {
                case .ipFragmentID: return .integer(Int64(ip.fragmentId))
                case .ipFragmentOffset6: return .integer(Int64(ip.fragmentOffset))
                case .ipFragmentMF: return .integer(ip.moreFragments ? 1 : 0)
                default: return .present
                }
            }
        case .tcp, .tcpSrcPort, .tcpDstPort, .tcpSeq, .tcpAck, .tcpSeqNumber, .tcpAckNumber, .tcpHeaderSize,
             .tcpFlagsRaw, .tcpFlags, .tcpFlagFIN, .tcpFlagSYN, .tcpFlagRST, .tcpFlagPSH, .tcpFlagACK, .tcpFlagURG,
             .tcpFlagECE, .tcpFlagCWR, .tcpFlagNS, .tcpWindowSize, .tcpChecksum, .tcpUrgentPointer, .tcpLength:
            guard p.pointee.has(.tcp) else { return .absent }
            let tcp = p.tcpLayer
            switch self {
            case .tcpSrcPort: return .integer(Int64(tcp.pointee.srcPort))
            case .tcpDstPort: return .integer(Int64(tcp.pointee.dstPort))
            case .tcpSeq: return .integer(Int64(truncatingIfNeeded: tcp.pointee.seq))
            case .tcpAck: return .integer(Int64(truncatingIfNeeded: tcp.pointee.ack))
            case .tcpSeqNumber: return .integer(Int64(tcp.pointee.seqRaw))
            case .tcpAckNumber: return .integer(Int64(tcp.pointee.ackRaw))
            case .tcpHeaderSize: return .integer(Int64(tcp.pointee.headerLength))
            case .tcpFlagsRaw: return .integer(Int64(tcp.pointee.flags))
            case .tcpFlagFIN: return flag(tcp, TCP.FIN)
            case .tcpFlagSYN: return flag(tcp, TCP.SYN)
            case .tcpFlagRST: return flag(tcp, TCP.RST)
            case .tcpFlagPSH: return flag(tcp, TCP.PSH)
            case .tcpFlagACK: return flag(tcp, TCP.ACK)
            case .tcpFlagURG: return flag(tcp, TCP.URG)
            case .tcpFlagECE: return flag(tcp, TCP.ECE)
            case .tcpFlagCWR: return flag(tcp, TCP.CWR)
            case .tcpFlagNS: return flag(tcp, TCP.NS)
            case .tcpWindowSize: return .integer(Int64(tcp.pointee.window))
            case .tcpChecksum: return .integer(Int64(tcp.pointee.checksum))
            case .tcpUrgentPointer: return .integer(Int64(tcp.pointee.urgentPointer))
            case .tcpLength: return .integer(Int64(tcp.pointee.payloadLength))
            default: return .present
            }
        case .tcpOptions, .tcpMSS, .tcpWindowScale, .tcpSACKPermitted, .tcpSACK, .tcpTSval, .tcpTSecr,
             .tcpOptionsMalformed:
            // the options object is written for any header longer than 20 bytes
            guard p.pointee.has(.tcp), p.pointee.tcp.headerLength > 20 else { return .absent }
            let tcp = p.tcpLayer
            switch self {
            case .tcpMSS: return tcp.pointee.mss >= 0 ? .integer(Int64(tcp.pointee.mss)) : .absent
            case .tcpWindowScale: return tcp.pointee.windowScale >= 0 ? .integer(Int64(tcp.pointee.windowScale)) : .absent
            case .tcpSACKPermitted: return tcp.pointee.sackPermitted ? .integer(1) : .absent
            case .tcpSACK:
                guard element >= 0, element < tcp.pointee.sackCount, element < tcp.pointee.sackBlocks.count else { return .absent }
                return .range(UInt64(tcp.pointee.sackBlocks[element].left), UInt64(tcp.pointee.sackBlocks[element].right))
            case .tcpTSval: return tcp.pointee.hasTimestamps ? .integer(Int64(tcp.pointee.tsval)) : .absent
            case .tcpTSecr: return tcp.pointee.hasTimestamps ? .integer(Int64(tcp.pointee.tsecr)) : .absent
            case .tcpOptionsMalformed: return tcp.pointee.optionsMalformed ? .boolean(true) : .absent
            default: return .present
            }
        case .udp, .udpSrcPort, .udpDstPort, .udpLength, .udpChecksum:
            guard p.pointee.has(.udp) else { return .absent }
            switch self {
            case .udpSrcPort: return .integer(Int64(p.pointee.udp.srcPort))
            case .udpDstPort: return .integer(Int64(p.pointee.udp.dstPort))
            case .udpLength: return .integer(Int64(p.pointee.udp.length))
            case .udpChecksum: return .integer(Int64(p.pointee.udp.checksum))
            default: return .present
            }
        default:
            guard p.pointee.has(.rpc) else { return .absent }
            return rpcValue(p, message: message, element: element)
        }
    }

    func recordValue<R: RecordFields>(_ r: R) -> HeaderValue {
        switch self {
        case .recordFrame: .integer(Int64(r.frame))
        case .recordIndex: .integer(Int64(r.index))
        case .recordTime, .recordEpoch: .time(seconds: r.seconds, nanoseconds: r.nanoseconds)
        case .recordFile: .file(index: r.fileIndex)
        case .recordLengthIncluded: .integer(Int64(r.lengthIncluded))
        case .recordLengthOriginal: .integer(Int64(r.lengthOriginal))
        case .recordTruncated: .boolean(r.truncated)
        // Only when it happened, as the JSON writes it.
        case .recordTimeClamped: r.timeClamped ? .boolean(true) : .absent
        default: .present
        }
    }

    @inline(__always)
    func flag(_ tcp: UnsafePointer<TCP>, _ bit: UInt16) -> HeaderValue { .integer(tcp.pointee.flags & bit != 0 ? 1 : 0) }

    /// The credential is written for a call, and for a paired RPCSEC_GSS reply (its sequence).
    func credentialShown(_ p: UnsafePointer<Packet>) -> Bool {
        p.pointee.has(.rpc) && (p.pointee.rpc.isCall || (p.pointee.rpc.callSeen && p.pointee.rpc.credential.flavor == RPCConstants.rpcsecGSS))
    }

    func rpcValue(_ p: UnsafePointer<Packet>, message: UnsafeRawBufferPointer, element: Int) -> HeaderValue {
        // in place: a copy of the RPC layer is a few hundred bytes per field read
        let rpc = p.rpcLayer
        let reply = !rpc.pointee.isCall
        let accepted = reply && rpc.pointee.replyStatus == 0
        switch self {
        case .rpc: return .present
        case .rpcXID: return .integer(Int64(rpc.pointee.xid))
        case .rpcType: return .name(rpc.pointee.isCall ? "call" : "reply")
        case .rpcVersion: return rpc.pointee.isCall ? .integer(Int64(rpc.pointee.rpcVersion)) : .absent
        case .rpcProgram, .rpcProgramVersion, .rpcProcedure:
            guard rpc.pointee.isCall || rpc.pointee.callSeen else { return .absent }
            return .integer(Int64(self == .rpcProgram ? rpc.pointee.program : self == .rpcProgramVersion ? rpc.pointee.version : rpc.pointee.procedure))
        case .rpcCredential, .rpcCredentialFlavor, .rpcCredentialStamp, .rpcCredentialMachineName, .rpcCredentialUID,
             .rpcCredentialGID, .rpcCredentialGIDs, .rpcCredentialGSSVersion, .rpcCredentialGSSProcedure,
             .rpcCredentialGSSSequence, .rpcCredentialGSSService, .rpcCredentialGSSHandle, .rpcCredentialLength:
            guard credentialShown(p) else { return .absent }
            return credentialValue(rpc.pointee.credential, element: element)
        case .rpcVerifier, .rpcVerifierFlavor, .rpcVerifierLength:
            guard rpc.pointee.isCall || accepted else { return .absent }
            switch self {
            case .rpcVerifierFlavor: return .name(RPCConstants.flavorName(rpc.pointee.verifierFlavor))
            case .rpcVerifierLength: return .integer(Int64(rpc.pointee.verifier.count))
            default: return .present
            }
        case .rpcVerifierSTARTTLS:
            // RFC 9289 section 4.1: the server's answer to the AUTH_TLS probe
            guard accepted, rpc.pointee.verifier.count == 8, rpc.pointee.verifier.offset >= 0, rpc.pointee.verifier.end <= message.count
            else { return .absent }
            let starttls: StaticString = "STARTTLS"
            for i in 0..<8 where message[rpc.pointee.verifier.offset + i] != starttls.utf8Start[i] { return .absent }
            return .boolean(true)
        case .rpcRetransmission: return rpc.pointee.isCall && rpc.pointee.retransmission ? .boolean(true) : .absent
        case .rpcReplyStatus: return reply ? .integer(Int64(rpc.pointee.replyStatus)) : .absent
        case .rpcAcceptStatus: return accepted ? .integer(Int64(rpc.pointee.acceptStatus)) : .absent
        case .rpcRejectStatus: return reply && rpc.pointee.replyStatus != 0 ? .integer(Int64(rpc.pointee.rejectStatus)) : .absent
        case .rpcAuthStatus:
            return reply && rpc.pointee.replyStatus != 0 && rpc.pointee.rejectStatus == 1 ? .integer(Int64(rpc.pointee.authStatus)) : .absent
        case .rpcMismatch, .rpcMismatchLow, .rpcMismatchHigh:
            guard reply, (rpc.pointee.replyStatus == 0 && rpc.pointee.acceptStatus == 2) || (rpc.pointee.replyStatus == 1 && rpc.pointee.rejectStatus == 0)
            else { return .absent }
            switch self {
            case .rpcMismatchLow: return .integer(Int64(rpc.pointee.mismatchLow))
            case .rpcMismatchHigh: return .integer(Int64(rpc.pointee.mismatchHigh))
            default: return .present
            }
        case .rpcStatus: return reply ? .name(RPCConstants.statusText(rpc.pointee)) : .absent
        case .rpcCallSeen: return reply ? .boolean(rpc.pointee.callSeen) : .absent
        case .rpcLatency: return reply && rpc.pointee.callSeen ? .duration(nanoseconds: rpc.pointee.latency) : .absent
        case .rpcCallFrame: return reply && rpc.pointee.callSeen ? .integer(Int64(rpc.pointee.callFrame)) : .absent
        case .rpcCallIndex: return reply && rpc.pointee.callSeen ? .integer(Int64(rpc.pointee.callIndex)) : .absent
        case .rpcDuplicateReply: return reply && rpc.pointee.duplicateReply ? .boolean(true) : .absent
        case .rpcFragments: return rpc.pointee.fragments > 0 ? .integer(Int64(rpc.pointee.fragments)) : .absent
        case .rpcRecordLength: return rpc.pointee.fragments > 0 ? .integer(Int64(rpc.pointee.recordLength)) : .absent
        case .rpcMissingBytes: return rpc.pointee.missingBytes > 0 ? .integer(Int64(rpc.pointee.missingBytes)) : .absent
        case .rpcFrame: return rpc.pointee.frame != 0 ? .integer(Int64(rpc.pointee.frame)) : .absent
        case .rpcIntegritySequence: return rpc.pointee.gssIntegritySequence >= 0 ? .integer(rpc.pointee.gssIntegritySequence) : .absent
        default: return .absent
        }
    }

    func credentialValue(_ c: RPCCredential, element: Int) -> HeaderValue {
        switch self {
        case .rpcCredential: return .present
        case .rpcCredentialFlavor: return .name(RPCConstants.flavorName(c.flavor))
        default: break
        }
        switch c.flavor {
        case RPCConstants.authSys:
            switch self {
            case .rpcCredentialStamp: return .integer(Int64(c.stamp))
            case .rpcCredentialMachineName: return .bytes(c.machineName)
            case .rpcCredentialUID: return .integer(Int64(c.uid))
            case .rpcCredentialGID: return .integer(Int64(c.gid))
            case .rpcCredentialGIDs:
                guard element >= 0, element < c.gidCount, element < c.gids.count else { return .absent }
                return .integer(Int64(c.gids[element]))
            default: return .absent
            }
        case RPCConstants.rpcsecGSS:
            switch self {
            case .rpcCredentialGSSVersion: return c.gssVersion != 0 ? .integer(Int64(c.gssVersion)) : .absent
            case .rpcCredentialGSSProcedure: return .name(RPCConstants.gssProcedureName(c.gssProcedure))
            case .rpcCredentialGSSSequence: return c.gssVersion != 0 ? .integer(Int64(c.gssSequence)) : .absent
            case .rpcCredentialGSSService: return .name(RPCConstants.gssServiceName(c.gssService))
            case .rpcCredentialGSSHandle: return c.gssHandle.count > 0 ? .bytes(c.gssHandle) : .absent
            default: return .absent
            }
        default:
            return self == .rpcCredentialLength && c.body.count > 0 ? .integer(Int64(c.body.count)) : .absent
        }
    }
}

extension UnsafePointer where Pointee == Packet {
    /// The RPC and TCP layers in place: `p.pointee.rpc` copies the whole layer (its credential's
    /// gids, its SACK blocks) to read one field.
    @inlinable var rpcLayer: UnsafePointer<RPC> { field(\.rpc) }
    @inlinable var tcpLayer: UnsafePointer<TCP> { field(\.tcp) }

    @inlinable func field<T>(_ path: KeyPath<Packet, T>) -> UnsafePointer<T> {
        UnsafeRawPointer(self).advanced(by: MemoryLayout<Packet>.offset(of: path)!).assumingMemoryBound(to: T.self)
    }
}

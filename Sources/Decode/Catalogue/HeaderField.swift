/// The header fields of every layer below the RPC body, one declarative table (as Wireshark's
/// `hf_register_info` arrays): each field's name — the key path `pktt show --json` writes, which
/// match expressions resolve (`ip.src`, `tcp.flags.SYN`, `rpc.xid`) — and its type. The JSON
/// writer takes its keys from here; `value(_:message:record:element:)` reads a field from a
/// decoded packet without allocating. Program bodies have their own catalogue (`XDRCatalogue`).
public enum HeaderField: UInt16, CaseIterable, Sendable {
    case record, recordFrame, recordIndex, recordTime, recordEpoch, recordTimeClamped, recordFile, recordLengthIncluded
    case recordLengthOriginal, recordTruncated
    case ethernet, ethernetSrc, ethernetDst, ethernetType
    case vlan, vlanTPID, vlanPCP, vlanDEI, vlanID, vlanType
    case sll, sllVersion, sllPacketType, sllHatype, sllAddress, sllProtocol, sllInterfaceIndex
    case null, nullFamily
    case ip, ipVersion, ipSrc, ipDst, ipHeaderSize, ipTOS, ipTotalSize, ipID, ipFlags, ipFlagDF, ipFlagMF
    case ipFragmentOffset, ipTTL, ipProtocol, ipChecksum, ipOptionsSize
    case ipTrafficClass, ipFlowLabel, ipHopLimit, ipExtensions, ipFragment, ipFragmentID, ipFragmentOffset6
    case ipFragmentMF
    case tcp, tcpSrcPort, tcpDstPort, tcpSeq, tcpAck, tcpSeqNumber, tcpAckNumber, tcpHeaderSize, tcpFlagsRaw
    case tcpFlags, tcpFlagFIN, tcpFlagSYN, tcpFlagRST, tcpFlagPSH, tcpFlagACK, tcpFlagURG, tcpFlagECE
    case tcpFlagCWR, tcpFlagNS
    case tcpWindowSize, tcpChecksum, tcpUrgentPointer, tcpOptions, tcpMSS, tcpWindowScale, tcpSACKPermitted
    case tcpSACK, tcpTSval, tcpTSecr, tcpOptionsMalformed, tcpLength
    case udp, udpSrcPort, udpDstPort, udpLength, udpChecksum
    case rpc, rpcXID, rpcType, rpcVersion, rpcProgram, rpcProgramVersion, rpcProcedure
    case rpcCredential, rpcCredentialFlavor, rpcCredentialStamp, rpcCredentialMachineName, rpcCredentialUID
    case rpcCredentialGID, rpcCredentialGIDs, rpcCredentialGSSVersion, rpcCredentialGSSProcedure
    case rpcCredentialGSSSequence, rpcCredentialGSSService, rpcCredentialGSSHandle, rpcCredentialLength
    case rpcVerifier, rpcVerifierFlavor, rpcVerifierLength, rpcVerifierSTARTTLS, rpcRetransmission
    case rpcReplyStatus, rpcAcceptStatus, rpcRejectStatus, rpcAuthStatus, rpcMismatch, rpcMismatchLow
    case rpcMismatchHigh, rpcStatus, rpcCallSeen, rpcLatency, rpcCallFrame, rpcCallIndex, rpcDuplicateReply
    case rpcFragments, rpcRecordLength, rpcMissingBytes, rpcFrame, rpcIntegritySequence

    /// The JSON key path and match name, lower case by layer as `--json` writes it.
    @inlinable public var name: String { HeaderCatalogue.entries[Int(rawValue)].name }
    /// The last component of `name`: the key within its JSON object.
    @inlinable public var key: String { HeaderCatalogue.entries[Int(rawValue)].key }
    @inlinable public var type: HeaderFieldType { HeaderCatalogue.entries[Int(rawValue)].type }
    /// A list: one value per element (VLAN tags, IPv6 extension headers, SACK blocks, gids).
    @inlinable public var isRepeated: Bool { HeaderCatalogue.entries[Int(rawValue)].repeated }
}

/// What a header field holds, as JSON writes it and a match expression compares it.
public enum HeaderFieldType: UInt8, Sendable {
    /// An object of other fields (`ip.flags`, `rpc.cred`), or a whole layer.
    case group
    case integer
    case boolean
    /// An IP address, or a link-layer (MAC) address.
    case address
    /// A word from a fixed set (`rpc.type`: call/reply, `rpc.cred.flavor`: AUTH_SYS…).
    case name
    /// Bytes of the message shown as text (`rpc.cred.machinename`), or a file name.
    case string
    /// Bytes of the message shown as hex (`rpc.cred.handle`).
    case bytes
    /// A point in time (`record.time`, `record.epoch`).
    case time
    /// A length of time (`rpc.latency`, in seconds in JSON).
    case duration
    /// A pair of integers (a SACK block's left and right edges).
    case range
}

/// One row of the table.
public struct HeaderFieldEntry: Sendable {
    public let field: HeaderField
    public let name: String
    public let key: String
    public let type: HeaderFieldType
    public let repeated: Bool

    init(_ field: HeaderField, _ name: String, _ type: HeaderFieldType, repeated: Bool = false) {
        self.field = field
        self.name = name
        self.key = name.split(separator: ".").last.map(String.init) ?? name
        self.type = type
        self.repeated = repeated
    }
}

public enum HeaderCatalogue {
    /// Every header field, in `HeaderField` order (a test checks the order).
    public static let entries: [HeaderFieldEntry] = [
        .init(.record, "record", .group),
        .init(.recordFrame, "record.frame", .integer),
        .init(.recordIndex, "record.index", .integer),
        .init(.recordTime, "record.time", .time),
        .init(.recordEpoch, "record.epoch", .time),
        .init(.recordTimeClamped, "record.time_clamped", .boolean),
        .init(.recordFile, "record.file", .string),
        .init(.recordLengthIncluded, "record.length_inc", .integer),
        .init(.recordLengthOriginal, "record.length_orig", .integer),
        .init(.recordTruncated, "record.truncated", .boolean),
        .init(.ethernet, "ethernet", .group),
        .init(.ethernetSrc, "ethernet.src", .address),
        .init(.ethernetDst, "ethernet.dst", .address),
        .init(.ethernetType, "ethernet.type", .integer),
        .init(.vlan, "vlan", .group, repeated: true),
        .init(.vlanTPID, "vlan.tpid", .integer, repeated: true),
        .init(.vlanPCP, "vlan.pcp", .integer, repeated: true),
        .init(.vlanDEI, "vlan.dei", .integer, repeated: true),
        .init(.vlanID, "vlan.id", .integer, repeated: true),
        .init(.vlanType, "vlan.type", .integer, repeated: true),
        .init(.sll, "sll", .group),
        .init(.sllVersion, "sll.version", .integer),
        .init(.sllPacketType, "sll.pkttype", .integer),
        .init(.sllHatype, "sll.hatype", .integer),
        .init(.sllAddress, "sll.address", .address),
        .init(.sllProtocol, "sll.protocol", .integer),
        .init(.sllInterfaceIndex, "sll.ifindex", .integer),
        .init(.null, "null", .group),
        .init(.nullFamily, "null.family", .integer),
        .init(.ip, "ip", .group),
        .init(.ipVersion, "ip.version", .integer),
        .init(.ipSrc, "ip.src", .address),
        .init(.ipDst, "ip.dst", .address),
        .init(.ipHeaderSize, "ip.header_size", .integer),
        .init(.ipTOS, "ip.tos", .integer),
        .init(.ipTotalSize, "ip.total_size", .integer),
        .init(.ipID, "ip.id", .integer),
        .init(.ipFlags, "ip.flags", .group),
        .init(.ipFlagDF, "ip.flags.DF", .integer),
        .init(.ipFlagMF, "ip.flags.MF", .integer),
        .init(.ipFragmentOffset, "ip.fragment_offset", .integer),
        .init(.ipTTL, "ip.ttl", .integer),
        .init(.ipProtocol, "ip.protocol", .integer),
        .init(.ipChecksum, "ip.checksum", .integer),
        .init(.ipOptionsSize, "ip.options_size", .integer),
        .init(.ipTrafficClass, "ip.traffic_class", .integer),
        .init(.ipFlowLabel, "ip.flow_label", .integer),
        .init(.ipHopLimit, "ip.hop_limit", .integer),
        .init(.ipExtensions, "ip.extensions", .integer, repeated: true),
        .init(.ipFragment, "ip.fragment", .group),
        .init(.ipFragmentID, "ip.fragment.id", .integer),
        .init(.ipFragmentOffset6, "ip.fragment.offset", .integer),
        .init(.ipFragmentMF, "ip.fragment.MF", .integer),
        .init(.tcp, "tcp", .group),
        .init(.tcpSrcPort, "tcp.src_port", .integer),
        .init(.tcpDstPort, "tcp.dst_port", .integer),
        .init(.tcpSeq, "tcp.seq", .integer),
        .init(.tcpAck, "tcp.ack", .integer),
        .init(.tcpSeqNumber, "tcp.seq_number", .integer),
        .init(.tcpAckNumber, "tcp.ack_number", .integer),
        .init(.tcpHeaderSize, "tcp.header_size", .integer),
        .init(.tcpFlagsRaw, "tcp.flags_raw", .integer),
        .init(.tcpFlags, "tcp.flags", .group),
        .init(.tcpFlagFIN, "tcp.flags.FIN", .integer),
        .init(.tcpFlagSYN, "tcp.flags.SYN", .integer),
        .init(.tcpFlagRST, "tcp.flags.RST", .integer),
        .init(.tcpFlagPSH, "tcp.flags.PSH", .integer),
        .init(.tcpFlagACK, "tcp.flags.ACK", .integer),
        .init(.tcpFlagURG, "tcp.flags.URG", .integer),
        .init(.tcpFlagECE, "tcp.flags.ECE", .integer),
        .init(.tcpFlagCWR, "tcp.flags.CWR", .integer),
        .init(.tcpFlagNS, "tcp.flags.NS", .integer),
        .init(.tcpWindowSize, "tcp.window_size", .integer),
        .init(.tcpChecksum, "tcp.checksum", .integer),
        .init(.tcpUrgentPointer, "tcp.urgent_ptr", .integer),
        .init(.tcpOptions, "tcp.options", .group),
        .init(.tcpMSS, "tcp.options.mss", .integer),
        .init(.tcpWindowScale, "tcp.options.wscale", .integer),
        .init(.tcpSACKPermitted, "tcp.options.sack_permitted", .integer),
        .init(.tcpSACK, "tcp.options.sack", .range, repeated: true),
        .init(.tcpTSval, "tcp.options.tsval", .integer),
        .init(.tcpTSecr, "tcp.options.tsecr", .integer),
        .init(.tcpOptionsMalformed, "tcp.options.malformed", .boolean),
        .init(.tcpLength, "tcp.length", .integer),
        .init(.udp, "udp", .group),
        .init(.udpSrcPort, "udp.src_port", .integer),
        .init(.udpDstPort, "udp.dst_port", .integer),
        .init(.udpLength, "udp.length", .integer),
        .init(.udpChecksum, "udp.checksum", .integer),
        .init(.rpc, "rpc", .group),
        .init(.rpcXID, "rpc.xid", .integer),
        .init(.rpcType, "rpc.type", .name),
        .init(.rpcVersion, "rpc.rpc_version", .integer),
        .init(.rpcProgram, "rpc.program", .integer),
        .init(.rpcProgramVersion, "rpc.version", .integer),
        .init(.rpcProcedure, "rpc.procedure", .integer),
        .init(.rpcCredential, "rpc.cred", .group),
        .init(.rpcCredentialFlavor, "rpc.cred.flavor", .name),
        .init(.rpcCredentialStamp, "rpc.cred.stamp", .integer),
        .init(.rpcCredentialMachineName, "rpc.cred.machinename", .string),
        .init(.rpcCredentialUID, "rpc.cred.uid", .integer),
        .init(.rpcCredentialGID, "rpc.cred.gid", .integer),
        .init(.rpcCredentialGIDs, "rpc.cred.gids", .integer, repeated: true),
        .init(.rpcCredentialGSSVersion, "rpc.cred.gss_version", .integer),
        .init(.rpcCredentialGSSProcedure, "rpc.cred.gss_proc", .name),
        .init(.rpcCredentialGSSSequence, "rpc.cred.seq_num", .integer),
        .init(.rpcCredentialGSSService, "rpc.cred.service", .name),
        .init(.rpcCredentialGSSHandle, "rpc.cred.handle", .bytes),
        .init(.rpcCredentialLength, "rpc.cred.length", .integer),
        .init(.rpcVerifier, "rpc.verf", .group),
        .init(.rpcVerifierFlavor, "rpc.verf.flavor", .name),
        .init(.rpcVerifierLength, "rpc.verf.length", .integer),
        .init(.rpcVerifierSTARTTLS, "rpc.verf.starttls", .boolean),
        .init(.rpcRetransmission, "rpc.retransmission", .boolean),
        .init(.rpcReplyStatus, "rpc.reply_status", .integer),
        .init(.rpcAcceptStatus, "rpc.accept_status", .integer),
        .init(.rpcRejectStatus, "rpc.reject_status", .integer),
        .init(.rpcAuthStatus, "rpc.auth_status", .integer),
        .init(.rpcMismatch, "rpc.mismatch", .group),
        .init(.rpcMismatchLow, "rpc.mismatch.low", .integer),
        .init(.rpcMismatchHigh, "rpc.mismatch.high", .integer),
        .init(.rpcStatus, "rpc.status", .name),
        .init(.rpcCallSeen, "rpc.call_seen", .boolean),
        .init(.rpcLatency, "rpc.latency", .duration),
        .init(.rpcCallFrame, "rpc.call_frame", .integer),
        .init(.rpcCallIndex, "rpc.call_index", .integer),
        .init(.rpcDuplicateReply, "rpc.duplicate_reply", .boolean),
        .init(.rpcFragments, "rpc.fragments", .integer),
        .init(.rpcRecordLength, "rpc.record_length", .integer),
        .init(.rpcMissingBytes, "rpc.missing_bytes", .integer),
        .init(.rpcFrame, "rpc.frame", .integer),
        .init(.rpcIntegritySequence, "rpc.integrity_seq_num", .integer),
    ]

    /// The field named `name` (as `--json` writes it; the layer is case-insensitive, the rest
    /// exact: `TCP.flags.SYN`, `ip.src`); nil when there is none.
    public static func field(named name: String) -> HeaderField? {
        byName[lowercasedLayer(name)]
    }

    static let byName: [String: HeaderField] = {
        var map: [String: HeaderField] = [:]
        for e in entries { map[e.name] = e.field }
        return map
    }()

    static func lowercasedLayer(_ name: String) -> String {
        guard let dot = name.firstIndex(of: ".") else { return name.lowercased() }
        return name[..<dot].lowercased() + name[dot...]
    }
}

import Decode
import PacketTrace
import Track

/// Writes events as ECS-aligned JSON lines (DESIGN.md "Events") straight into a reused
/// buffer. A line is left open after its `pktt` object's last member: the writer closes it,
/// adding how many events suppression held back (`EventWriter`).
struct EventRenderer {
    var out = TextBuffer(descriptor: -1, flushAt: .max)
    private var time = TimeText()

    /// What an event is about, apart from the packet.
    struct Heading {
        var kind: String
        var id: UInt64
        var rule: Rule?
        /// `@timestamp`, nanoseconds since the epoch.
        var timestamp: Int64
    }

    /// An event about the current packet of a pipeline (a rule hit, or a transaction).
    mutating func packetEvent(_ h: Heading, packet: inout Packet, tape: inout Tape, message: UnsafeRawBufferPointer,
                              flow: FlowKey?, call: CallRecord?, record: PacketRecord, messageOrdinal: Int, file: String) {
        begin(h)
        let hasRPC = packet.layers.has(.rpc)
        let rpc = packet.rpc
        var facts = hasRPC ? NFSFacts(rpc, tape: tape, bytes: message) : NFSFacts()
        if hasRPC && !rpc.isCall, let call, call.marks.hasFileHandle, facts.fileHandle == nil {
            facts.fileHandle = call.marks.fileHandle
        }
        if hasRPC && !rpc.isCall, let call, facts.mainOp == nil, call.marks.mainOp >= 0 {
            facts.mainOp = Int64(call.marks.mainOp)
        }
        var start: String?, end: String?
        if hasRPC && !rpc.isCall && rpc.callSeen {
            let at = rpc.frameTime == 0 ? record.time : rpc.frameTime
            start = timeText(at &- rpc.latency)
            end = timeText(at)
        }
        // event.*
        out.object("event") { o in
            o.field("kind", h.kind)
            o.key("id")
            Self.appendID(h.id, to: &o)
            if hasRPC { o.field("action", Self.action(rpc, mainOp: facts.mainOp)) }
            if hasRPC {
                o.field("outcome", rpc.isCall ? "unknown" : (!rpc.isSuccess || (facts.status ?? 0) != 0) ? "failure" : "success")
            }
            if let rule = h.rule { o.field("severity", rule.severity.number) }
            if let start, let end {
                o.field("duration", rpc.latency)
                o.field("start", start)
                o.field("end", end)
            }
        }
        heading(h)
        endpoints(flow: flow, packet: &packet, isCall: hasRPC && rpc.isCall, hasRPC: hasRPC)
        if hasRPC {
            out.object("rpc") { o in
                o.key("xid")
                Self.appendHex8(rpc.xid, to: &o)
                o.field("type", rpc.isCall ? "call" : "reply")
                if rpc.isCall || rpc.callSeen {
                    o.field("program", rpc.program)
                    o.field("version", rpc.version)
                    o.field("procedure", rpc.procedure)
                }
                if !rpc.isCall { o.field("status", rpc.isSuccess ? "success" : RPCConstants.statusText(rpc).lowercased()) }
                let flavor = rpc.isCall ? rpc.credential.flavor : (call?.credentialFlavor ?? rpc.credential.flavor)
                if rpc.isCall || rpc.callSeen { o.field("auth_flavor", Self.flavorName(flavor)) }
                if flavor == RPCConstants.authSys && (rpc.isCall || call != nil) {
                    o.object("cred") { c in
                        c.field("uid", rpc.isCall ? rpc.credential.uid : call?.uid ?? 0)
                        c.field("gid", rpc.isCall ? rpc.credential.gid : call?.gid ?? 0)
                        if rpc.isCall, rpc.credential.machineName.count > 0, rpc.credential.machineName.end <= message.count {
                            c.key("machinename")
                            c.appendJSONString(String(decoding: UnsafeRawBufferPointer(rebasing:
                                message[rpc.credential.machineName.offset..<rpc.credential.machineName.end]), as: UTF8.self))
                        }
                    }
                }
                if !rpc.isCall && rpc.callSeen { o.field("latency_us", rpc.latency / 1000) }
                if rpc.retransmission { o.field("retransmission", true) }
                if rpc.duplicateReply { o.field("duplicate_reply", true) }
                if !rpc.isCall && !rpc.callSeen { o.field("orphan_reply", true) }
            }
            if rpc.program == nfsProgram || isCallbackProgram(rpc.program) {
                nfs(rpc, facts: facts, tape: tape)
            }
        }
        pktt(file: file, record: record, messageOrdinal: messageOrdinal, callIndex: hasRPC && rpc.callSeen ? rpc.callIndex : nil)
    }

    /// A no-reply rule's event: a call still unanswered `rule.noReplyAfter` after it was sent.
    mutating func noReplyEvent(_ h: Heading, key: CallKey, call: CallRecord, file: String) {
        begin(h)
        let mainOp: Int64? = call.marks.mainOp >= 0 ? Int64(call.marks.mainOp) : nil
        let start = timeText(call.time)
        out.object("event") { o in
            o.field("kind", h.kind)
            o.key("id")
            Self.appendID(h.id, to: &o)
            o.field("action", Self.action(program: call.program, version: call.version, procedure: call.procedure, mainOp: mainOp))
            o.field("outcome", "unknown")
            o.field("reason", "no reply")
            if let rule = h.rule { o.field("severity", rule.severity.number) }
            o.field("start", start)
        }
        heading(h)
        endpoint("client", key.flow.src, key.flow.srcPort)
        endpoint("server", key.flow.dst, key.flow.dstPort)
        network(proto: key.flow.proto, program: call.program)
        out.object("rpc") { o in
            o.key("xid")
            Self.appendHex8(key.xid, to: &o)
            o.field("type", "call")
            o.field("program", call.program)
            o.field("version", call.version)
            o.field("procedure", call.procedure)
            o.field("auth_flavor", Self.flavorName(call.credentialFlavor))
            if call.credentialFlavor == RPCConstants.authSys {
                o.object("cred") { c in
                    c.field("uid", call.uid)
                    c.field("gid", call.gid)
                }
            }
        }
        if call.program == nfsProgram {
            out.object("nfs") { o in
                o.field("version", call.version)
                if call.minorVersion >= 0 { o.field("minor_version", call.minorVersion) }
                if let mainOp { o.field("op", XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: mainOp))) }
                if call.marks.hasFileHandle {
                    o.object("fh") { f in
                        f.key("hash")
                        Self.appendHex8(call.marks.fileHandle, to: &f)
                    }
                }
            }
        }
        pktt(file: file, record: nil, frame: call.frame, index: call.index, messageOrdinal: 0, callIndex: nil)
    }

    // MARK: - Parts

    private mutating func begin(_ h: Heading) {
        out.jsonBeginObject()
        out.field("@timestamp", timeText(h.timestamp))
    }

    private mutating func heading(_ h: Heading) {
        if let rule = h.rule {
            out.object("rule") { $0.field("name", rule.name) }
            out.object("log") { $0.field("level", rule.severity.rawValue) }
        }
    }

    private mutating func endpoints(flow: FlowKey?, packet: inout Packet, isCall: Bool, hasRPC: Bool) {
        if let flow {
            // the message's own direction: a call goes client to server
            let (c, s) = isCall ? (flow.src, flow.dst) : (flow.dst, flow.src)
            let (cp, sp) = isCall ? (flow.srcPort, flow.dstPort) : (flow.dstPort, flow.srcPort)
            endpoint("client", c, cp)
            endpoint("server", s, sp)
            network(proto: flow.proto, program: hasRPC ? packet.rpc.program : nil)
            return
        }
        let layers = packet.layers
        guard layers.has(.ipv4) || layers.has(.ipv6) else { return }
        let v6 = layers.has(.ipv6)
        let src = v6 ? packet.ipv6.src : packet.ipv4.src, dst = v6 ? packet.ipv6.dst : packet.ipv4.dst
        var sp: UInt16 = 0, dp: UInt16 = 0
        if layers.has(.tcp) { (sp, dp) = (packet.tcp.srcPort, packet.tcp.dstPort) }
        if layers.has(.udp) { (sp, dp) = (packet.udp.srcPort, packet.udp.dstPort) }
        endpoint("source", src, sp)
        endpoint("destination", dst, dp)
        if layers.has(.tcp) || layers.has(.udp) {
            network(proto: layers.has(.tcp) ? IPProtocol.tcp : IPProtocol.udp, program: hasRPC ? packet.rpc.program : nil)
        }
    }

    private mutating func endpoint(_ name: String, _ address: IPAddress, _ port: UInt16) {
        out.object(name) { o in
            o.field("ip", address.description)
            if port != 0 { o.field("port", port) }
        }
    }

    private mutating func network(proto: UInt8, program: UInt32?) {
        out.object("network") { o in
            o.field("transport", proto == IPProtocol.tcp ? "tcp" : proto == IPProtocol.udp ? "udp" : "rdma")
            if let program { o.field("protocol", Self.protocolName(program)) }
        }
    }

    private mutating func nfs(_ rpc: RPC, facts: NFSFacts, tape: Tape) {
        out.object("nfs") { o in
            o.field("version", rpc.version)
            if rpc.minorVersion >= 0 { o.field("minor_version", rpc.minorVersion) }
            if !facts.ops.isEmpty {
                o.key("ops")
                o.jsonBeginArray()
                for (i, op) in facts.ops.enumerated() {
                    if i > 0 { o.append(byte: UInt8(ascii: ",")) }
                    o.appendJSONString(XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: op), callback: facts.callback))
                }
                o.jsonEndArray()
            }
            if let status = facts.status {
                o.field("status", facts.statusName ?? String(status))
                o.field("status_code", status)
            }
            if let op = facts.failedOp, let index = facts.failedIndex {
                o.field("failed_op", XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: op), callback: facts.callback))
                o.field("failed_op_index", index)
            }
            if let fh = facts.fileHandle {
                o.object("fh") { f in
                    f.key("hash")
                    Self.appendHex8(fh, to: &f)
                }
            }
        }
    }

    private mutating func pktt(file: String, record: PacketRecord?, frame: Int? = nil, index: Int? = nil,
                               messageOrdinal: Int, callIndex: Int?) {
        out.openObject("pktt")
        out.field("file", file)
        out.field("index", record?.index ?? index ?? 0)
        out.field("frame", record?.frame ?? frame ?? 0)
        if messageOrdinal > 0 { out.field("message", messageOrdinal) }
        // the call's index, not its frame: a rotated set numbers frames per file
        if let callIndex { out.field("call_index", callIndex) }
    }

    /// RFC 3339 UTC, microseconds (nanoseconds when the capture has them).
    private mutating func timeText(_ ns: Int64) -> String {
        let (s, f) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
        let (seconds, fraction) = f < 0 ? (s - 1, f + 1_000_000_000) : (s, f)
        var text = TextBuffer(descriptor: -1, flushAt: .max)
        time.appendRFC3339(seconds: seconds, nanoseconds: UInt32(fraction), to: &text)
        return text.take()
    }

    // MARK: - Names

    static func appendID(_ id: UInt64, to o: inout TextBuffer) {
        o.append(byte: UInt8(ascii: "\""))
        o.appendHexDigits(id, digits: 16)
        o.append(byte: UInt8(ascii: "\""))
    }

    static func appendHex8(_ v: UInt32, to o: inout TextBuffer) {
        o.append(byte: UInt8(ascii: "\""))
        o.appendHexDigits(UInt64(v), digits: 8)
        o.append(byte: UInt8(ascii: "\""))
    }

    /// `nfs.GETATTR` (an NFSv4 compound by its main op), `mount.MNT`, `rpc.100099.3`.
    static func action(_ rpc: RPC, mainOp: Int64?) -> String {
        guard rpc.isCall || rpc.callSeen else { return "rpc.reply" }
        return action(program: rpc.program, version: rpc.version, procedure: rpc.procedure, mainOp: mainOp)
    }

    static func action(program: UInt32, version: UInt32, procedure: UInt32, mainOp: Int64?) -> String {
        let proto = protocolName(program)
        if let mainOp, program == nfsProgram || isCallbackProgram(program) {
            return proto + "." + XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: mainOp),
                                                       callback: isCallbackProgram(program))
        }
        if let name = XDRCatalogue.procedureName(program: program, version: version, procedure: procedure) {
            return proto + "." + name
        }
        return proto == "rpc" ? "rpc.\(program).\(procedure)" : "\(proto).\(procedure)"
    }

    static func protocolName(_ program: UInt32) -> String {
        switch program {
        case 100000: "portmap"
        case 100003: "nfs"
        case 100005: "mount"
        case 100021: "nlm"
        case 100024: "nsm"
        case 100227: "nfs_acl"
        case 0x40000000...0x5fffffff: "nfs_cb"
        default: "rpc"
        }
    }

    static func flavorName(_ flavor: UInt32) -> String {
        switch flavor {
        case 0: "none"
        case 1: "unix"
        case 2: "short"
        case 3: "dh"
        case 6: "rpcsec_gss"
        default: String(flavor)
        }
    }
}

let nfsProgram: UInt32 = 100_003
/// NFSv4 callback programs are numbered by the client (RFC 7530 section 16.33.5).
func isCallbackProgram(_ program: UInt32) -> Bool { (0x4000_0000...0x5fff_ffff).contains(program) }

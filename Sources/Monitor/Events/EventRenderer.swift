import Decode
import PacketTrace
import Track

/// Writes events as ECS-aligned JSON lines (DESIGN.md "Events") straight into a reused
/// buffer, with no closure or string built per member. A line is left open after its `pktt`
/// object's last member: the writer closes it, adding how many events suppression held back
/// (`EventWriter`).
struct EventRenderer {
    var out = TextBuffer(descriptor: -1, flushAt: .max)
    private var time = TimeText()
    /// Names worked out once: `event.action` per program, version, procedure and main op, and
    /// NFSv4 op names (a String built per event costs more than the rest of its line).
    private var actions: [UInt64: String] = [:]
    private var opNames: [String?] = Array(repeating: nil, count: 128)
    private var callbackOpNames: [String?] = Array(repeating: nil, count: 32)

    /// What an event is about, apart from the packet.
    struct Heading {
        var kind: String
        var id: UInt64
        var rule: RuleHeading?
        /// `@timestamp`, nanoseconds since the epoch.
        var timestamp: Int64
    }

    /// An event about the current packet of a pipeline (a rule hit, or a transaction).
    mutating func packetEvent(_ h: Heading, packet: inout Packet, tape: inout Tape, message: UnsafeRawBufferPointer,
                              flow: FlowKey?, call: CallRecord?, record: PacketRecord, messageOrdinal: Int, file: String) {
        let hasRPC = packet.layers.has(.rpc)
        // `packet.rpc` is read in place: a copy of it is a few hundred bytes
        var facts = hasRPC ? NFSFacts(packet.rpc, tape: tape, bytes: message) : NFSFacts()
        if hasRPC && !packet.rpc.isCall, let call {
            if facts.fileHandle == nil && call.marks.hasFileHandle { facts.fileHandle = call.marks.fileHandle }
            if facts.mainOp == nil && call.marks.mainOp >= 0 { facts.mainOp = Int64(call.marks.mainOp) }
        }
        begin(h)
        out.openObject("event")
        out.field("kind", h.kind)
        appendID(h.id)
        if hasRPC {
            out.field("action", action(packet.rpc, mainOp: facts.mainOp))
            out.field("outcome", packet.rpc.isCall ? "unknown" : (!packet.rpc.isSuccess || (facts.status ?? 0) != 0) ? "failure" : "success")
        }
        if let rule = h.rule { out.field("severity", rule.severity.number) }
        if hasRPC && !packet.rpc.isCall && packet.rpc.callSeen {
            let end = packet.rpc.frameTime == 0 ? record.time : packet.rpc.frameTime
            out.field("duration", packet.rpc.latency)
            appendTime("start", end &- packet.rpc.latency)
            appendTime("end", end)
        }
        out.jsonEndObject()
        heading(h)
        endpoints(flow: flow, packet: &packet, isCall: hasRPC && packet.rpc.isCall, hasRPC: hasRPC)
        if hasRPC {
            out.openObject("rpc")
            appendHex8("xid", packet.rpc.xid)
            out.field("type", packet.rpc.isCall ? "call" : "reply")
            if packet.rpc.isCall || packet.rpc.callSeen {
                out.field("program", packet.rpc.program)
                out.field("version", packet.rpc.version)
                out.field("procedure", packet.rpc.procedure)
            }
            if !packet.rpc.isCall { out.field("status", packet.rpc.isSuccess ? "success" : RPCConstants.statusText(packet.rpc).lowercased()) }
            let flavor = packet.rpc.isCall ? packet.rpc.credential.flavor : (call?.credentialFlavor ?? packet.rpc.credential.flavor)
            if packet.rpc.isCall || packet.rpc.callSeen { out.field("auth_flavor", Self.flavorName(flavor)) }
            if flavor == RPCConstants.authSys && (packet.rpc.isCall || call != nil) {
                out.openObject("cred")
                out.field("uid", packet.rpc.isCall ? packet.rpc.credential.uid : call?.uid ?? 0)
                out.field("gid", packet.rpc.isCall ? packet.rpc.credential.gid : call?.gid ?? 0)
                let name = packet.rpc.credential.machineName
                if packet.rpc.isCall, name.count > 0, name.end <= message.count {
                    out.key("machinename")
                    out.appendJSONString(bytes: UnsafeRawBufferPointer(rebasing: message[name.offset..<name.end]))
                }
                out.jsonEndObject()
            }
            if !packet.rpc.isCall && packet.rpc.callSeen { out.field("latency_us", packet.rpc.latency / 1000) }
            if packet.rpc.retransmission { out.field("retransmission", true) }
            if packet.rpc.duplicateReply { out.field("duplicate_reply", true) }
            if !packet.rpc.isCall && !packet.rpc.callSeen { out.field("orphan_reply", true) }
            out.jsonEndObject()
            if packet.rpc.program == nfsProgram || isCallbackProgram(packet.rpc.program) { nfs(packet.rpc, facts: facts, tape: tape) }
        }
        pktt(file: file, index: record.index, frame: record.frame, messageOrdinal: messageOrdinal,
             callIndex: hasRPC && packet.rpc.callSeen ? packet.rpc.callIndex : nil)
    }

    /// A no-reply rule's event: a call still unanswered `rule.noReplyAfter` after it was sent.
    mutating func noReplyEvent(_ h: Heading, key: CallKey, call: CallRecord, file: String) {
        let mainOp: Int64? = call.marks.mainOp >= 0 ? Int64(call.marks.mainOp) : nil
        begin(h)
        out.openObject("event")
        out.field("kind", h.kind)
        appendID(h.id)
        out.field("action", action(program: call.program, version: call.version, procedure: call.procedure, mainOp: mainOp))
        out.field("outcome", "unknown")
        out.field("reason", "no reply")
        if let rule = h.rule { out.field("severity", rule.severity.number) }
        appendTime("start", call.time)
        out.jsonEndObject()
        heading(h)
        endpoint("client", key.flow.src, key.flow.srcPort)
        endpoint("server", key.flow.dst, key.flow.dstPort)
        network(proto: key.flow.proto, program: call.program)
        out.openObject("rpc")
        appendHex8("xid", key.xid)
        out.field("type", "call")
        out.field("program", call.program)
        out.field("version", call.version)
        out.field("procedure", call.procedure)
        out.field("auth_flavor", Self.flavorName(call.credentialFlavor))
        if call.credentialFlavor == RPCConstants.authSys {
            out.openObject("cred")
            out.field("uid", call.uid)
            out.field("gid", call.gid)
            out.jsonEndObject()
        }
        out.jsonEndObject()
        if call.program == nfsProgram {
            out.openObject("nfs")
            out.field("version", call.version)
            if call.minorVersion >= 0 { out.field("minor_version", call.minorVersion) }
            if let mainOp { out.field("op", opName(mainOp, callback: false)) }
            if call.marks.hasFileHandle { fileHandle(call.marks.fileHandle) }
            out.jsonEndObject()
        }
        pktt(file: file, index: call.index, frame: call.frame, messageOrdinal: 0, callIndex: nil)
    }

    // MARK: - Parts

    private mutating func begin(_ h: Heading) {
        out.resetJSON()
        out.jsonBeginObject()
        appendTime("@timestamp", h.timestamp)
    }

    private mutating func heading(_ h: Heading) {
        guard let rule = h.rule else { return }
        out.openObject("rule")
        out.field("name", rule.name)
        out.jsonEndObject()
        out.openObject("log")
        out.field("level", rule.severity.rawValue)
        out.jsonEndObject()
    }

    private mutating func endpoints(flow: FlowKey?, packet: inout Packet, isCall: Bool, hasRPC: Bool) {
        if let flow {
            // the message's own direction: a call goes client to server
            if isCall {
                endpoint("client", flow.src, flow.srcPort)
                endpoint("server", flow.dst, flow.dstPort)
            } else {
                endpoint("client", flow.dst, flow.dstPort)
                endpoint("server", flow.src, flow.srcPort)
            }
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
        out.openObject(name)
        out.key("ip")
        out.appendJSONAddress(address)
        if port != 0 { out.field("port", port) }
        out.jsonEndObject()
    }

    private mutating func network(proto: UInt8, program: UInt32?) {
        out.openObject("network")
        out.field("transport", proto == IPProtocol.tcp ? "tcp" : proto == IPProtocol.udp ? "udp" : "rdma")
        if let program { out.field("protocol", Self.protocolName(program)) }
        out.jsonEndObject()
    }

    private mutating func nfs(_ rpc: RPC, facts: NFSFacts, tape: Tape) {
        out.openObject("nfs")
        out.field("version", rpc.version)
        if rpc.minorVersion >= 0 { out.field("minor_version", rpc.minorVersion) }
        if let compound = facts.compound {
            out.key("ops")
            out.jsonBeginArray()
            var i = compound.array + 1, first = true
            let end = Int(tape[compound.array].value)
            while i < end {
                if let (_, op) = XDRCompound.opcode(tape, element: i) {
                    if !first { out.append(byte: UInt8(ascii: ",")) }
                    first = false
                    out.appendJSONString(opName(op, callback: facts.callback))
                }
                i = tape.next(after: i)
            }
            out.jsonEndArray()
        }
        if let status = facts.status {
            if let name = facts.statusName { out.field("status", name) } else { out.field("status", String(status)) }
            out.field("status_code", status)
        }
        if let op = facts.failedOp, let index = facts.failedIndex {
            out.field("failed_op", opName(op, callback: facts.callback))
            out.field("failed_op_index", index)
        }
        if let fh = facts.fileHandle { fileHandle(fh) }
        out.jsonEndObject()
    }

    private mutating func fileHandle(_ hash: UInt32) {
        out.openObject("fh")
        appendHex8("hash", hash)
        out.jsonEndObject()
    }

    private mutating func pktt(file: String, index: Int, frame: Int, messageOrdinal: Int, callIndex: Int?) {
        out.openObject("pktt")
        out.field("file", file)
        out.field("index", index)
        out.field("frame", frame)
        if messageOrdinal > 0 { out.field("message", messageOrdinal) }
        // the call's index, not its frame: a rotated set numbers frames per file
        if let callIndex { out.field("call_index", callIndex) }
    }

    /// `"name":"2026-05-04T10:21:33.514179Z"`: RFC 3339 UTC, microseconds (nanoseconds when the
    /// capture has them).
    private mutating func appendTime(_ name: String, _ ns: Int64) {
        let (s, f) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
        let (seconds, fraction) = f < 0 ? (s - 1, f + 1_000_000_000) : (s, f)
        out.key(name)
        out.append(byte: UInt8(ascii: "\""))
        time.appendRFC3339(seconds: seconds, nanoseconds: UInt32(fraction), to: &out)
        out.append(byte: UInt8(ascii: "\""))
    }

    private mutating func appendID(_ id: UInt64) {
        out.key("id")
        out.append(byte: UInt8(ascii: "\""))
        out.appendHexDigits(id, digits: 16)
        out.append(byte: UInt8(ascii: "\""))
    }

    private mutating func appendHex8(_ name: String, _ v: UInt32) {
        out.key(name)
        out.append(byte: UInt8(ascii: "\""))
        out.appendHexDigits(UInt64(v), digits: 8)
        out.append(byte: UInt8(ascii: "\""))
    }

    // MARK: - Names

    private mutating func action(_ rpc: RPC, mainOp: Int64?) -> String {
        guard rpc.isCall || rpc.callSeen else { return "rpc.reply" }
        return action(program: rpc.program, version: rpc.version, procedure: rpc.procedure, mainOp: mainOp)
    }

    private mutating func action(program: UInt32, version: UInt32, procedure: UInt32, mainOp: Int64?) -> String {
        // programs and versions are 32 bits from the wire: the key mixes them, a hit is checked
        let op = mainOp.map { UInt64(truncatingIfNeeded: $0) & 0xffff } ?? 0xffff
        let key = UInt64(program) << 32 ^ UInt64(version & 0xff) << 24 ^ UInt64(procedure & 0xff) << 16 ^ op
        if version < 256, procedure < 256, let known = actions[key] { return known }
        let text = Self.action(program: program, version: version, procedure: procedure, mainOp: mainOp)
        if version < 256, procedure < 256, actions.count < 4096 { actions[key] = text }
        return text
    }

    private mutating func opName(_ op: Int64, callback: Bool) -> String {
        let i = Int(truncatingIfNeeded: op)
        let count = callback ? callbackOpNames.count : opNames.count
        guard i >= 0, i < count else { return XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: op), callback: callback) }
        if let name = callback ? callbackOpNames[i] : opNames[i] { return name }
        let name = XDRCompound.nfs4OpName(UInt32(i), callback: callback)
        if callback { callbackOpNames[i] = name } else { opNames[i] = name }
        return name
    }

    /// `nfs.GETATTR` (an NFSv4 compound by its main op), `mount.MNT`, `rpc.100099.3`.
    static func action(_ rpc: RPC, mainOp: Int64?) -> String {
        guard rpc.isCall || rpc.callSeen else { return "rpc.reply" }
        return action(program: rpc.program, version: rpc.version, procedure: rpc.procedure, mainOp: mainOp)
    }

    static func action(program: UInt32, version: UInt32, procedure: UInt32, mainOp: Int64?) -> String {
        let proto = protocolName(program)
        if let mainOp, program == nfsProgram || isCallbackProgram(program) {
            return proto + "." + XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: mainOp), callback: isCallbackProgram(program))
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

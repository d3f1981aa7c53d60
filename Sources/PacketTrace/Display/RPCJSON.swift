import Decode

/// The `rpc` object of a packet's JSON: the header, the credential, the reply's states, and
/// the pairing with the call.
enum RPCJSON {
    static func append(_ rpc: RPC, message: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        out.field("xid", rpc.xid)
        out.field("type", rpc.isCall ? "call" : "reply")
        if rpc.isCall || rpc.callSeen {
            if rpc.isCall { out.field("rpc_version", rpc.rpcVersion) }
            out.field("program", rpc.program)
            out.field("version", rpc.version)
            out.field("procedure", rpc.procedure)
        }
        if rpc.isCall {
            out.object("cred") { out in appendCredential(rpc.credential, message: message, to: &out) }
            out.object("verf") { out in
                out.field("flavor", RPCConstants.flavorName(rpc.verifierFlavor))
                out.field("length", rpc.verifier.count)
            }
            if rpc.retransmission { out.field("retransmission", true) }
        } else {
            out.field("reply_status", rpc.replyStatus)
            if rpc.replyStatus == 0 {
                out.field("accept_status", rpc.acceptStatus)
                out.object("verf") { out in
                    out.field("flavor", RPCConstants.flavorName(rpc.verifierFlavor))
                    out.field("length", rpc.verifier.count)
                    // RFC 9289 section 4.1: the server's answer to the AUTH_TLS probe.
                    if rpc.verifier.count == 8, bytes(message, rpc.verifier) == Array("STARTTLS".utf8) {
                        out.field("starttls", true)
                    }
                }
            } else {
                out.field("reject_status", rpc.rejectStatus)
                if rpc.rejectStatus == 1 { out.field("auth_status", rpc.authStatus) }
            }
            if (rpc.replyStatus == 0 && rpc.acceptStatus == 2) || (rpc.replyStatus == 1 && rpc.rejectStatus == 0) {
                out.object("mismatch") { out in
                    out.field("low", rpc.mismatchLow)
                    out.field("high", rpc.mismatchHigh)
                }
            }
            out.field("status", statusText(rpc))
            out.field("call_seen", rpc.callSeen)
            if rpc.callSeen {
                out.key("latency")
                appendSeconds(rpc.latency, to: &out)
                out.field("call_frame", rpc.callFrame)
                out.field("call_index", rpc.callIndex)
                if rpc.credential.flavor == RPCConstants.rpcsecGSS {
                    out.object("cred") { out in appendCredential(rpc.credential, message: message, to: &out) }
                }
            }
            if rpc.duplicateReply { out.field("duplicate_reply", true) }
        }
        if rpc.fragments > 0 {
            out.field("fragments", rpc.fragments)
            out.field("record_length", rpc.recordLength)
        }
        if rpc.missingBytes > 0 { out.field("missing_bytes", rpc.missingBytes) }
        if rpc.frame != 0 { out.field("frame", rpc.frame) }
        if rpc.gssIntegritySequence >= 0 { out.field("integrity_seq_num", rpc.gssIntegritySequence) }
    }

    static func appendCredential(_ c: RPCCredential, message: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        out.field("flavor", RPCConstants.flavorName(c.flavor))
        switch c.flavor {
        case RPCConstants.authSys:
            out.field("stamp", c.stamp)
            out.field("machinename", String(decoding: bytes(message, c.machineName), as: UTF8.self))
            out.field("uid", c.uid)
            out.field("gid", c.gid)
            out.key("gids")
            out.jsonBeginArray()
            for i in 0..<c.gidCount {
                if i > 0 { out.append(byte: UInt8(ascii: ",")) }
                out.append(c.gids[i])
            }
            out.jsonEndArray()
        case RPCConstants.rpcsecGSS:
            if c.gssVersion != 0 { out.field("gss_version", c.gssVersion) }
            out.field("gss_proc", RPCConstants.gssProcedureName(c.gssProcedure))
            if c.gssVersion != 0 { out.field("seq_num", c.gssSequence) }
            out.field("service", RPCConstants.gssServiceName(c.gssService))
            if c.gssHandle.count > 0 {
                out.key("handle")
                out.append(byte: UInt8(ascii: "\""))
                TapeText.appendHexBytes(message, c.gssHandle, to: &out)
                out.append(byte: UInt8(ascii: "\""))
            }
        default:
            if c.body.count > 0 { out.field("length", c.body.count) }
        }
    }

    /// A reply's outcome in words: SUCCESS, PROG_MISMATCH, AUTH_ERROR:AUTH_TOOWEAK…
    static func statusText(_ rpc: RPC) -> String {
        if rpc.replyStatus == 0 { return RPCConstants.acceptStatusName(rpc.acceptStatus) }
        if rpc.rejectStatus == 1 { return "AUTH_ERROR:" + RPCConstants.authStatusName(rpc.authStatus) }
        return RPCConstants.rejectStatusName(rpc.rejectStatus)
    }

    /// Nanoseconds as seconds with all nine decimals, exactly.
    static func appendSeconds(_ ns: Int64, to out: inout TextBuffer) {
        if ns < 0 { out.append(byte: UInt8(ascii: "-")) }
        let magnitude = ns.magnitude
        out.append(magnitude / 1_000_000_000)
        out.append(byte: UInt8(ascii: "."))
        out.appendDecimal(magnitude % 1_000_000_000, minimumDigits: 9)
    }

    static func bytes(_ message: UnsafeRawBufferPointer, _ r: ByteRange) -> [UInt8] {
        guard r.count > 0, r.end <= message.count else { return [] }
        return Array(message[r.offset..<r.end])
    }
}

import Decode

/// The `rpc` object of a packet's JSON: the header, the credential, the reply's states, and
/// the pairing with the call.
enum RPCJSON {
    static func append(_ rpc: RPC, message: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        out.field(.rpcXID, rpc.xid)
        out.field(.rpcType, rpc.isCall ? "call" : "reply")
        if rpc.isCall || rpc.callSeen {
            if rpc.isCall { out.field(.rpcVersion, rpc.rpcVersion) }
            out.field(.rpcProgram, rpc.program)
            out.field(.rpcProgramVersion, rpc.version)
            out.field(.rpcProcedure, rpc.procedure)
        }
        if rpc.isCall {
            out.object(.rpcCredential) { out in appendCredential(rpc.credential, message: message, to: &out) }
            out.object(.rpcVerifier) { out in
                out.field(.rpcVerifierFlavor, RPCConstants.flavorName(rpc.verifierFlavor))
                out.field(.rpcVerifierLength, rpc.verifier.count)
            }
            if rpc.retransmission { out.field(.rpcRetransmission, true) }
        } else {
            out.field(.rpcReplyStatus, rpc.replyStatus)
            if rpc.replyStatus == 0 {
                out.field(.rpcAcceptStatus, rpc.acceptStatus)
                out.object(.rpcVerifier) { out in
                    out.field(.rpcVerifierFlavor, RPCConstants.flavorName(rpc.verifierFlavor))
                    out.field(.rpcVerifierLength, rpc.verifier.count)
                    // RFC 9289 section 4.1: the server's answer to the AUTH_TLS probe.
                    if rpc.verifier.count == 8, bytes(message, rpc.verifier) == Array("STARTTLS".utf8) {
                        out.field(.rpcVerifierSTARTTLS, true)
                    }
                }
            } else {
                out.field(.rpcRejectStatus, rpc.rejectStatus)
                if rpc.rejectStatus == 1 { out.field(.rpcAuthStatus, rpc.authStatus) }
            }
            if (rpc.replyStatus == 0 && rpc.acceptStatus == 2) || (rpc.replyStatus == 1 && rpc.rejectStatus == 0) {
                out.object(.rpcMismatch) { out in
                    out.field(.rpcMismatchLow, rpc.mismatchLow)
                    out.field(.rpcMismatchHigh, rpc.mismatchHigh)
                }
            }
            out.field(.rpcStatus, RPCConstants.statusText(rpc))
            out.field(.rpcCallSeen, rpc.callSeen)
            if rpc.callSeen {
                out.key(.rpcLatency)
                appendSeconds(rpc.latency, to: &out)
                out.field(.rpcCallFrame, rpc.callFrame)
                out.field(.rpcCallIndex, rpc.callIndex)
                if rpc.credential.flavor == RPCConstants.rpcsecGSS {
                    out.object(.rpcCredential) { out in appendCredential(rpc.credential, message: message, to: &out) }
                }
            }
            if rpc.duplicateReply { out.field(.rpcDuplicateReply, true) }
        }
        if rpc.fragments > 0 {
            out.field(.rpcFragments, rpc.fragments)
            out.field(.rpcRecordLength, rpc.recordLength)
        }
        if rpc.missingBytes > 0 { out.field(.rpcMissingBytes, rpc.missingBytes) }
        if rpc.frame != 0 { out.field(.rpcFrame, rpc.frame) }
        if rpc.gssIntegritySequence >= 0 { out.field(.rpcIntegritySequence, rpc.gssIntegritySequence) }
    }

    static func appendCredential(_ c: RPCCredential, message: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        out.field(.rpcCredentialFlavor, RPCConstants.flavorName(c.flavor))
        switch c.flavor {
        case RPCConstants.authSys:
            out.field(.rpcCredentialStamp, c.stamp)
            out.field(.rpcCredentialMachineName, String(decoding: bytes(message, c.machineName), as: UTF8.self))
            out.field(.rpcCredentialUID, c.uid)
            out.field(.rpcCredentialGID, c.gid)
            out.key(.rpcCredentialGIDs)
            out.jsonBeginArray()
            for i in 0..<c.gidCount {
                if i > 0 { out.append(byte: UInt8(ascii: ",")) }
                out.append(c.gids[i])
            }
            out.jsonEndArray()
        case RPCConstants.rpcsecGSS:
            if c.gssVersion != 0 { out.field(.rpcCredentialGSSVersion, c.gssVersion) }
            out.field(.rpcCredentialGSSProcedure, RPCConstants.gssProcedureName(c.gssProcedure))
            if c.gssVersion != 0 { out.field(.rpcCredentialGSSSequence, c.gssSequence) }
            out.field(.rpcCredentialGSSService, RPCConstants.gssServiceName(c.gssService))
            if c.gssHandle.count > 0 {
                out.key(.rpcCredentialGSSHandle)
                out.append(byte: UInt8(ascii: "\""))
                TapeText.appendHexBytes(message, c.gssHandle, to: &out)
                out.append(byte: UInt8(ascii: "\""))
            }
        default:
            if c.body.count > 0 { out.field(.rpcCredentialLength, c.body.count) }
        }
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

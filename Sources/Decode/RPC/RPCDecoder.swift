/// Decodes the RPC message header; the program's body is left to the program decoders.
public enum RPCDecoder {
    /// The smallest call: xid, type, rpcvers, prog, vers, proc, two empty opaque_auths.
    public static let minimumCallLength = 40
    /// The smallest reply: xid, type, reply_stat, then a denial's two words or an empty
    /// verifier and accept_stat.
    public static let minimumReplyLength = 20

    /// A call cut by the snaplen is still believed when this much of it (through the procedure
    /// number) was captured and looks right, as tshark decodes such headers.
    public static let minimumCutCallLength = 24

    /// True when the bytes at `offset` look like the start of an RPC message: the validity
    /// check that lets pktt find RPC on any port (message type, RPC version 2, known auth
    /// flavors, lengths within MAX_AUTH_BYTES, defined reply states). `cut`: the message goes
    /// on past `end` on the wire, but the capture stops there.
    public static func isPlausible(_ b: UnsafeRawBufferPointer, at offset: Int, end: Int, cut: Bool = false) -> Bool {
        guard offset >= 0, end <= b.count else { return false }
        let available = end - offset
        guard available >= minimumReplyLength || (cut && available >= minimumCutCallLength) else { return false }
        let type = b.u32(offset + 4)
        if type == RPCConstants.call {
            guard available >= minimumCallLength || (cut && available >= minimumCutCallLength),
                  b.u32(offset + 8) == 2 else { return false }
            let version = b.u32(offset + 16)
            guard version < 64 else { return false }  // no program has more versions
            guard available >= 32 else { return true }  // cut before the credential
            let flavor = b.u32(offset + 24), length = Int(b.u32(offset + 28))
            guard RPCConstants.isKnownFlavor(flavor), length <= RPCConstants.maximumAuthBytes else { return false }
            let verifier = offset + 32 + ((length + 3) & ~3)
            guard verifier + 8 <= end else { return verifier <= end }  // a cut call: what we saw fits
            let verifierFlavor = b.u32(verifier), verifierLength = Int(b.u32(verifier + 4))
            return RPCConstants.isKnownFlavor(verifierFlavor) && verifierLength <= RPCConstants.maximumAuthBytes
        }
        guard type == RPCConstants.reply, available >= minimumReplyLength else { return false }
        switch b.u32(offset + 8) {
        case 0:
            let flavor = b.u32(offset + 12), length = Int(b.u32(offset + 16))
            guard RPCConstants.isKnownFlavor(flavor), length <= RPCConstants.maximumAuthBytes else { return false }
            let status = offset + 20 + ((length + 3) & ~3)
            guard status + 4 <= end else { return status <= end }
            return b.u32(status) <= 5
        case 1:
            guard end - offset >= 16 else { return false }
            let reject = b.u32(offset + 12)
            return reject == 0 || (reject == 1 && b.u32(offset + 16) <= 14)
        default:
            return false
        }
    }

    /// Decodes the header of the message in `range` into `rpc` (its pairing fields untouched).
    /// `truncated`: the message's end is missing from the capture.
    public static func decode(_ b: UnsafeRawBufferPointer, range: ByteRange, truncated: Bool,
                              into rpc: inout RPC) throws(DecodeError) {
        var r = XDRReader(b, range: range, layer: .rpc, truncated: truncated)
        rpc.message = range
        rpc.xid = try r.uint32()
        let typeAt = r.offset
        rpc.messageType = try r.uint32()
        switch rpc.messageType {
        case RPCConstants.call:
            let versionAt = r.offset
            rpc.rpcVersion = try r.uint32()
            guard rpc.rpcVersion == 2 else { throw DecodeError(.badVersion, layer: .rpc, offset: versionAt) }
            rpc.program = try r.uint32()
            rpc.version = try r.uint32()
            rpc.procedure = try r.uint32()
            try decodeCredential(&r, into: &rpc.credential)
            rpc.verifierFlavor = try r.uint32()
            rpc.verifier = try r.opaque(maximum: RPCConstants.maximumAuthBytes)
        case RPCConstants.reply:
            let statusAt = r.offset
            rpc.replyStatus = try r.uint32()
            switch rpc.replyStatus {
            case 0:
                rpc.verifierFlavor = try r.uint32()
                rpc.verifier = try r.opaque(maximum: RPCConstants.maximumAuthBytes)
                let acceptAt = r.offset
                rpc.acceptStatus = try r.uint32()
                switch rpc.acceptStatus {
                case 2:
                    rpc.mismatchLow = try r.uint32()
                    rpc.mismatchHigh = try r.uint32()
                case 0, 1, 3, 4, 5: break
                default: throw DecodeError(.badValue, layer: .rpc, offset: acceptAt)
                }
            case 1:
                let rejectAt = r.offset
                rpc.rejectStatus = try r.uint32()
                switch rpc.rejectStatus {
                case 0:
                    rpc.mismatchLow = try r.uint32()
                    rpc.mismatchHigh = try r.uint32()
                case 1:
                    rpc.authStatus = try r.uint32()
                default: throw DecodeError(.badValue, layer: .rpc, offset: rejectAt)
                }
            default:
                throw DecodeError(.badValue, layer: .rpc, offset: statusAt)
            }
        default:
            throw DecodeError(.badValue, layer: .rpc, offset: typeAt)
        }
        rpc.body = ByteRange(offset: r.offset, count: r.end - r.offset)
    }

    static func decodeCredential(_ r: inout XDRReader, into c: inout RPCCredential) throws(DecodeError) {
        c.flavor = try r.uint32()
        c.body = try r.opaque(maximum: RPCConstants.maximumAuthBytes)
        c.gidCount = 0
        // The body is parsed on its own reader, so a malformed body cannot run past it.
        var body = XDRReader(r.bytes, range: c.body, layer: .rpc, truncated: false)
        switch c.flavor {
        case RPCConstants.authSys:
            c.stamp = try body.uint32()
            c.machineName = try body.opaque(maximum: RPCConstants.maximumMachineName)
            c.uid = try body.uint32()
            c.gid = try body.uint32()
            let count = try body.arrayCount(maximum: RPCConstants.maximumGids)
            for i in 0..<count { c.gids[i] = try body.uint32() }
            c.gidCount = count
        case RPCConstants.rpcsecGSS:
            c.gssVersion = try body.uint32()
            c.gssProcedure = try body.uint32()
            c.gssSequence = try body.uint32()
            c.gssService = try body.uint32()
            c.gssHandle = try body.opaque(maximum: RPCConstants.maximumGSSHandle)
        default:
            break  // AUTH_NONE and AUTH_TLS carry nothing; AUTH_SHORT/AUTH_DH stay opaque
        }
    }
}

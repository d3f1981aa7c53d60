import Decode

/// The seed's one-line RPC summary: program name padded to 5, version padded to 4, call or
/// reply, `xid:0x…`, the procedure padded to 10, the program's own summary, and the status of a
/// reply that did not succeed.
///
///     NFS   v3   call  xid:0x77234060 WRITE      FH:0x72f16008 off:0 len:70000 UNSTABLE
///     PORTMAP v2 reply xid:0x0de64576 GETPORT    port:2049
///     RPC   reply xid:0x0de64577 PROG_MISMATCH
enum RPCLine {
    static func append(_ p: Packet, tape: Tape, message: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        let rpc = p.rpc
        let known = rpc.isCall || rpc.callSeen
        let name = known ? RPCPrograms.name(program: rpc.program, version: rpc.version) : nil
        if !known {
            out.append("RPC   reply xid:")
            out.appendHex(UInt64(rpc.xid), digits: 8)
        } else {
            out.append(name ?? "RPC", paddedTo: 5)
            out.append(byte: UInt8(ascii: " "))
            out.append(rpc.minorVersion >= 0 ? "v\(rpc.version).\(rpc.minorVersion)" : "v\(rpc.version)",
                       paddedTo: 4)
            out.append(byte: UInt8(ascii: " "))
            out.append(rpc.isCall ? "call " : "reply")
            out.append(" xid:")
            out.appendHex(UInt64(rpc.xid), digits: 8)
            out.append(byte: UInt8(ascii: " "))
            let opsStart = out.bytes.count
            if programLayer(p) != nil,
               TapeSummary.appendOperations(tape, program: rpc.program, version: rpc.version,
                                            procedure: rpc.procedure, isReply: !rpc.isCall, to: &out) {
                // A compound shows its ops where other programs show the procedure (the seed
                // pads that column to 25).
                let written = out.bytes.count - opsStart
                if written < 25 { out.append(String(repeating: " ", count: 25 - written)) }
            } else if let procedure = RPCPrograms.procedureName(program: rpc.program, version: rpc.version,
                                                                procedure: rpc.procedure) {
                out.append(procedure, paddedTo: 10)
            } else {
                out.append("prog:\(rpc.program) proc:\(rpc.procedure)")
            }
            if programLayer(p) != nil {
                let start = out.bytes.count
                out.append(byte: UInt8(ascii: " "))
                TapeSummary.append(tape, bytes: message, program: rpc.program, version: rpc.version,
                                   procedure: rpc.procedure, isReply: !rpc.isCall, to: &out)
                if out.bytes.count == start + 1 { out.dropLast(1) }  // the body had nothing to say
            }
        }
        if !rpc.isCall && !rpc.isSuccess {
            out.append(byte: UInt8(ascii: " "))
            out.append(RPCConstants.statusText(rpc))
            if (rpc.replyStatus == 0 && rpc.acceptStatus == 2) || (rpc.replyStatus == 1 && rpc.rejectStatus == 0) {
                out.append("(\(rpc.mismatchLow)-\(rpc.mismatchHigh))")
            }
        }
        out.trimTrailingSpaces()
        if rpc.isCall && rpc.retransmission { out.append(" [retransmission]") }
        if rpc.duplicateReply { out.append(" [duplicate reply]") }
        if rpc.frame != 0 { out.append(" [from frame \(rpc.frame)]") }
    }

    /// The program layer decoded from the body, if any.
    static func programLayer(_ p: Packet) -> Layer? {
        for layer in [Layer.portmap, .mount, .nlm, .nsm, .nfs] where p.has(layer) { return layer }
        return nil
    }
}

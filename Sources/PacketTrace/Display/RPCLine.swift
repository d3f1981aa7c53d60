import Decode

/// The seed's one-line RPC summary, as NFStest 3.2 writes it. A message whose program body was
/// decoded: the program's name padded to 5, the version padded to 4, call or reply padded to 5,
/// `xid:0x…`, the procedure padded to 10 (an NFSv4 compound: its ops padded to 25), then the
/// body's summary and the status of a reply that failed — each after one blank, and nothing when
/// empty, so a padded column may end the line. NFS `NULL` is not padded. Any other RPC message
/// is a bare `RPC` line with the program, version and procedure it is known to have, and a
/// rejected or unsuccessful reply's error.
///
///     NFS   v3   call  xid:0x77234060 WRITE      FH:0x72f16008 off:0 len:70000 UNSTABLE
///     PORTMAP v2   reply xid:0x392f03fd GETPORT    969
///     RPC   call  xid: 0x3626e862, program: 100024, version: 1, procedure: 1
enum RPCLine {
    /// `verbose`: with the words pktt adds to NFStest's summaries (`pktt show -v 2`).
    static func append(_ p: Packet, tape: Tape, message: UnsafeRawBufferPointer, verbose: Bool = false,
                       to out: inout TextBuffer) {
        let rpc = p.rpc
        // NFStest calls the callback program NFS too
        let callback = rpc.program >= 0x4000_0000 && rpc.program < 0x6000_0000
        // NFS NULL has no body to decode, but NFStest names it
        let nfsNull = (rpc.program == 100_003 || callback) && rpc.procedure == 0 && (rpc.isCall || rpc.callSeen)
            && (rpc.isCall || rpc.isSuccess)
        guard programLayer(p) != nil || nfsNull else {
            appendBare(rpc, to: &out)
            return
        }
        out.append(callback ? "NFS" : RPCPrograms.name(program: rpc.program, version: rpc.version) ?? "RPC", paddedTo: 5)
        out.append(byte: UInt8(ascii: " "))
        out.append(rpc.minorVersion >= 0 ? "v\(rpc.version).\(rpc.minorVersion)" : "v\(rpc.version)", paddedTo: 4)
        out.append(byte: UInt8(ascii: " "))
        out.append(rpc.isCall ? "call  xid:" : "reply xid:")
        out.appendHex(UInt64(rpc.xid), digits: 8)
        out.append(byte: UInt8(ascii: " "))
        if nfsNull || (p.has(.nfs) && rpc.procedure == 0) {
            // NFS NULL and CB_NULL: the name alone, neither padded nor followed by anything
            out.append(rpc.program == 100_003 ? "NULL" : "CB_NULL")
            return
        }
        let opsStart = out.bytes.count
        let compound = TapeSummary.appendOperations(tape, program: rpc.program, version: rpc.version,
                                                    procedure: rpc.procedure, isReply: !rpc.isCall, to: &out)
        if compound {
            let written = out.bytes.count - opsStart
            if written < 25 { out.append(String(repeating: " ", count: 25 - written)) }
        } else if let procedure = RPCPrograms.procedureName(program: rpc.program, version: rpc.version,
                                                            procedure: rpc.procedure) {
            out.append(procedure, paddedTo: 10)
        } else {
            out.append("\(rpc.procedure)", paddedTo: 10)
        }
        let start = out.bytes.count
        out.append(byte: UInt8(ascii: " "))
        TapeSummary.append(tape, bytes: message, program: rpc.program, version: rpc.version,
                           procedure: rpc.procedure, isReply: !rpc.isCall, verbose: verbose, to: &out)
        if out.bytes.count == start + 1 { out.dropLast(1) }  // the body had nothing to say
        // a compound that failed: its status (that of the op it stopped at) ends the line
        if compound, !rpc.isCall,
           let analysis = NFSCompoundAnalysis.analyse(tape: tape, program: rpc.program, version: rpc.version,
                                                      procedure: rpc.procedure, isReply: true),
           let at = analysis.statusEntry, tape[at].value != 0 {
            out.append(byte: UInt8(ascii: " "))
            TapeText.appendValue(tape[at], XDRCatalogue.field(tape[at].field), message, to: &out)
        }
    }

    /// `RPC   call  xid: 0x…, program: P, version: V, procedure: N` and, for a reply that did
    /// not succeed, its error as NFStest names it.
    static func appendBare(_ rpc: RPC, to out: inout TextBuffer) {
        out.append(rpc.isCall ? "RPC   call  xid: " : "RPC   reply xid: ")
        out.appendHex(UInt64(rpc.xid), digits: 8)
        if rpc.isCall || rpc.callSeen {
            out.append(", program: \(rpc.program), version: \(rpc.version), procedure: \(rpc.procedure)")
        }
        guard !rpc.isCall, !rpc.isSuccess else { return }
        if rpc.replyStatus == 1 {
            if rpc.rejectStatus == 1 {
                out.append(", AUTH_ERROR(")
                out.append(RPCConstants.authStatusName(rpc.authStatus))
                if rpc.authStatus != 0 && rpc.authStatus < 13 { out.append("_ERR") }
                out.append(")")
            } else {
                out.append(", RPC_MISMATCH(\(rpc.mismatchLow),\(rpc.mismatchHigh))")
            }
        } else if rpc.acceptStatus == 2 {
            out.append(", PROG_MISMATCH_ERR(\(rpc.mismatchLow),\(rpc.mismatchHigh))")
        } else {
            out.append(", ")
            out.append(RPCConstants.acceptStatusName(rpc.acceptStatus))
            out.append("_ERR")
        }
    }

    /// What pktt knows beyond NFStest's line (`pktt show -v 2`).
    static func appendAnnotations(_ rpc: RPC, to out: inout TextBuffer) {
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

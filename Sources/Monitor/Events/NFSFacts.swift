import Decode

/// What an event says about an NFS message, read once from its tape and the compound analysis
/// Decode already does (DESIGN.md: facts derived from a message are computed once, in Decode).
struct NFSFacts {
    /// The compound's analysis (NFSv4), whose ops array the event lists.
    var compound: NFSCompoundAnalysis?
    var callback = false
    var mainOp: Int64?
    var status: Int64?
    var statusName: String?
    var failedOp: Int64?
    var failedIndex: Int?
    /// CRC32 of the file handle the message works on (the main op's current one for NFSv4).
    var fileHandle: UInt32?

    init() {}

    init(_ rpc: RPC, tape: Tape, bytes: UnsafeRawBufferPointer? = nil) {
        guard rpc.isCall || rpc.callSeen else { return }
        if let compound = NFSCompoundAnalysis.analyse(tape: tape, program: rpc.program, version: rpc.version,
                                                      procedure: rpc.procedure, isReply: !rpc.isCall) {
            self.compound = compound
            callback = compound.isCallback
            mainOp = compound.mainOp
            if let entry = compound.statusEntry { setStatus(tape[entry]) }
            failedOp = compound.failedOp
            failedIndex = compound.failedIndex
            if let bytes, let main = compound.mainIndex, let op = compound.fileHandles(tape, atIndex: main),
               let at = op.current {
                fileHandle = CRC32.checksum(bytes, tape[at].byteRange)
            }
            return
        }
        // NFSv2/v3: a reply's results start with the status
        if !rpc.isCall, tape.count > 0, tape[0].kind == .enumeration, XDRCatalogue.field(tape[0].field).name == "status" {
            setStatus(tape[0])
        }
    }

    private mutating func setStatus(_ e: TapeEntry) {
        status = e.signedValue
        let field = XDRCatalogue.field(e.field)
        if field.names != 0 { statusName = XDRCatalogue.name(table: field.names, value: e.signedValue) }
    }
}

import Decode

/// The `nfs` object of a packet's JSON: what every NFS message has at the top (`version`,
/// `minorversion`, `tag`, `ops`, an integer `status`, which op failed and where), then the
/// procedure's own fields as decoded from the XDR, the ops of a compound under `array`.
enum NFSJSON {
    /// Top-level XDR fields written here their own way (or renamed), not again by the tape.
    static let compoundHeader: [UInt16] = [
        NFSCompoundFields.argsTag, NFSCompoundFields.argsMinorVersion,
        NFSCompoundFields.resStatus, NFSCompoundFields.resTag,
        NFSCompoundFields.callbackArgsTag, NFSCompoundFields.callbackArgsMinorVersion,
        NFSCompoundFields.callbackResStatus, NFSCompoundFields.callbackResTag,
    ]
    static let arrays: [(field: UInt16, key: String)] = [
        (NFSCompoundFields.argsArray, "array"), (NFSCompoundFields.resArray, "array"),
        (NFSCompoundFields.callbackArgsArray, "array"), (NFSCompoundFields.callbackResArray, "array"),
    ]

    static func append(_ rpc: RPC, tape: Tape, bytes: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        out.field("version", rpc.version)
        if rpc.minorVersion >= 0 { out.field("minorversion", rpc.minorVersion) }
        let top = 0..<tape.count
        if let array = XDRCompound.operations(tape, program: rpc.program, version: rpc.version,
                                              procedure: rpc.procedure, isReply: !rpc.isCall) {
            if let tag = tape.find(NFSCompoundFields.argsTag, in: top) ?? tape.find(NFSCompoundFields.resTag, in: top)
                ?? tape.find(NFSCompoundFields.callbackArgsTag, in: top) ?? tape.find(NFSCompoundFields.callbackResTag, in: top) {
                out.key("tag")
                out.appendJSONString(text(bytes, tape[tag].byteRange))
            }
            let elements = XDRCompound.elements(tape, array: array)
            out.key("ops")
            out.jsonBeginArray()
            for (n, element) in elements.enumerated() {
                if n > 0 { out.append(byte: UInt8(ascii: ",")) }
                out.append(XDRCompound.opcode(tape, element: element)?.value ?? -1)
            }
            out.jsonEndArray()
            if !rpc.isCall,
               let status = tape.find(NFSCompoundFields.resStatus, in: top) ?? tape.find(NFSCompoundFields.callbackResStatus, in: top) {
                appendStatus(tape[status], to: &out)
                // The server stops at the first op that fails: it is the last result.
                if tape[status].value != 0, let last = elements.last, let (_, op) = XDRCompound.opcode(tape, element: last) {
                    out.field("failed_op", op)
                    out.field("failed_op_name", XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: op),
                                                                       callback: rpc.program != 100_003))
                    out.field("failed_op_index", elements.count - 1)
                }
            }
            TapeJSON.append(tape, bytes: bytes, skipping: compoundHeader, renaming: arrays, to: &out)
            return
        }
        // NFSv2/v3: a reply's results are a union on the status (or the status alone).
        if !rpc.isCall, tape.count > 0, tape[0].kind == .enumeration, XDRCatalogue.field(tape[0].field).name == "status" {
            appendStatus(tape[0], to: &out)
            TapeJSON.append(tape, bytes: bytes, skipping: [tape[0].field], renaming: [], to: &out)
            return
        }
        TapeJSON.append(tape, bytes: bytes, to: &out)
    }

    /// `status` as the integer, `status_name` in words.
    static func appendStatus(_ e: TapeEntry, to out: inout TextBuffer) {
        out.field("status", e.signedValue)
        let field = XDRCatalogue.field(e.field)
        if field.names != 0, let name = XDRCatalogue.name(table: field.names, value: e.signedValue) {
            out.field("status_name", name)
        }
    }

    static func text(_ bytes: UnsafeRawBufferPointer, _ r: ByteRange) -> String {
        guard r.count > 0, r.end <= bytes.count else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r.offset..<r.end]), as: UTF8.self)
    }
}

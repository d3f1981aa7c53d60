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
        if let compound = NFSCompoundAnalysis.analyse(tape: tape, program: rpc.program, version: rpc.version,
                                                      procedure: rpc.procedure, isReply: !rpc.isCall) {
            appendCompound(compound, tape: tape, bytes: bytes, to: &out)
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

    /// The compound as a whole, from its analysis: `tag`, `ops` (numbers in order; an op cut by
    /// the snaplen before its number has none to list), `status`, which op failed and where, and
    /// the file each op works on — `fh` per op (CRC32, null when the message does not show it),
    /// `fh_main` the main op's.
    static func appendCompound(_ compound: NFSCompoundAnalysis, tape: Tape, bytes: UnsafeRawBufferPointer,
                               to out: inout TextBuffer) {
        if let tag = compound.tagEntry {
            out.key("tag")
            out.appendJSONString(text(bytes, tape[tag].byteRange))
        }
        out.key("ops")
        out.jsonBeginArray()
        var first = true
        var i = compound.array + 1
        let end = Int(tape[compound.array].value)
        while i < end {
            if let (_, op) = XDRCompound.opcode(tape, element: i) {
                if !first { out.append(byte: UInt8(ascii: ",")) }
                first = false
                out.append(op)
            }
            i = tape.next(after: i)
        }
        out.jsonEndArray()
        if let status = compound.statusEntry {
            appendStatus(tape[status], to: &out)
            if let op = compound.failedOp, let index = compound.failedIndex {
                out.field("failed_op", op)
                out.field("failed_op_name", XDRCompound.nfs4OpName(UInt32(truncatingIfNeeded: op), callback: compound.isCallback))
                out.field("failed_op_index", index)
            }
        }
        var mainHandle: Int?
        out.key("fh")
        out.jsonBeginArray()
        var handles = compound.fileHandles(tape)
        while let op = handles.next() {
            if op.index > 0 { out.append(byte: UInt8(ascii: ",")) }
            if op.index == compound.mainIndex { mainHandle = op.current }
            if let at = op.current {
                appendHash(tape[at], bytes: bytes, to: &out)
            } else {
                out.append("null")
            }
        }
        out.jsonEndArray()
        if let mainHandle {
            out.object("fh_main") { out in
                out.key("hash")
                appendHash(tape[mainHandle], bytes: bytes, to: &out)
            }
        }
    }

    /// A file handle as the quoted CRC32 of its bytes.
    static func appendHash(_ handle: TapeEntry, bytes: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        out.append(byte: UInt8(ascii: "\""))
        out.appendHexDigits(UInt64(CRC32.checksum(bytes, handle.byteRange)), digits: 8)
        out.append(byte: UInt8(ascii: "\""))
    }

    /// `status` as the integer, `status_name` in words.
    static func appendStatus(_ e: TapeEntry, to out: inout TextBuffer) {
        out.field("status", e.signedValue)
        let field = XDRCatalogue.field(e.field)
        if field.names != 0, let name = XDRCatalogue.name(table: field.names, value: e.signedValue) {
            out.field("status_name", name)
        }
        if e.isUndefined { out.field("status_undefined", true) }
    }

    static func text(_ bytes: UnsafeRawBufferPointer, _ r: ByteRange) -> String {
        guard r.count > 0, r.end <= bytes.count else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r.offset..<r.end]), as: UTF8.self)
    }
}

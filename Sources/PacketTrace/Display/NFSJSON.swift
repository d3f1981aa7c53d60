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
            var first = true
            for element in elements {
                // An op cut by the snaplen before its number has none to list.
                guard let (_, op) = XDRCompound.opcode(tape, element: element) else { continue }
                if !first { out.append(byte: UInt8(ascii: ",")) }
                first = false
                out.append(op)
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
            appendFileHandles(tape, bytes: bytes, elements: elements, isReply: !rpc.isCall,
                              main: XDRCompound.mainElement(tape, array: array), to: &out)
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

    /// The file each op works on: the current filehandle when it runs, followed through the
    /// compound (RFC 8881 section 16.2.3: PUTFH sets it, SAVEFH/RESTOREFH keep and bring it
    /// back, LOOKUP/OPEN/CREATE… move it to an object whose handle only a GETFH in the reply
    /// shows). `fh` lists them per op (CRC32, null when not visible); `fh_main` is the main op's.
    static func appendFileHandles(_ tape: Tape, bytes: UnsafeRawBufferPointer, elements: [Int], isReply: Bool,
                                  main: Int?, to out: inout TextBuffer) {
        var current: UInt32?, saved: UInt32?
        var perOp: [UInt32?] = []
        perOp.reserveCapacity(elements.count)
        // Where the current object last changed to one the message has not shown yet: a GETFH
        // in the reply shows it for every op since.
        var since = 0
        for (n, element) in elements.enumerated() {
            guard let (_, op) = XDRCompound.opcode(tape, element: element) else {
                perOp.append(nil)
                continue
            }
            let handle = XDRCompound.fileHandle(tape, element: element).map { CRC32.checksum(bytes, $0) }
            switch op {
            case 22:  // PUTFH: its argument (not echoed in the reply)
                current = isReply ? nil : handle
                since = n
            case 23, 24:  // PUTPUBFH, PUTROOTFH: a handle the message does not show
                current = nil
                since = n
            default: break
            }
            perOp.append(current)
            if op == 10, isReply, let handle {  // GETFH shows the current object
                current = handle
                for j in since...n where perOp[j] == nil { perOp[j] = handle }
            }
            switch op {
            case 32: saved = current  // SAVEFH
            case 31:  // RESTOREFH
                current = saved
                since = n + 1
            case 6, 15, 16, 18, 19, 33, 52:  // CREATE, LOOKUP(P), OPEN, OPENATTR, SECINFO(_NO_NAME)
                current = nil
                since = n + 1
            default: break
            }
        }
        let mainHash = main.flatMap { m in elements.firstIndex(of: m) }.flatMap { perOp[$0] }
        out.key("fh")
        out.jsonBeginArray()
        for (n, hash) in perOp.enumerated() {
            if n > 0 { out.append(byte: UInt8(ascii: ",")) }
            if let hash {
                out.append(byte: UInt8(ascii: "\""))
                out.appendHexDigits(UInt64(hash), digits: 8)
                out.append(byte: UInt8(ascii: "\""))
            } else {
                out.append("null")
            }
        }
        out.jsonEndArray()
        if let mainHash {
            out.object("fh_main") { out in
                out.key("hash")
                out.append(byte: UInt8(ascii: "\""))
                out.appendHexDigits(UInt64(mainHash), digits: 8)
                out.append(byte: UInt8(ascii: "\""))
            }
        }
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

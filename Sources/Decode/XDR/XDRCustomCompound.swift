/// Compound procedures (NFSv4 COMPOUND and CB_COMPOUND): a procedure whose display format has a
/// `{*array}` word carries an array of unions — the ops — each arm with a format of its own
/// (`@call` / `@reply` on the arms, `@rank` for which op is the main one; xdr/README.md).
///
/// On the tape the array is an `.arrayBegin`; each element a `.structBegin` whose first entry is
/// the discriminant (the op number, an enumeration) and whose second, when the arm is not void,
/// is the arm (`opread`, `opgetattr`…). What the ops mean together (the main op, the failed op,
/// the file each works on) is `NFSCompoundAnalysis`.
public enum XDRCompound {
    /// The tape index of the ops array (`argarray` / `resarray`) of a compound call or reply;
    /// nil when the procedure is not a compound or the array is not on the tape.
    public static func operations(_ tape: Tape, program: UInt32, version: UInt32, procedure: UInt32,
                                  isReply: Bool) -> Int? {
        // through a buffer pointer: iterating the slice itself costs a malloc per item in a debug build
        XDRCatalogue.summary(program: program, version: version, procedure: procedure, isReply: isReply)
            .withUnsafeBufferPointer { items -> Int? in
                for item in items where item.style == .arms {
                    guard let at = tape.find(path: item.path), tape[at].kind == .arrayBegin else { return nil }
                    return at
                }
                return nil
            }
    }

    /// The tape indexes of the elements (ops) of the array at `array`.
    public static func elements(_ tape: Tape, array: Int) -> [Int] {
        var out: [Int] = []
        var i = array + 1
        let end = Int(tape[array].value)
        while i < end {
            out.append(i)
            i = tape.next(after: i)
        }
        return out
    }

    /// The op of an element: its discriminant's field and value (`nfs_argop4.argop`, 25).
    public static func opcode(_ tape: Tape, element: Int) -> (discriminant: UInt16, value: Int64)? {
        let e = tape[element]
        guard e.kind == .structBegin, element + 1 < Int(e.value) else { return nil }
        let d = tape[element + 1]
        return (d.field, d.signedValue)
    }

    /// The op's display name: the discriminant's enum name without its `OP_` prefix (`READ`,
    /// `CB_SEQUENCE`); the number when the enum has no name for it.
    public static func name(discriminant: UInt16, value: Int64) -> String {
        let field = XDRCatalogue.field(discriminant)
        guard field.names != 0, let name = XDRCatalogue.name(table: field.names, value: value) else {
            return String(value)
        }
        return name.hasPrefix("OP_") ? String(name.dropFirst(3)) : name
    }

    /// The NFSv4 op name of op number `op` (`nfs_opnum4`, or `nfs_cb_opnum4` when `callback`).
    public static func nfs4OpName(_ op: UInt32, callback: Bool = false) -> String {
        name(discriminant: callback ? NFS4XDR.F.nfs_cb_argop4_argop : NFS4XDR.F.nfs_argop4_argop,
             value: Int64(op))
    }

    /// Follows `path` (field ids) inside `range`, as `Tape.find(path:)` does from the top level.
    public static func find(_ tape: Tape, path: [UInt16], in range: Range<Int>) -> Int? {
        // through a buffer pointer: iterating the array costs a malloc per step in a debug build
        path.withUnsafeBufferPointer { find(tape, path: $0, in: range) }
    }

    static func find(_ tape: Tape, path: UnsafeBufferPointer<UInt16>, in range: Range<Int>) -> Int? {
        var range = range
        var found: Int?
        for id in path {
            if let at = found {
                let e = tape[at]
                guard e.isBegin else { return nil }
                range = (at + 1)..<Int(e.value)
                if e.kind == .arrayBegin {
                    guard !range.isEmpty else { return nil }
                    let first = tape[range.lowerBound]
                    if first.kind == .structBegin { range = (range.lowerBound + 1)..<Int(first.value) }
                }
            }
            guard let at = tape.find(id, in: range) else { return nil }
            found = at
        }
        return found
    }
}

/// The field ids of the NFSv4 COMPOUND and CB_COMPOUND headers, for writers outside Decode.
public enum NFSCompoundFields {
    public static let argsTag = NFS4XDR.F.COMPOUND4args_tag
    public static let argsMinorVersion = NFS4XDR.F.COMPOUND4args_minorversion
    public static let argsArray = NFS4XDR.F.COMPOUND4args_argarray
    public static let resStatus = NFS4XDR.F.COMPOUND4res_status
    public static let resTag = NFS4XDR.F.COMPOUND4res_tag
    public static let resArray = NFS4XDR.F.COMPOUND4res_resarray
    public static let callbackArgsTag = NFS4XDR.F.CB_COMPOUND4args_tag
    public static let callbackArgsMinorVersion = NFS4XDR.F.CB_COMPOUND4args_minorversion
    public static let callbackArgsArray = NFS4XDR.F.CB_COMPOUND4args_argarray
    public static let callbackResStatus = NFS4XDR.F.CB_COMPOUND4res_status
    public static let callbackResTag = NFS4XDR.F.CB_COMPOUND4res_tag
    public static let callbackResArray = NFS4XDR.F.CB_COMPOUND4res_resarray
}

extension XDRCompound {
    /// The tape index of the first file handle inside the element at `element` (PUTFH's
    /// `object`, GETFH's result).
    public static func fileHandleEntry(_ tape: Tape, element: Int) -> Int? {
        let e = tape[element]
        guard e.kind == .structBegin else { return nil }
        var i = element + 1
        while i < Int(e.value) {
            let entry = tape[i]
            if entry.kind == .opaque, XDRCatalogue.field(entry.field).hint == .fileHandle { return i }
            i += 1
        }
        return nil
    }
}

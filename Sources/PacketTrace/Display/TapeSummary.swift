import Decode

/// The seed-style one-line summary of a decoded RPC body: the text after the procedure name
/// (`/export`, `port:2049`, `FH:0x1234abcd off:0 len:100 excl`), from the procedure's display
/// format in its .x file (`@call` / `@reply`, see xdr/README.md). Words are separated by one space;
/// a word whose value is not on the tape is left out, so an error reply shows just its status.
/// Nothing is written when the procedure has no format; never a leading or trailing space.
public enum TapeSummary {
    /// `verbose`: also the words pktt adds beyond NFStest's (after `||` in a format).
    public static func append(_ tape: Tape, bytes: UnsafeRawBufferPointer, program: UInt32, version: UInt32,
                              procedure: UInt32, isReply: Bool, verbose: Bool = false, to out: inout TextBuffer) {
        var first = true
        // through a buffer pointer: iterating the slice itself costs a malloc per item in a debug build
        XDRCatalogue.summary(program: program, version: version, procedure: procedure, isReply: isReply)
            .withUnsafeBufferPointer { items in
                for item in items {
                    appendItem(item, tape, bytes, 0..<tape.count,
                               Side(isReply: isReply, isCallback: program != 100_003, verbose: verbose),
                               nil, &first, &out)
                }
            }
    }

    /// Which message a format is written for: a compound's ops and file handles depend on it.
    struct Side {
        let isReply: Bool
        let isCallback: Bool
        /// pktt's own words too (`pktt show -v 2`)
        var verbose = false
    }

    /// The op list of a compound (NFSv4 COMPOUND, CB_COMPOUND): the ops' names joined by `;`
    /// (`SEQUENCE;PUTFH;GETATTR`), for the procedure column. Returns false, writing nothing, when
    /// the procedure is not a compound (its format has no `{*array}` word) or its ops are not on
    /// the tape.
    @discardableResult
    public static func appendOperations(_ tape: Tape, program: UInt32, version: UInt32, procedure: UInt32,
                                        isReply: Bool, to out: inout TextBuffer) -> Bool {
        guard let array = XDRCompound.operations(tape, program: program, version: version, procedure: procedure,
                                                 isReply: isReply) else { return false }
        var i = array + 1
        let end = Int(tape[array].value)
        var first = true
        while i < end {
            if let (d, v) = XDRCompound.opcode(tape, element: i) {
                if !first { out.append(byte: UInt8(ascii: ";")) }
                first = false
                appendOpName(d, v, &out)
            }
            i = tape.next(after: i)
        }
        return true
    }

    /// `XDRCompound.name` written without building a String: the enum name after `OP_`.
    static func appendOpName(_ discriminant: UInt16, _ value: Int64, _ out: inout TextBuffer) {
        let field = XDRCatalogue.field(discriminant)
        guard field.names != 0, let name = XDRCatalogue.name(table: field.names, value: value) else {
            out.append(value)
            return
        }
        var skip = name.hasPrefix("OP_") ? 3 : 0
        for b in name.utf8 {
            if skip > 0 { skip -= 1; continue }
            out.append(byte: b)
        }
    }

    /// The one-line summary of the op at position `index` of a compound (its arm's `@call` /
    /// `@reply` format); nothing when the op has none.
    public static func appendOperation(_ tape: Tape, bytes: UnsafeRawBufferPointer, compound: NFSCompoundAnalysis,
                                       index: Int, to out: inout TextBuffer) {
        guard let op = compound.fileHandles(tape, atIndex: index) else { return }
        var first = true
        appendElement(tape, bytes, compound, op, &first, &out)
    }

    static func appendElement(_ tape: Tape, _ bytes: UnsafeRawBufferPointer, _ compound: NFSCompoundAnalysis,
                              _ op: NFSCompoundFileHandles.Op, verbose: Bool = false, _ first: inout Bool,
                              _ out: inout TextBuffer) {
        guard let (d, v) = XDRCompound.opcode(tape, element: op.element) else { return }
        let range = (op.element + 1)..<Int(tape[op.element].value)
        let side = Side(isReply: compound.isReply, isCallback: compound.isCallback, verbose: verbose)
        XDRCatalogue.armSummary(discriminant: d, value: v).withUnsafeBufferPointer { items in
            for item in items { appendItem(item, tape, bytes, range, side, op, &first, &out) }
        }
    }

    static func appendItem(_ item: XDRSummaryItem, _ tape: Tape, _ bytes: UnsafeRawBufferPointer,
                           _ range: Range<Int>, _ side: Side, _ op: NFSCompoundFileHandles.Op?,
                           _ first: inout Bool, _ out: inout TextBuffer) {
        if item.verbose && !side.verbose { return }
        if !item.guardPath.isEmpty {
            guard let g = XDRCompound.find(tape, path: item.guardPath, in: range) else { return }
            if let value = item.guardValue, tape[g].signedValue != value { return }
        }
        if item.style == .literal {
            // `~` (a joined blank) only after something: an op that shows nothing stays empty
            if item.joined && item.prefix == " " && first { return }
            word(item, &first, &out) { _ in }
            return
        }
        if item.style == .currentFH || item.style == .savedFH {
            // NFStest's current (saved) file handle where the op was decoded; `FH:` alone when
            // the message does not show it (after PUTROOTFH)
            let handle = item.style == .currentFH ? op?.current : op?.saved
            word(item, &first, &out) { out in
                if let at = handle { TapeText.appendValue(tape[at], XDRCatalogue.field(tape[at].field), bytes, to: &out) }
            }
            return
        }
        guard let at = XDRCompound.find(tape, path: item.path, in: range) else { return }
        let e = tape[at]
        let field = XDRCatalogue.field(e.field)
        switch item.style {
        case .literal, .currentFH, .savedFH:
            break
        case .arms:
            guard e.kind == .arrayBegin else { return }
            let compound = NFSCompoundAnalysis(tape: tape, array: at, isReply: side.isReply, isCallback: side.isCallback)
            NFStestCompound.appendBody(tape, bytes, compound, verbose: side.verbose, &first, &out)
        case .count:
            guard e.kind == .arrayBegin || e.kind == .opaque || e.kind == .string else { return }
            word(item, &first, &out) { $0.append(e.count) }
        case .ifTrue:
            guard e.kind != .absent, e.value != 0 else { return }
            word(item, &first, &out) { _ in }
        case .nonZero:
            guard e.kind != .absent, e.value != 0 else { return }
            word(item, &first, &out) { TapeText.appendValue(e, field, bytes, to: &$0) }
        case .hex:
            guard !e.isBegin, e.kind != .absent, e.kind != .opaque, e.kind != .string else { return }
            let digits = max(Int(item.digits), 1, (64 - e.value.leadingZeroBitCount + 3) / 4)
            word(item, &first, &out) { $0.appendHex(e.value, digits: digits) }
        case .crc32, .crc16:
            guard e.kind == .opaque || e.kind == .string else { return }
            word(item, &first, &out) { out in
                if item.style == .crc32 {
                    out.appendHex(UInt64(CRC32.checksum(bytes, e.byteRange)), digits: 8)
                } else {
                    out.appendHex(UInt64(CRC16.checksum(bytes, e.byteRange)), digits: 4)
                }
            }
        case .tail:
            guard !e.isBegin, e.kind != .absent else { return }
            word(item, &first, &out) { out in
                if let name = TapeText.name(e, field), let cut = name.lastIndex(of: "_") {
                    out.append(String(name[name.index(after: cut)...]))
                } else {
                    TapeText.appendValue(e, field, bytes, to: &out)
                }
            }
        case .list:
            guard e.kind == .arrayBegin else { return }
            word(item, &first, &out) { out in
                out.append(byte: UInt8(ascii: "["))
                var j = at + 1, n = 0
                while j < Int(e.value) {
                    if n > 0 { out.append(", ") }
                    TapeText.appendValue(tape[j], XDRCatalogue.field(tape[j].field), bytes, to: &out)
                    n += 1
                    j = tape.next(after: j)
                }
                out.append(byte: UInt8(ascii: "]"))
            }
        case .umax:
            guard e.kind == .uint32 || e.kind == .uint64 else { return }
            word(item, &first, &out) { out in
                if e.kind == .uint32 && e.value == 0xffff_ffff {
                    out.append("umax32")
                } else if e.kind == .uint64 && e.value == UInt64.max {
                    out.append("umax64")
                } else {
                    out.append(e.value)
                }
            }
        case .octal:
            guard !e.isBegin, e.kind != .absent, e.kind != .opaque, e.kind != .string else { return }
            var digits = String(e.value, radix: 8)
            if digits.count < 4 { digits = String(repeating: "0", count: 4 - digits.count) + digits }
            word(item, &first, &out) { $0.append(digits) }
        case .address, .port:
            guard e.kind == .string, let (host, port) = UniversalAddress.parse(bytes, e.byteRange) else { return }
            word(item, &first, &out) { out in
                if item.style == .port { out.append(port) } else { TapeText.appendText(bytes, host, to: &out) }
            }
        case .value where e.kind == .arrayBegin && field.hint == .stateid:
            // a stateid that may be there (`stateid4 wr_callback_id<1>`): the first, if any
            guard e.count > 0, at + 1 < tape.count, tape[at + 1].kind == .structBegin else { return }
            word(item, &first, &out) { TapeText.appendCompound(tape, at + 1, field, bytes, to: &$0) }
        case .value where e.isBegin && (field.hint == .stateid || field.hint == .bitmap):
            word(item, &first, &out) { TapeText.appendCompound(tape, at, field, bytes, to: &$0) }
        case .value:
            // empty strings and opaques say nothing, but an empty file handle is NFStest's CRC32 of nothing
            guard !e.isBegin, e.kind != .absent,
                  !((e.kind == .string || e.kind == .opaque) && e.count == 0 && field.hint != .fileHandle)
            else { return }
            // NFStest's booleans are its enum's names
            if e.kind == .bool {
                word(item, &first, &out) { $0.append(e.value != 0 ? "TRUE" : "FALSE") }
                return
            }
            if field.hint == .program && !e.isBegin {
                word(item, &first, &out) { out in
                    if let name = NFStestNames.program(UInt32(truncatingIfNeeded: e.value)) {
                        out.append(name)
                    } else {
                        out.append(e.value)
                    }
                }
                return
            }
            word(item, &first, &out) { TapeText.appendValue(e, field, bytes, to: &$0) }
        }
    }

    @inline(__always)
    static func word(_ item: XDRSummaryItem, _ first: inout Bool, _ out: inout TextBuffer,
                     _ value: (inout TextBuffer) -> Void) {
        if !first && !item.joined { out.append(byte: UInt8(ascii: " ")) }
        first = false
        out.append(item.prefix)
        value(&out)
        out.append(item.suffix)
    }
}

/// How one tape value reads as text, shared by the one-line summary and the JSON writer.
enum TapeText {
    /// Numbers in decimal (hex with `@hex`), bools as true/false, names from the field's name table
    /// (the number when it has no name), file handles as `0x` and their CRC32, universal addresses
    /// and other strings as text, other opaques as `0x` and hex digits.
    static func appendValue(_ e: TapeEntry, _ field: XDRField, _ bytes: UnsafeRawBufferPointer,
                            to out: inout TextBuffer) {
        switch e.kind {
        case .uint32, .uint64:
            if let name = name(e, field) {
                out.append(name)
            } else if field.hint == .hex {
                out.appendHex(e.value, digits: e.kind == .uint64 ? 16 : 8)
            } else {
                out.append(e.value)
            }
        case .int32, .int64, .enumeration:
            if let name = name(e, field) { out.append(name) } else { out.append(e.signedValue) }
        case .bool:
            out.append(e.value != 0 ? "true" : "false")
        case .string:
            appendText(bytes, e.byteRange, to: &out)
        case .opaque:
            if field.hint == .fileHandle {
                out.appendHex(UInt64(CRC32.checksum(bytes, e.byteRange)), digits: 8)
            } else {
                out.append("0x")
                appendHexBytes(bytes, e.byteRange, to: &out)
            }
        case .structBegin, .arrayBegin, .end, .absent:
            break
        }
    }

    /// A stateid (`SEQID,0xCRC32` of other, as NFStest 3.2 shows it) or a bitmap (its words as one
    /// hex number, word 0 lowest, at least 16 digits: `0x0000000000000012`), from the struct or
    /// array that begins at tape index `at`.
    static func appendCompound(_ tape: Tape, _ at: Int, _ field: XDRField, _ bytes: UnsafeRawBufferPointer,
                               to out: inout TextBuffer) {
        let e = tape[at]
        let end = Int(e.value)
        if field.hint == .bitmap {
            // one number, word 0 lowest, at least 16 digits: NFStest's `0x%016x` of the sum
            out.append("0x")
            var top = end - 1
            while top > at + 2 && tape[top].value & 0xffff_ffff == 0 { top -= 1 }
            if top <= at + 2 {
                out.appendHexDigits(top > at + 1 ? tape[top].value : 0, digits: 8)
                out.appendHexDigits(top > at ? tape[at + 1].value : 0, digits: 8)
                return
            }
            out.appendHexDigits(tape[top].value, digits: max(1, (32 - UInt32(tape[top].value & 0xffff_ffff).leadingZeroBitCount + 3) / 4))
            var i = top - 1
            while i > at {
                out.appendHexDigits(tape[i].value, digits: 8)
                i -= 1
            }
            return
        }
        var seqid: UInt64 = 0
        var other: ByteRange?
        var i = at + 1
        while i < end {
            let m = tape[i]
            if m.kind == .uint32 { seqid = m.value }
            if m.kind == .opaque { other = m.byteRange }
            i = tape.next(after: i)
        }
        out.append(seqid)
        out.append(",0x")
        out.appendHexDigits(UInt64(other.map { CRC32.checksum(bytes, $0) } ?? 0), digits: 8)
    }

    /// The name of a value in its field's name table, or of a program number.
    static func name(_ e: TapeEntry, _ field: XDRField) -> String? {
        if field.names != 0 { return XDRCatalogue.name(table: field.names, value: e.signedValue) }
        if field.hint == .program { return RPCPrograms.name(program: UInt32(truncatingIfNeeded: e.value)) }
        return nil
    }

    /// Bytes as text on one line: printable ASCII as is, anything else as `\xNN` (the seed's escape).
    static func appendText(_ bytes: UnsafeRawBufferPointer, _ range: ByteRange, to out: inout TextBuffer) {
        guard range.offset >= 0, range.end <= bytes.count else { return }
        for i in range.offset..<range.end {
            let b = bytes[i]
            if b >= 0x20 && b < 0x7f && b != UInt8(ascii: "\\") {
                out.append(byte: b)
            } else {
                out.append("\\x")
                out.appendHexDigits(UInt64(b), digits: 2)
            }
        }
    }

    static func appendHexBytes(_ bytes: UnsafeRawBufferPointer, _ range: ByteRange, to out: inout TextBuffer) {
        guard range.offset >= 0, range.end <= bytes.count else { return }
        for i in range.offset..<range.end { out.appendHexDigits(UInt64(bytes[i]), digits: 2) }
    }
}

import Decode

/// The seed-style one-line summary of a decoded RPC body: the text after the procedure name
/// (`/export`, `port:2049`, `FH:0x1234abcd off:0 len:100 excl`), from the procedure's display
/// format in its .x file (`@call` / `@reply`, see xdr/README.md). Words are separated by one space;
/// a word whose value is not on the tape is left out, so an error reply shows just its status.
/// Nothing is written when the procedure has no format; never a leading or trailing space.
public enum TapeSummary {
    public static func append(_ tape: Tape, bytes: UnsafeRawBufferPointer, program: UInt32, version: UInt32,
                              procedure: UInt32, isReply: Bool, to out: inout TextBuffer) {
        var first = true
        // through a buffer pointer: iterating the slice itself costs a malloc per item in a debug build
        XDRCatalogue.summary(program: program, version: version, procedure: procedure, isReply: isReply)
            .withUnsafeBufferPointer { items in
                for item in items { appendItem(item, tape, bytes, &first, &out) }
            }
    }

    static func appendItem(_ item: XDRSummaryItem, _ tape: Tape, _ bytes: UnsafeRawBufferPointer,
                           _ first: inout Bool, _ out: inout TextBuffer) {
        if item.style == .literal {
            word(item, &first, &out) { _ in }
            return
        }
        guard let at = tape.find(path: item.path) else { return }
        let e = tape[at]
        let field = XDRCatalogue.field(e.field)
        switch item.style {
        case .literal:
            break
        case .count:
            guard e.kind == .arrayBegin else { return }
            word(item, &first, &out) { $0.append(e.count) }
        case .ifTrue:
            guard e.kind != .absent, e.value != 0 else { return }
            word(item, &first, &out) { _ in }
        case .nonZero:
            guard e.kind != .absent, e.value != 0 else { return }
            word(item, &first, &out) { TapeText.appendValue(e, field, bytes, to: &$0) }
        case .hex:
            guard !e.isBegin, e.kind != .absent, e.kind != .opaque, e.kind != .string else { return }
            let digits = max(1, (64 - e.value.leadingZeroBitCount + 3) / 4)
            word(item, &first, &out) { $0.appendHex(e.value, digits: digits) }
        case .address, .port:
            guard e.kind == .string, let (host, port) = UniversalAddress.parse(bytes, e.byteRange) else { return }
            word(item, &first, &out) { out in
                if item.style == .port { out.append(port) } else { TapeText.appendText(bytes, host, to: &out) }
            }
        case .value:
            // empty strings and opaques say nothing on one line
            guard !e.isBegin, e.kind != .absent, !((e.kind == .string || e.kind == .opaque) && e.count == 0)
            else { return }
            word(item, &first, &out) { TapeText.appendValue(e, field, bytes, to: &$0) }
        }
    }

    @inline(__always)
    static func word(_ item: XDRSummaryItem, _ first: inout Bool, _ out: inout TextBuffer,
                     _ value: (inout TextBuffer) -> Void) {
        if !first { out.append(byte: UInt8(ascii: " ")) }
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

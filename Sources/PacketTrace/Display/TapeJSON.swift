import Decode

/// A decoded RPC body as the members of one JSON object, keys named as in the XDR (the caller
/// writes the braces: `out.object("mount") { TapeJSON.append(tape, bytes: b, to: &$0) }`).
///
/// - The members of the procedure's argument or result struct (or union) are the object's
///   members; a bare argument or result has the name its .x file gives it (`port`, `dirpath`).
/// - Nested structs and unions are objects; a union holds its discriminant and the arm taken.
/// - Arrays and linked lists are JSON arrays; optional data that is absent is `null`.
/// - Numbers are numbers, bools are bools.
/// - A value with a name (an enum, constants such as `IPPROTO_TCP`, a program number) is its name
///   as a string, plus the number as a twin key with `_code` appended:
///   `"fhs_status":"MNT3ERR_ACCES","fhs_status_code":13`. Without a name it is the number as text.
/// - An enum value its enum does not define (`TapeEntry.isUndefined`) is the number as text, its
///   `_code` twin, and `_undefined` true: `"type":"1111638594","type_code":1111638594,
///   "type_undefined":true`. (An `@open` enum's unnamed value has no `_undefined`: it is allowed.)
/// - A file handle is `{"hash":"8dfb25e1"}` (CRC32, as `FH:0x…` on the one-line display), plus
///   `"hex"` with the bytes when `fullFileHandles` is set.
/// - A universal address is its string plus `_ip` and `_port` twins when it parses:
///   `"r_addr":"10.77.0.1.8.1","r_addr_ip":"10.77.0.1","r_addr_port":2049`.
/// - Other strings are JSON strings (bytes that are not UTF-8 become `\u00XX`, read as Latin-1);
///   other opaques are hex digits in a string.
/// - A tape cut short by bad bytes ends with `"incomplete":true`.
public enum TapeJSON {
    public static func append(_ tape: Tape, bytes: UnsafeRawBufferPointer, fullFileHandles: Bool = false,
                              to out: inout TextBuffer) {
        let writer = Writer(tape: tape, bytes: bytes, fullFileHandles: fullFileHandles)
        writer.members(0..<tape.count, inArray: false, &out)
        if tape.incomplete { out.field("incomplete", true) }
    }

    /// As `append`, but top-level entries whose field is in `skipping` are left out (the caller
    /// wrote them its own way) and those in `renaming` get another key.
    public static func append(_ tape: Tape, bytes: UnsafeRawBufferPointer, skipping: [UInt16],
                              renaming: [(field: UInt16, key: String)], fullFileHandles: Bool = false,
                              to out: inout TextBuffer) {
        let writer = Writer(tape: tape, bytes: bytes, fullFileHandles: fullFileHandles)
        var i = 0
        while i < tape.count {
            let e = tape[i]
            if skipping.contains(e.field) {
                i = tape.next(after: i)
                continue
            }
            if let key = renaming.first(where: { $0.field == e.field })?.key {
                out.key(key)
                out.jsonComma = false  // the value follows its key without a separator
                i = writer.value(at: i, keyed: false, &out)
                continue
            }
            i = writer.value(at: i, keyed: true, &out)
        }
        if tape.incomplete { out.field("incomplete", true) }
    }

    struct Writer {
        let tape: Tape
        let bytes: UnsafeRawBufferPointer
        let fullFileHandles: Bool

        /// The entries of `range` at its own level: keyed members of an object, or array elements.
        func members(_ range: Range<Int>, inArray: Bool, _ out: inout TextBuffer) {
            var i = range.lowerBound
            while i < range.upperBound {
                i = value(at: i, keyed: !inArray, &out)
            }
        }

        /// Writes one entry (and what it holds); returns the index after it.
        func value(at i: Int, keyed: Bool, _ out: inout TextBuffer) -> Int {
            let e = tape[i]
            let field = XDRCatalogue.field(e.field)
            switch e.kind {
            case .end:
                return i + 1
            case .structBegin:
                if keyed { out.key(field.name) } else { out.jsonSeparate() }
                out.append(byte: UInt8(ascii: "{"))
                out.jsonComma = false
                members((i + 1)..<Int(e.value), inArray: false, &out)
                out.jsonEndObject()
                return Int(e.value) + 1
            case .arrayBegin:
                if keyed { out.key(field.name) } else { out.jsonSeparate() }
                out.jsonBeginArray()
                members((i + 1)..<Int(e.value), inArray: true, &out)
                out.jsonEndArray()
                return Int(e.value) + 1
            default:
                if keyed { out.key(field.name) } else { out.jsonSeparate() }
                scalar(e, field, &out)
                // twins only beside a key: array elements have no key to pair with
                if keyed { twins(e, field, &out) }
                return i + 1
            }
        }

        func scalar(_ e: TapeEntry, _ field: XDRField, _ out: inout TextBuffer) {
            switch e.kind {
            case .uint32, .uint64, .int32, .int64, .enumeration:
                if field.names != 0 || field.hint == .program {
                    if let name = TapeText.name(e, field) {
                        out.appendJSONString(name)
                    } else {
                        out.append(byte: UInt8(ascii: "\""))
                        appendNumber(e, &out)
                        out.append(byte: UInt8(ascii: "\""))
                    }
                } else {
                    appendNumber(e, &out)
                }
            case .bool:
                out.append(e.value != 0 ? "true" : "false")
            case .string:
                appendString(e.byteRange, &out)
            case .opaque:
                if field.hint == .fileHandle {
                    out.append("{\"hash\":\"")
                    out.appendHexDigits(UInt64(CRC32.checksum(bytes, e.byteRange)), digits: 8)
                    out.append(byte: UInt8(ascii: "\""))
                    if fullFileHandles {
                        out.append(",\"hex\":\"")
                        TapeText.appendHexBytes(bytes, e.byteRange, to: &out)
                        out.append(byte: UInt8(ascii: "\""))
                    }
                    out.append(byte: UInt8(ascii: "}"))
                } else {
                    out.append(byte: UInt8(ascii: "\""))
                    TapeText.appendHexBytes(bytes, e.byteRange, to: &out)
                    out.append(byte: UInt8(ascii: "\""))
                }
            case .absent:
                out.append("null")
            case .structBegin, .arrayBegin, .end:
                break
            }
        }

        func twins(_ e: TapeEntry, _ field: XDRField, _ out: inout TextBuffer) {
            switch e.kind {
            case .uint32, .uint64, .int32, .int64, .enumeration:
                guard field.names != 0 || field.hint == .program else { return }
                out.key(field.name, suffix: "_code")
                appendNumber(e, &out)
                if e.isUndefined {
                    out.key(field.name, suffix: "_undefined")
                    out.append("true")
                }
            case .string:
                guard field.hint == .universalAddress,
                      let (host, port) = UniversalAddress.parse(bytes, e.byteRange) else { return }
                out.key(field.name, suffix: "_ip")
                appendString(host, &out)
                out.key(field.name, suffix: "_port")
                out.append(port)
            default:
                return
            }
        }

        func appendNumber(_ e: TapeEntry, _ out: inout TextBuffer) {
            switch e.kind {
            case .int32, .int64, .enumeration: out.append(e.signedValue)
            default: out.append(e.value)
            }
        }

        /// A JSON string of raw bytes: valid UTF-8 passes through (escaped as RFC 8259 requires);
        /// otherwise every byte above 0x7f is written as `\u00XX`.
        func appendString(_ range: ByteRange, _ out: inout TextBuffer) {
            guard range.offset >= 0, range.end <= bytes.count else {
                out.append("\"\"")
                return
            }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[range.offset..<range.end])
            let utf8 = Self.isUTF8(slice)
            out.append(byte: UInt8(ascii: "\""))
            for c in slice {
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append(byte: UInt8(ascii: "\\"))
                    out.append(byte: c)
                case 0x0a: out.append("\\n")
                case 0x0d: out.append("\\r")
                case 0x09: out.append("\\t")
                case 0..<0x20, 0x7f:
                    out.append("\\u00")
                    out.appendHexDigits(UInt64(c), digits: 2)
                case 0x80...0xff where !utf8:
                    out.append("\\u00")
                    out.appendHexDigits(UInt64(c), digits: 2)
                default:
                    out.append(byte: c)
                }
            }
            out.append(byte: UInt8(ascii: "\""))
        }

        static func isUTF8(_ b: UnsafeRawBufferPointer) -> Bool {
            var i = 0
            while i < b.count {
                let c = b[i]
                let length = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                    : c >= 0xf0 && c <= 0xf4 ? 4 : 0
                guard length > 0, i + length <= b.count else { return false }
                for k in 1..<max(1, length) where b[i + k] & 0xc0 != 0x80 { return false }
                i += length
            }
            return true
        }
    }
}

extension TextBuffer {
    /// A comma before an array element when one came before it.
    mutating func jsonSeparate() {
        if jsonComma { append(byte: UInt8(ascii: ",")) }
        jsonComma = true
    }

    /// `"namesuffix":` without building the key as a String.
    mutating func key(_ name: String, suffix: StaticString) {
        if jsonComma { append(byte: UInt8(ascii: ",")) }
        append(byte: UInt8(ascii: "\""))
        append(name)
        suffix.withUTF8Buffer { for b in $0 { append(byte: b) } }
        append(byte: UInt8(ascii: "\""))
        append(byte: UInt8(ascii: ":"))
        jsonComma = true
    }
}

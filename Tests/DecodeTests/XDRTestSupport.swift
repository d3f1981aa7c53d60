import Decode
import Foundation

/// XDR bytes built item by item, the way the .x files declare them (RFC 4506). A class, so a
/// chain of items can start from `XDRBytes()`.
final class XDRBytes {
    var bytes: [UInt8] = []

    init() {}

    @discardableResult func u32(_ v: UInt32) -> Self {
        bytes += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
        return self
    }
    @discardableResult func i32(_ v: Int32) -> Self { u32(UInt32(bitPattern: v)) }
    @discardableResult func u64(_ v: UInt64) -> Self { u32(UInt32(v >> 32)); return u32(UInt32(v & 0xffff_ffff)) }
    @discardableResult func bool(_ v: Bool) -> Self { u32(v ? 1 : 0) }
    /// opaque<> / string<>: length, bytes, zero padding to four.
    @discardableResult func opaque(_ v: [UInt8]) -> Self {
        u32(UInt32(v.count))
        return fixed(v)
    }
    @discardableResult func string(_ s: String) -> Self { opaque(Array(s.utf8)) }
    /// opaque[n]: the bytes and their padding, no length.
    @discardableResult func fixed(_ v: [UInt8]) -> Self {
        bytes += v + [UInt8](repeating: 0, count: (4 - v.count % 4) % 4)
        return self
    }
}

/// The result of decoding one body with `RPCPrograms.decodeBody`.
struct Decoded {
    var layer: Layer?
    var tape: Tape
    var error: DecodeError?
    /// Where the reader stopped.
    var offset: Int
    var bytes: [UInt8]

    /// The entries as `parent.name=value` lines in tape order (values as the display shows
    /// them: numbers in decimal, enums by name, strings as text, opaques as hex, file handles by
    /// CRC32); begins and ends as `{`/`}` and `[`/`]` after the key.
    var lines: [String] {
        bytes.withUnsafeBytes { raw in
            tape.entries.map { e in
                let f = XDRCatalogue.field(e.field)
                let key = "\(f.parent).\(f.name)"
                switch e.kind {
                case .structBegin: return "\(key){"
                case .arrayBegin: return "\(key)[\(e.count)"
                case .end: return tape[Int(e.value)].kind == .arrayBegin ? "]" : "}"
                case .absent: return "\(key)=null"
                default: return "\(key)=\(text(e, f, raw))"
                }
            }
        }
    }

    /// Every value of the field `parent.name`, in tape order, as text.
    func values(_ key: String) -> [String] {
        bytes.withUnsafeBytes { raw in
            tape.entries.compactMap { e in
                let f = XDRCatalogue.field(e.field)
                guard "\(f.parent).\(f.name)" == key, e.kind != .end else { return nil }
                return e.kind == .arrayBegin ? "#\(e.count)" : text(e, f, raw)
            }
        }
    }

    func value(_ key: String) -> String? { values(key).first }

    /// How tshark shows a field: numbers in decimal even when they have a name, opaques as hex
    /// digits, strings as text; `count` gives an array's element count, `hash` a file handle's
    /// CRC32 as `0x%08x`, `length` an opaque's length. Entries of any of `keys`, in tape order.
    func tsharkValues(_ keys: Set<String>, as form: TsharkForm) -> [String] {
        bytes.withUnsafeBytes { raw in
            tape.entries.compactMap { e in
                let f = XDRCatalogue.field(e.field)
                guard keys.contains("\(f.parent).\(f.name)"), e.kind != .end else { return nil }
                switch (form, e.kind) {
                case (.count, .arrayBegin): return String(e.count)
                case (.count, _), (_, .arrayBegin), (_, .structBegin), (_, .absent): return nil
                case (.hash, .opaque): return String(format: "0x%08x", CRC32.checksum(raw, e.byteRange))
                case (.length, .opaque), (.length, .string): return String(e.count)
                case (.value, .int32), (.value, .int64), (.value, .enumeration): return String(e.signedValue)
                case (.value, .uint32), (.value, .uint64), (.value, .bool): return String(e.value)
                case (.value, .string): return String(decoding: raw[e.byteRange.offset..<e.byteRange.end], as: UTF8.self)
                case (.value, .opaque): return raw[e.byteRange.offset..<e.byteRange.end].map { String(format: "%02x", $0) }.joined()
                default: return nil
                }
            }
        }
    }

    func text(_ e: TapeEntry, _ f: XDRField, _ raw: UnsafeRawBufferPointer) -> String {
        switch e.kind {
        case .uint32, .uint64, .bool:
            if f.names != 0, let n = XDRCatalogue.name(table: f.names, value: e.signedValue) { return n }
            return e.kind == .bool ? (e.value != 0 ? "true" : "false") : String(e.value)
        case .int32, .int64, .enumeration:
            if f.names != 0, let n = XDRCatalogue.name(table: f.names, value: e.signedValue) { return n }
            return String(e.signedValue)
        case .string:
            return String(decoding: raw[e.byteRange.offset..<e.byteRange.end], as: UTF8.self)
        case .opaque:
            if f.hint == .fileHandle { return String(format: "FH:0x%08x", CRC32.checksum(raw, e.byteRange)) }
            return raw[e.byteRange.offset..<e.byteRange.end].map { String(format: "%02x", $0) }.joined()
        default:
            return ""
        }
    }
}

enum TsharkForm { case value, count, hash, length }

/// Decodes `bytes` as the body of a call (or reply) of the procedure.
func decode(_ program: UInt32, _ version: UInt32, _ procedure: UInt32, reply: Bool, _ bytes: [UInt8]) -> Decoded {
    var tape = Tape()
    var layer: Layer?
    var failure: DecodeError?
    var offset = 0
    bytes.withUnsafeBytes { raw in
        var reader = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
        do throws(DecodeError) {
            layer = try RPCPrograms.decodeBody(program: program, version: version, procedure: procedure,
                                               isReply: reply, reader: &reader, into: &tape)
        } catch {
            failure = error
        }
        offset = reader.offset
    }
    return Decoded(layer: layer, tape: tape, error: failure, offset: offset, bytes: bytes)
}

func decode(_ program: UInt32, _ version: UInt32, _ procedure: UInt32, reply: Bool, _ built: XDRBytes) -> Decoded {
    decode(program, version, procedure, reply: reply, built.bytes)
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!)
        }
        self = out
    }
}

/// Where the committed fixtures live.
enum XDRFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// One RPC message of Tests/Fixtures/rpc/messages.jsonl (made by scripts/xdr-fixtures).
    struct Message: Decodable, CustomStringConvertible {
        var capture: String
        var frame: Int
        var xid: String
        var program: UInt32
        var version: UInt32
        var procedure: UInt32
        var reply: Bool
        var body: String
        var tshark: [[String]]

        var description: String { "\(capture) frame \(frame) \(reply ? "reply" : "call") \(program) v\(version) proc \(procedure)" }
    }

    /// The committed messages, or those of the file named by `XDR_MESSAGES` (scripts/xdr-fixtures --out).
    static func messages() throws -> [Message] {
        let url = ProcessInfo.processInfo.environment["XDR_MESSAGES"].map(URL.init(fileURLWithPath:))
            ?? root.appendingPathComponent("rpc/messages.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
    }
}

import Decode
import Foundation
import PacketTrace

/// NFSv2, NFSv3 and NFS_ACL messages read from a capture with pktt, and tshark's reading of the
/// same messages (Tests/Fixtures/nfs3/*.tshark.jsonl, made by scripts/nfs-fixtures).
enum NFSCaptures {
    /// capture -> tshark's fields file, both under Tests/Fixtures/ (scripts/nfs-fixtures CAPTURES).
    static let compared: [(capture: String, expected: String)] = [
        ("nfs3/lab-nfsv3-procedures.pcap", "nfs3/lab-nfsv3-procedures.tshark.jsonl"),
        ("nfs3/lab-nfs-errors.pcap", "nfs3/lab-nfs-errors.tshark.jsonl"),
        ("nfs3/nfsv2-udp.pcap", "nfs3/nfsv2-udp.tshark.jsonl"),
        ("decode/pcap-big-endian.pcap", "nfs3/suricata-nfs3-01.tshark.jsonl"),
        ("nfs3/nfsacl-getsetacl.cap", "nfs3/nfsacl-getsetacl.tshark.jsonl"),
        ("nfs3/zeek-nfs-write.pcap", "nfs3/zeek-nfs-write.tshark.jsonl"),
        ("nfs3/zeek-nfs-base.pcap", "nfs3/zeek-nfs-base.tshark.jsonl"),
        ("rpc/nfsv3-mount-nsm-loopback.pcap", "nfs3/nfstrace-nfsv3-nfsacl-loopback.tshark.jsonl"),
    ]

    /// One line of a .tshark.jsonl file.
    struct Expected: Decodable, CustomStringConvertible {
        var frame: Int
        var xid: String
        var program: UInt32
        var version: UInt32
        var procedure: UInt32
        var reply: Bool
        var fields: [[String]]

        var description: String { "frame \(frame) xid \(xid) \(reply ? "reply" : "call") \(program) v\(version) proc \(procedure)" }
    }

    static func expected(_ relative: String) throws -> [Expected] {
        let text = try String(contentsOfFile: Fixtures.path(relative), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }
    }

    /// One NFS / NFS_ACL message as pktt gives it, with its body decoded again on its own.
    struct Message: CustomStringConvertible {
        var capture: String
        var frame: Int
        /// pktt's packet index (the number `pktt show` starts its line with).
        var index: Int
        var xid: UInt32
        var reply: Bool
        var program: UInt32
        var version: UInt32
        var procedure: UInt32
        var body: [UInt8]
        /// Bytes of the message the capture lacks (snaplen, stream gap).
        var missingBytes: Int
        /// pktt's own error on the packet (nil: none).
        var packetError: DecodeError?
        var hasNFSLayer: Bool
        /// pktt's one-line output for the packet.
        var line: String
        // the body decoded on its own
        var tape: Tape
        var error: DecodeError?
        var consumed: Int

        var description: String {
            "\(capture) frame \(frame) xid 0x\(String(xid, radix: 16)) \(reply ? "reply" : "call") \(program) v\(version) proc \(procedure)"
        }
        var xidText: String { String(format: "0x%08x", xid) }
    }

    static func isNFS(_ program: UInt32, _ version: UInt32) -> Bool {
        (program == 100_003 && (version == 2 || version == 3)) || (program == 100_227 && (version == 2 || version == 3))
    }

    /// Every NFSv2/v3 and NFS_ACL call, and every reply whose call was seen and that carries
    /// results, in capture order.
    static func messages(_ relative: String) throws -> [Message] {
        setenv("TZ", "UTC", 1)
        tzset()
        let trace = try Pktt(files: [Fixtures.path(relative)])
        var out: [Message] = []
        var formatter = OneLineFormatter()
        var text = TextBuffer()
        while try trace.next() {
            let p = trace.packet
            guard p.has(.rpc) else { continue }
            let rpc = p.rpc
            guard isNFS(rpc.program, rpc.version), rpc.isCall || (rpc.callSeen && rpc.isSuccess) else { continue }
            let body: [UInt8] = trace.withMessageBytes { bytes, _ in
                guard rpc.body.offset >= 0, rpc.body.end <= bytes.count else { return [] }
                return Array(bytes[rpc.body.offset..<rpc.body.end])
            }
            formatter.append(trace, to: &text)
            let line = String(text.take().dropLast(1))
            var m = Message(capture: relative, frame: trace.record.frame, index: trace.record.index, xid: rpc.xid, reply: !rpc.isCall,
                            program: rpc.program, version: rpc.version, procedure: rpc.procedure, body: body,
                            missingBytes: rpc.missingBytes, packetError: p.error, hasNFSLayer: p.has(.nfs),
                            line: line, tape: Tape(), error: nil, consumed: 0)
            decodeAlone(&m)
            out.append(m)
        }
        return out
    }

    static func decodeAlone(_ m: inout Message) {
        var tape = Tape()
        var failure: DecodeError?
        var offset = 0
        let (program, version, procedure, reply) = (m.program, m.version, m.procedure, m.reply)
        m.body.withUnsafeBytes { raw in
            var reader = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
            do throws(DecodeError) {
                _ = try RPCPrograms.decodeBody(program: program, version: version, procedure: procedure,
                                               isReply: reply, reader: &reader, into: &tape)
            } catch {
                failure = error
            }
            offset = reader.offset
        }
        m.tape = tape
        m.error = failure
        m.consumed = offset
    }

    /// How tshark shows a value: decimal, the CRC32 of a file handle, hex of a fixed width.
    enum Form { case value, hash, hex }

    /// The values of the tape entries whose field matches one of `keys`, in tape order, as tshark
    /// shows them. A key is `parent.name`, `*.name:type` (any parent, that declared type), or
    /// `@fh` (every file handle).
    static func values(_ m: Message, _ keys: [String], _ form: Form) -> [String] {
        m.body.withUnsafeBytes { raw in
            m.tape.entries.compactMap { e in
                let f = XDRCatalogue.field(e.field)
                guard e.kind != .end, e.kind != .absent, !e.isBegin,
                      keys.contains(where: { matches($0, f) }) else { return nil }
                switch (form, e.kind) {
                case (.hash, .opaque):
                    return String(format: "0x%08x", CRC32.checksum(raw, e.byteRange))
                case (.hex, .uint64):
                    return String(format: "0x%016llx", e.value)
                case (.hex, _):
                    return String(format: "0x%08llx", e.value)
                case (_, .int32), (_, .int64), (_, .enumeration):
                    return String(e.signedValue)
                case (_, .uint32), (_, .uint64), (_, .bool):
                    return String(e.value)
                case (_, .string):
                    return String(decoding: raw[e.byteRange.offset..<e.byteRange.end], as: UTF8.self)
                default:
                    return raw[e.byteRange.offset..<e.byteRange.end].map { String(format: "%02x", $0) }.joined()
                }
            }
        }
    }

    static func matches(_ key: String, _ f: XDRField) -> Bool {
        if key == "@fh" { return f.hint == .fileHandle }
        if key.hasPrefix("*.") {
            let rest = key.dropFirst(2).split(separator: ":", maxSplits: 1)
            return f.name == rest[0] && (rest.count == 1 || f.type == rest[1])
        }
        return key == "\(f.parent).\(f.name)"
    }
}

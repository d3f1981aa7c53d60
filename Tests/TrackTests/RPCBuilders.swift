import Decode
@testable import Track

/// RPC messages and the TCP/UDP frames that carry them, built as RFC 5531 draws them.
enum RPCBytes {
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func call(xid: UInt32, program: UInt32 = 100_003, version: UInt32 = 3, procedure: UInt32 = 1,
                     body: [UInt8] = []) -> [UInt8] {
        var m = be32(xid) + be32(0) + be32(2) + be32(program) + be32(version) + be32(procedure)
        // AUTH_SYS: stamp, machinename "host", uid 1000, gid 100, gids [100, 4]
        let cred = be32(7) + be32(4) + Array("host".utf8) + be32(1000) + be32(100) + be32(2) + be32(100) + be32(4)
        m += be32(1) + be32(UInt32(cred.count)) + cred
        m += be32(0) + be32(0)  // AUTH_NONE verifier
        return m + body
    }

    static func reply(xid: UInt32, acceptStatus: UInt32 = 0, body: [UInt8] = []) -> [UInt8] {
        be32(xid) + be32(1) + be32(0) + be32(0) + be32(0) + be32(acceptStatus) + body
    }

    /// A record mark and the record, in one fragment (or split into fragments of these sizes).
    static func record(_ message: [UInt8], fragments: [Int]? = nil) -> [UInt8] {
        guard let sizes = fragments else { return be32(0x8000_0000 | UInt32(message.count)) + message }
        var out: [UInt8] = []
        var at = 0
        for (i, size) in sizes.enumerated() {
            let last = i == sizes.count - 1
            let n = last ? message.count - at : size
            out += be32((last ? 0x8000_0000 : 0) | UInt32(n)) + message[at..<(at + n)]
            at += n
        }
        return out
    }

    static let client: UInt32 = 0x0a00_0002, server: UInt32 = 0x0a00_0001

    /// An Ethernet/IPv4/TCP frame from the client (or server) with `payload`.
    static func tcp(fromClient: Bool, seq: UInt32, payload: [UInt8], flags: UInt16 = 0x18,
                    clientPort: UInt16 = 801, serverPort: UInt16 = 2049, wireLength: Int? = nil) -> [UInt8] {
        let wire = wireLength ?? payload.count
        var f: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        let total = 20 + 20 + wire
        let (src, dst) = fromClient ? (client, server) : (server, client)
        f += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, 6, 0, 0] + be32(src) + be32(dst)
        let (sp, dp) = fromClient ? (clientPort, serverPort) : (serverPort, clientPort)
        f += [UInt8(sp >> 8), UInt8(sp & 0xff), UInt8(dp >> 8), UInt8(dp & 0xff)] + be32(seq) + be32(1)
        f += [0x50, UInt8(flags & 0xff), 0xff, 0xff, 0, 0, 0, 0]
        return f + payload
    }

    static func udp(fromClient: Bool, payload: [UInt8], clientPort: UInt16 = 800, serverPort: UInt16 = 2049) -> [UInt8] {
        var f: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        let total = 20 + 8 + payload.count
        let (src, dst) = fromClient ? (client, server) : (server, client)
        f += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, 17, 0, 0] + be32(src) + be32(dst)
        let (sp, dp) = fromClient ? (clientPort, serverPort) : (serverPort, clientPort)
        let length = 8 + payload.count
        f += [UInt8(sp >> 8), UInt8(sp & 0xff), UInt8(dp >> 8), UInt8(dp & 0xff), UInt8(length >> 8), UInt8(length & 0xff), 0, 0]
        return f + payload
    }
}

/// What the tracker made of one message, comparable across ways of feeding the same stream.
struct SeenMessage: Equatable, CustomStringConvertible {
    var frame: Int
    var xid: UInt32
    var isCall: Bool
    var program: UInt32
    var procedure: UInt32
    var body: [UInt8]
    var fragments: Int
    var missing: Int
    var callSeen: Bool
    var latency: Int64
    var retransmission: Bool
    var description: String { "frame \(frame) xid \(xid) \(isCall ? "call" : "reply") body \(body.count) missing \(missing)" }
}

/// Feeds frames through the decoder and an `RPCTracker`, as Pktt does.
struct RPCHarness {
    var tracker = RPCTracker()
    var seen: [SeenMessage] = []
    var frame = 0

    /// `originalLength` larger than the frame: the snaplen cut it.
    mutating func feed(_ bytes: [UInt8], time: Int64 = 0, originalLength: Int? = nil) {
        frame += 1
        var p = Packet()
        bytes.withUnsafeBytes { b in
            PacketDecoder.decode(b, linkType: LinkType.ethernet, originalLength: originalLength ?? bytes.count, into: &p)
            tracker.begin(&p, bytes: b, time: time, frame: frame, fileIndex: 0)
            while let source = tracker.nextMessage(&p, bytes: b, time: time, frame: frame, index: seen.count, fileIndex: 0) {
                guard p.has(.rpc) else { continue }
                let body = tracker.withMessageBytes(source, frame: b) { m, _ in
                    p.rpc.body.count > 0 ? Array(m[p.rpc.body.offset..<p.rpc.body.end]) : []
                }
                seen.append(SeenMessage(frame: frame, xid: p.rpc.xid, isCall: p.rpc.isCall, program: p.rpc.program,
                                        procedure: p.rpc.procedure, body: body, fragments: p.rpc.fragments,
                                        missing: p.rpc.missingBytes, callSeen: p.rpc.callSeen, latency: p.rpc.latency,
                                        retransmission: p.rpc.retransmission))
            }
        }
    }
}

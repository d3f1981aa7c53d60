import Decode
import Match
import Track

/// A packet as a test engineer reads it (the seed's `Pkt`): every layer optional
/// (`pkt.rpc?.xid`, `pkt.nfs?.ops`), any field by its match name (`pkt["NFS.status"]`), and
/// the one-line display as `description`. An owned copy of the decoded packet, its program
/// body and its message bytes, so it outlives `next()`; the fast path (`Pktt.packet`,
/// `Pktt.matches`) makes none.
public struct Pkt: CustomStringConvertible, Sendable {
    public let record: PacketRecord
    public let packet: Packet
    /// The program body (NFS, MOUNT…) as decoded from its XDR; ranges point into `message`.
    public let tape: Tape
    /// The bytes the RPC layer's and the body's ranges point into.
    public let message: [UInt8]
    public let file: String
    /// A reply that `match(…, reply: true)` returned because its call matched.
    public internal(set) var replyMatched = false

    init(record: PacketRecord, packet: Packet, tape: Tape, message: [UInt8], file: String) {
        self.record = record
        self.packet = packet
        self.tape = tape
        self.message = message
        self.file = file
    }

    public var layers: LayerSet { packet.layers }
    public func has(_ layer: Layer) -> Bool { packet.has(layer) }
    public var ethernet: Ethernet? { packet.has(.ethernet) ? packet.ethernet : nil }
    public var ipv4: IPv4? { packet.has(.ipv4) ? packet.ipv4 : nil }
    public var ipv6: IPv6? { packet.has(.ipv6) ? packet.ipv6 : nil }
    public var tcp: TCP? { packet.has(.tcp) ? packet.tcp : nil }
    public var udp: UDP? { packet.has(.udp) ? packet.udp : nil }
    public var rpc: RPC? { packet.has(.rpc) ? packet.rpc : nil }
    /// The NFS message at a glance; nil when the packet is not NFS.
    public var nfs: NFSView? { packet.has(.nfs) ? NFSView(packet.rpc, tape: tape) : nil }

    /// The first value of a field named as a match expression names it (`"NFS.status"`,
    /// `"IP.src"`, `"RPC.xid"`); nil when the name is unknown or the packet lacks the field.
    public subscript(name: String) -> MatchFieldValue? {
        (try? values(name))?.first
    }

    /// Every value of a field (`"NFS.status"` has one per op of a compound); throws a
    /// `MatchError` for a name the catalogues do not know.
    public func values(_ name: String) throws -> [MatchFieldValue] {
        let field = try MatchField(name)
        return message.withUnsafeBytes { field.values(packet, tape: tape, message: $0, record: record) }
    }

    /// Whether `expression` matches this packet.
    public func matches(_ expression: MatchExpression) -> Bool {
        var scratch = MatchScratch()
        return matches(expression, scratch: &scratch)
    }

    public func matches(_ expression: MatchExpression, scratch: inout MatchScratch) -> Bool {
        message.withUnsafeBytes {
            expression.matches(packet, tape: tape, message: $0, record: record, scratch: &scratch)
        }
    }

    /// Judges every expression of `rules` on this packet (see `Pktt.matches(_:scratch:_:)`).
    public func matches(_ rules: MatchRuleSet, scratch: inout MatchScratch, _ matched: (_ rule: Int, _ entry: Int?) -> Void) {
        message.withUnsafeBytes {
            rules.matches(packet, tape: tape, message: $0, record: record, scratch: &scratch, matched)
        }
    }

    /// The one-line display, as `pktt show` prints it.
    public var description: String {
        var out = TextBuffer(descriptor: -1)
        var formatter = OneLineFormatter()
        message.withUnsafeBytes { formatter.append(record, packet, message: $0, tape: tape, to: &out) }
        let line = out.bytes.last == UInt8(ascii: "\n") ? out.bytes.dropLast() : out.bytes[...]
        return String(decoding: line, as: UTF8.self)
    }
}

/// An NFS message's version, ops and status (what `pkt.nfs` answers).
public struct NFSView: Sendable, Equatable {
    public let version: UInt32
    /// NFSv4 minor version; nil before NFSv4.
    public let minorVersion: Int32?
    /// NFSv4: the compound's op numbers in order; NFSv2/v3: the procedure.
    public let ops: [Int64]
    /// A reply's status (the compound's, or the NFSv2/v3 result's); nil on calls.
    public let status: Int64?

    init(_ rpc: RPC, tape: Tape) {
        version = rpc.version
        minorVersion = rpc.minorVersion >= 0 ? rpc.minorVersion : nil
        if let compound = NFSCompoundAnalysis.analyse(tape: tape, program: rpc.program, version: rpc.version,
                                                      procedure: rpc.procedure, isReply: !rpc.isCall) {
            var ops: [Int64] = []
            var i = compound.array + 1
            while i < Int(tape[compound.array].value) {
                if let (_, op) = XDRCompound.opcode(tape, element: i) { ops.append(op) }
                i = tape.next(after: i)
            }
            self.ops = ops
            status = compound.status(tape)
        } else {
            ops = [Int64(rpc.procedure)]
            status = !rpc.isCall && tape.count > 0 && tape[0].kind == .enumeration ? tape[0].signedValue : nil
        }
    }
}

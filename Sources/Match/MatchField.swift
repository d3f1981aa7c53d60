import Decode

/// A value as the API hands it out (`pkt["NFS.status"]`, `trace.nfsOp?["stateid"]`): owned,
/// so it outlives the packet it came from.
public enum MatchFieldValue: Equatable, Sendable, CustomStringConvertible {
    case integer(Int128)
    case real(Double)
    case bytes([UInt8])
    case ip(IPAddress)
    case mac(UInt64)
    /// An enum value or a header name with its number (`NFS4ERR_NOENT`, 2); the name is nil
    /// for a number the enum does not define.
    case name(String?, Int128?)
    case boolean(Bool)

    init(_ v: MatchValue) {
        switch v {
        case .integer(let n), .bitmap(let n): self = .integer(n)
        case .real(let r): self = .real(r)
        case .bytes(let b): self = .bytes(Array(b))
        case .ip(let a): self = .ip(a)
        case .link(let m, _): self = .mac(m)
        case .named(let s, let n): self = .name(s, n)
        case .enumerated(let n, _): self = .name(v.name, Int128(n))
        case .boolean(let b): self = .boolean(b)
        }
    }

    /// The number, when the value is one (or has one).
    public var number: Int128? {
        switch self {
        case .integer(let n): n
        case .name(_, let n): n
        case .boolean(let b): b ? 1 : 0
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .integer(let n): String(n)
        case .real(let r): String(r)
        case .bytes(let b): "0x" + b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case .ip(let a): a.description
        case .mac(let m): MACAddress(m).description
        case .name(let s, let n): s ?? n.map { String($0) } ?? "?"
        case .boolean(let b): b ? "True" : "False"
        }
    }
}

/// A field named as a match expression names it (`NFS.status`, `IP.src`, `crc32(NFS.fh)`),
/// compiled once, read from packets: the values the expression would compare.
public struct MatchField: Sendable {
    public let name: String
    let operand: MatchOperand

    public init(_ name: String) throws(MatchError) {
        var compiler = MatchCompiler()
        operand = try compiler.operand(try MatchParser.parse(name))
        guard operand.constant == nil else {
            throw MatchError(column: 1, "'\(name.prefix(80))' is not a field (a field is written LAYER.name: NFS.status, IP.src)")
        }
        self.name = name
    }

    /// Every value of the field in the packet, in order; empty when it is absent (`record.*`
    /// fields are, without a record).
    public func values(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer) -> [MatchFieldValue] {
        values(packet, tape: tape, message: message, record: MatchRecord(), hasRecord: false)
    }

    /// Every value of the field in `packet`, captured as `record`.
    public func values<R: RecordFields>(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer,
                                        record: R) -> [MatchFieldValue] {
        values(packet, tape: tape, message: message, record: MatchRecord(record), hasRecord: true)
    }

    private func values(_ packet: Packet, tape: Tape, message: UnsafeRawBufferPointer, record: MatchRecord,
                        hasRecord: Bool) -> [MatchFieldValue] {
        var out: [MatchFieldValue] = []
        var scratch = MatchScratch()
        withUnsafeMutablePointer(to: &scratch) { s in
            var e = MatchEnvironment(message: message, record: record, hasRecord: hasRecord, scratch: s)
            withUnsafePointer(to: packet) { p in
                withUnsafePointer(to: tape) { t in
                    _ = operand.any(p, t, &e) { v, _ in
                        out.append(MatchFieldValue(v))
                        return false
                    }
                }
            }
        }
        return out
    }

    /// The value of the first entry in `range` of `tape` whose XDR name is `member`, or NFStest's
    /// name for it (`stateid`, `sequenceid` for `sa_sequenceid`): what one NFSv4 op holds.
    public static func member(_ member: String, in range: Range<Int>, tape: Tape,
                              message: UnsafeRawBufferPointer) -> MatchFieldValue? {
        let suffix = "_" + member
        var i = max(0, range.lowerBound)
        while i < min(range.upperBound, tape.count) {
            let entry = tape[i]
            let name = XDRCatalogue.field(entry.field).name
            if entry.kind != .end, name == member || (name.hasSuffix(suffix) && name.count - suffix.count <= 5) {
                var next = i + 1
                let v = withUnsafePointer(to: tape) { MatchBodyOperand.value($0, at: i, entry, message, skipTo: &next) }
                if let v { return MatchFieldValue(v) }
            }
            i += 1
        }
        return nil
    }
}

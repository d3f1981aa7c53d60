import Decode

/// A compiled operand: what a field, a literal or a function yields on a packet. A field may
/// yield several values (every NFSv4 op's `status`, every gid, every element of a list); a
/// comparison holds when any of them satisfies it, as in the seed's flat namespace.
/// Immutable once compiled, so one expression serves several threads.
class MatchOperand: @unchecked Sendable {
    /// What it can yield, for the compiler's type checks.
    let kinds: MatchKinds
    let column: Int
    /// How it is named in error messages (`NFS.status`, `'abc'`).
    let label: String

    init(kinds: MatchKinds, column: Int, label: String) {
        self.kinds = kinds
        self.column = column
        self.label = label
    }

    /// Calls `body` with each value until it returns true; returns whether it did.
    func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
             _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        false
    }

    /// The value when it is a constant (literals, folded at compile time).
    var constant: MatchConstant? { nil }
}

/// A literal's value, stored.
enum MatchConstant: Sendable {
    case integer(Int128)
    case real(Double)
    case bytes([UInt8])
    case ip(IPAddress)
    case link(UInt64, length: Int)
    /// A bare word (`NFS4ERR_NOENT`), compared with values' names.
    case name(String)
    case boolean(Bool)
}

final class MatchConstantOperand: MatchOperand, @unchecked Sendable {
    let value: MatchConstant

    init(_ value: MatchConstant, column: Int, label: String) {
        self.value = value
        let kinds: MatchKinds = switch value {
        case .integer: .integer
        case .real: .real
        case .bytes: .bytes
        case .ip: .ip
        case .link: .link
        case .name: .named
        case .boolean: .boolean
        }
        super.init(kinds: kinds, column: column, label: label)
    }

    override var constant: MatchConstant? { value }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        switch value {
        case .integer(let v): return body(.integer(v), &e)
        case .real(let v): return body(.real(v), &e)
        case .bytes(let b): return b.withUnsafeBytes { body(.bytes($0), &e) }
        case .ip(let a): return body(.ip(a), &e)
        case .link(let v, let n): return body(.link(v, length: n), &e)
        case .name(let n): return body(.named(n, nil), &e)
        case .boolean(let b): return body(.boolean(b), &e)
        }
    }
}

/// `[a, b, …]`: each element's values in turn.
final class MatchListOperand: MatchOperand, @unchecked Sendable {
    let elements: [MatchOperand]

    init(_ elements: [MatchOperand], column: Int) {
        self.elements = elements
        super.init(kinds: elements.reduce(into: MatchKinds()) { $0.formUnion($1.kinds) }, column: column, label: "a list")
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        for element in elements where element.any(p, t, &e, body) { return true }
        return false
    }
}

/// A header field from the catalogue (`IP.src`, `TCP.flags.SYN`, `RPC.latency`).
final class MatchHeaderOperand: MatchOperand, @unchecked Sendable {
    let field: HeaderField

    init(_ field: HeaderField, column: Int, label: String) {
        self.field = field
        let kinds: MatchKinds = switch field.type {
        case .integer: .integer
        case .boolean: .boolean
        case .address: .init([.ip, .link])
        case .name: .named
        case .string, .bytes: .bytes
        case .time, .duration: .real
        case .group, .range: []
        }
        super.init(kinds: kinds, column: column, label: label)
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        if field.isRepeated {
            guard let count = field.count(at: p, message: e.message) else { return false }
            for element in 0..<count where yield(p, element: element, &e, body) { return true }
            return false
        }
        return yield(p, element: 0, &e, body)
    }

    @inline(__always)
    private func yield(_ p: UnsafePointer<Packet>, element: Int, _ e: inout MatchEnvironment,
                       _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        let v = e.hasRecord ? field.value(at: p, message: e.message, record: e.record, element: element)
            : field.value(at: p, message: e.message, record: NoRecord(), element: element)
        switch v {
        case .absent, .present, .file, .range: return false
        case .integer(let n): return body(.integer(Int128(n)), &e)
        case .boolean(let b): return body(.boolean(b), &e)
        case .ip(let a): return body(.ip(a), &e)
        case .link(let value, let length): return body(.link(value, length: length), &e)
        case .name(let n): return body(.named(n, MatchHeaderNumbers.number(field, p)), &e)
        case .bytes(let r):
            guard r.offset >= 0, r.count >= 0, r.offset <= e.message.count - r.count else { return false }
            return body(.bytes(UnsafeRawBufferPointer(rebasing: e.message[r.offset..<(r.offset + r.count)])), &e)
        case .time(let s, let ns): return body(.real(Double(s) + Double(ns) / 1e9), &e)
        case .duration(let ns): return body(.real(Double(ns) / 1e9), &e)
        }
    }
}

/// The numbers behind the header fields that JSON shows by name.
enum MatchHeaderNumbers {
    /// The names a header field's values can have (a bare word is checked against them).
    static func names(_ field: HeaderField) -> [String] {
        switch field {
        case .rpcType: ["call", "reply"]
        case .rpcCredentialFlavor, .rpcVerifierFlavor:
            [RPCConstants.authNone, RPCConstants.authSys, RPCConstants.authShort, RPCConstants.authDH,
             RPCConstants.rpcsecGSS, RPCConstants.authTLS].map(RPCConstants.flavorName)
        case .rpcCredentialGSSProcedure: (0...6).map { RPCConstants.gssProcedureName(UInt32($0)) }
        case .rpcCredentialGSSService: (1...3).map { RPCConstants.gssServiceName(UInt32($0)) }
        case .rpcStatus: (0...5).map { RPCConstants.acceptStatusName(UInt32($0)) } + ["RPC_MISMATCH"]
        default: []
        }
    }

    static func number(_ field: HeaderField, _ p: UnsafePointer<Packet>) -> Int128? {
        switch field {
        case .rpcType: Int128(p.pointee.rpc.messageType)
        case .rpcCredentialFlavor: Int128(p.pointee.rpc.credential.flavor)
        case .rpcVerifierFlavor: Int128(p.pointee.rpc.verifierFlavor)
        case .rpcCredentialGSSProcedure: Int128(p.pointee.rpc.credential.gssProcedure)
        case .rpcCredentialGSSService: Int128(p.pointee.rpc.credential.gssService)
        default: nil
        }
    }
}

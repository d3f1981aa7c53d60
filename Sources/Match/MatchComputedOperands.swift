import Decode

/// `a | b`, `a ^ b`, `a & b`, `a << b`, `a >> b` on the numbers the operands yield (every pair,
/// for fields with several values).
final class MatchBitwiseOperand: MatchOperand, @unchecked Sendable {
    let op: MatchBitwiseOperator
    let lhs: MatchOperand
    let rhs: MatchOperand

    init(_ op: MatchBitwiseOperator, _ lhs: MatchOperand, _ rhs: MatchOperand, column: Int) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        super.init(kinds: .integer, column: column, label: "(\(lhs.label) \(op.rawValue) \(rhs.label))")
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        lhs.any(p, t, &e) { a, e in
            guard let x = a.number else { return false }
            return rhs.any(p, t, &e) { b, e in
                guard let y = b.number, let v = Self.apply(op, x, y) else { return false }
                return body(.integer(v), &e)
            }
        }
    }

    /// nil where Python would raise (a negative shift) or where the answer leaves Int128.
    static func apply(_ op: MatchBitwiseOperator, _ x: Int128, _ y: Int128) -> Int128? {
        switch op {
        case .or: return x | y
        case .xor: return x ^ y
        case .and: return x & y
        case .shiftLeft:
            guard y >= 0, y < 127 else { return y >= 0 && x == 0 ? 0 : nil }
            let v = x << Int(y)
            return v >> Int(y) == x ? v : nil
        case .shiftRight:
            guard y >= 0 else { return nil }
            return y >= 127 ? (x < 0 ? -1 : 0) : x >> Int(y)
        }
    }
}

/// `-a`, `~a`, `+a` on a field (literals are folded when compiled).
final class MatchUnaryOperand: MatchOperand, @unchecked Sendable {
    let op: MatchUnaryOperator
    let operand: MatchOperand

    init(_ op: MatchUnaryOperator, _ operand: MatchOperand, column: Int) {
        self.op = op
        self.operand = operand
        super.init(kinds: operand.kinds.intersection(.numeric), column: column, label: op.rawValue + operand.label)
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        operand.any(p, t, &e) { v, e in
            if case .real(let r) = v { return op == .invert ? false : body(.real(op == .negate ? -r : r), &e) }
            guard let n = v.number, let r = Self.apply(op, n) else { return false }
            return body(.integer(r), &e)
        }
    }

    static func apply(_ op: MatchUnaryOperator, _ n: Int128) -> Int128? {
        switch op {
        case .negate: n == .min ? nil : -n
        case .invert: ~n
        case .plus: n
        }
    }
}

/// `crc32(x)` and `crc16(x)` of bytes, as NFStest's `formatstr` has them (`crc32(NFS.fh) ==
/// 0x0f581ee9`; crc16 is `binascii.crc_hqx(x, 0xa5a5)`, what NFStest shows for stateids).
final class MatchCRCOperand: MatchOperand, @unchecked Sendable {
    let wide: Bool
    let operand: MatchOperand

    init(wide: Bool, _ operand: MatchOperand, column: Int) {
        self.wide = wide
        self.operand = operand
        super.init(kinds: .integer, column: column, label: (wide ? "crc32(" : "crc16(") + operand.label + ")")
    }

    override func any(_ p: UnsafePointer<Packet>, _ t: UnsafePointer<Tape>, _ e: inout MatchEnvironment,
                      _ body: (MatchValue, inout MatchEnvironment) -> Bool) -> Bool {
        operand.any(p, t, &e) { v, e in
            guard case .bytes(let b) = v else { return false }
            let crc = wide ? Int128(CRC32.checksum(b)) : Int128(CRC16.checksum(b, ByteRange(offset: 0, count: b.count)))
            return body(.integer(crc), &e)
        }
    }
}

/// Opaques that hold XDR of their own, decoded in place (`@xdr` and `@attrs` in xdr/README.md):
/// the generated decoders call these with the generated functions of an `@implicit` union.
///
/// The body is read with a reader bounded to the opaque, so an arm can never read past it. What an
/// arm leaves, or where it fails, is recorded rather than thrown: the rest of the message still
/// decodes, and the tape says plainly what was not understood — `NAME_undecoded` (the bytes from
/// where decoding stopped to the end of the opaque) and, for attributes, `NAME_unknown` (the first
/// attribute number the .x file has no arm for).
enum XDRBody {
    typealias Arms = (Int64, inout XDRReader, inout Tape) throws(DecodeError) -> Bool

    /// `@xdr(DISC UNION)`: the opaque holds the arm `v` of UNION. A value with no arm leaves the
    /// opaque as it is (an `.opaque` entry); otherwise a struct named `f` holds the arm.
    static func arm(_ f: UInt16, undecoded: UInt16, _ v: Int64, _ r: inout XDRReader, _ t: inout Tape,
                    hasArm: (Int64) -> Bool, arms: Arms) throws(DecodeError) {
        guard hasArm(v) else {
            try t.opaque(f, maximum: XDRLimits.maximumOpaque, &r)
            return
        }
        let body = try r.opaque(maximum: XDRLimits.maximumOpaque)
        var sub = XDRReader(r.bytes, range: body, layer: r.layer, truncated: false)
        try t.begin(f, .structBegin, count: 0, &r)
        let depth = t.depth
        do {
            _ = try arms(v, &sub, &t)
        } catch {
            close(&t, to: depth)
        }
        rest(undecoded, sub, &t)
        t.end()
    }

    /// `@attrs(MASK UNION)`: for each bit set in the bitmap decoded at tape index `mask` (its
    /// `.arrayBegin`), lowest first, the opaque holds UNION's arm of that bit number. The first
    /// bit without an arm stops the decoding: its number is recorded as `unknown`.
    static func attributes(_ f: UInt16, undecoded: UInt16, unknown: UInt16, mask: Int, _ r: inout XDRReader,
                           _ t: inout Tape, hasArm: (Int64) -> Bool, arms: Arms) throws(DecodeError) {
        let body = try r.opaque(maximum: XDRLimits.maximumOpaque)
        var sub = XDRReader(r.bytes, range: body, layer: r.layer, truncated: false)
        try t.begin(f, .structBegin, count: 0, &r)
        let depth = t.depth
        let words = mask < t.count && t[mask].kind == .arrayBegin ? Int(t[mask].count) : 0
        scan: for w in 0..<words {
            let word = t[mask + 1 + w].value
            guard word != 0 else { continue }
            for b in 0..<32 where word & (1 << UInt64(b)) != 0 {
                let attribute = Int64(w * 32 + b)
                guard hasArm(attribute) else {
                    t.push(unknown, .uint32, UInt64(attribute))
                    break scan
                }
                do {
                    _ = try arms(attribute, &sub, &t)
                } catch {
                    close(&t, to: depth)
                    t.push(unknown, .uint32, UInt64(attribute))
                    break scan
                }
            }
        }
        rest(undecoded, sub, &t)
        t.end()
    }

    /// Closes what an arm left open when it failed.
    static func close(_ t: inout Tape, to depth: Int) {
        while t.depth > depth { t.end() }
    }

    /// The bytes of the body nothing decoded, if any.
    static func rest(_ field: UInt16, _ sub: XDRReader, _ t: inout Tape) {
        if sub.offset < sub.end {
            t.push(field, .opaque, UInt64(sub.offset), count: UInt32(sub.end - sub.offset))
        }
    }
}

/// NFStest's CRC16 of a stateid's `other` (formatstr `{:crc16}`: Python's `binascii.crc_hqx(value,
/// 0xa5a5)`, CRC-CCITT: polynomial 0x1021, not reflected, initial value 0xa5a5).
public enum CRC16 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, _ range: ByteRange) -> UInt16 {
        var crc: UInt16 = 0xa5a5
        guard range.offset >= 0, range.end <= bytes.count else { return crc }
        for i in range.offset..<range.end {
            crc ^= UInt16(bytes[i]) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}

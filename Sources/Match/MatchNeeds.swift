import Decode

/// The layers a packet must have for a condition to hold, as a `LayerSet` mask: a comparison on
/// a field of an absent layer is false (the field yields nothing), so a rule set skips, with one
/// mask test, every expression that needs a layer the packet lacks (`MOUNT.status != 0` on an
/// NFS packet, `UDP.dst_port == 111` on TCP). Worked out once, when a rule set is made.
enum MatchNeeds {
    static func of(_ p: MatchPredicate) -> UInt32 {
        switch p {
        case let and as MatchAnd: return and.terms.reduce(0) { $0 | of($1) }
        case let or as MatchOr: return or.terms.isEmpty ? 0 : or.terms.map(of).reduce(~0) { $0 & $1 }
        case let leaf as MatchBodyLeaf: return mask(leaf.layer)
        case let layer as MatchLayerPredicate: return layer.layers.count == 1 ? mask(layer.layers[0]) : 0
        case let truth as MatchTruthPredicate: return of(truth.operand)
        case let regex as MatchRegexPredicate: return of(regex.operand)
        case let c as MatchComparison:
            // `a not in b` holds when b yields nothing: only a is needed
            return c.op == .isNotIn ? of(c.lhs) : of(c.lhs) | of(c.rhs)
        case let h as MatchHeaderIntegerComparison: return of(h.field)
        default: return 0  // `not`, constants: nothing is known
        }
    }

    static func of(_ o: MatchOperand) -> UInt32 {
        switch o {
        case let h as MatchHeaderOperand: return of(h.field)
        case let b as MatchBodyOperand: return mask(b.layer)
        case is MatchNFSOpOperand, is MatchNFSHeaderOperand: return mask(.nfs)
        case let b as MatchBitwiseOperand: return of(b.lhs) | of(b.rhs)
        case let u as MatchUnaryOperand: return of(u.operand)
        case let c as MatchCRCOperand: return of(c.operand)
        default: return 0  // constants; a list yields what any element does
        }
    }

    /// The layer a header field belongs to, when it is one layer (IP is IPv4 or IPv6: none).
    static func of(_ field: HeaderField) -> UInt32 {
        let layer = field.name.split(separator: ".").first.map { String($0) } ?? ""
        guard let (layers, _) = MatchNames.headerLayers[layer], layers.count == 1 else { return 0 }
        return mask(layers[0])
    }

    static func mask(_ layer: Layer) -> UInt32 { 1 << UInt32(layer.rawValue) }
}

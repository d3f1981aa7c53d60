import Decode
import Match

extension Pktt {
    /// Whether the current packet matches `expression` (`scratch`: the caller's, reused from
    /// packet to packet so that matching allocates nothing).
    public func matches(_ expression: MatchExpression, scratch: inout MatchScratch) -> Bool {
        let tape = self.tape
        return withMessageBytes { message, _ in
            expression.matches(packet, tape: tape, message: message, record: record, scratch: &scratch)
        }
    }
}

extension MatchDepth {
    /// The pipeline depth a trace needs to judge expressions of this depth.
    public var decodeDepth: DecodeDepth {
        switch self {
        case .transport: .transport
        case .rpc: .rpc
        case .body: .all
        }
    }
}

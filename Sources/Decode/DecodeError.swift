/// Why a layer could not be decoded. The packet keeps every layer decoded before it.
///
/// A struct with an extensible code (as swift-asn1 does) so new reasons need no new cases at the
/// call sites that only report them.
public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A small integer, so a `Packet` holding an error stays plain data (no reference counting
    /// when packets are copied).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The bytes end before the header does (and the packet was not cut by the snaplen).
        public static let shortHeader = Code(rawValue: 1)
        /// A length field points outside what the header allows.
        public static let badLength = Code(rawValue: 2)
        /// A version or type field holds a value the protocol does not define.
        public static let badVersion = Code(rawValue: 3)
        /// An option or extension header is malformed.
        public static let badOption = Code(rawValue: 4)
        /// More nested headers than `PacketLimits` allows.
        public static let tooDeep = Code(rawValue: 5)
        /// A length read from the wire is above its named cap (`XDRLimits`).
        public static let tooLong = Code(rawValue: 6)
        /// An enum or union discriminant holds a value the protocol does not define.
        public static let badValue = Code(rawValue: 7)
        /// The message ends before its body does (a malformed message, not a snaplen cut).
        public static let shortData = Code(rawValue: 8)
        /// The bytes end where the snaplen (or a gap in the stream) cut the message.
        public static let truncated = Code(rawValue: 9)

        public var name: String {
            switch rawValue {
            case 1: "short header"
            case 2: "bad length"
            case 3: "bad version"
            case 4: "bad option"
            case 5: "too many nested headers"
            case 6: "length above its cap"
            case 7: "undefined value"
            case 8: "message ends early"
            case 9: "cut by the snaplen"
            default: "code \(rawValue)"
            }
        }

        public var description: String { name }
    }

    public var code: Code
    /// The layer that failed (`"ipv4"`, `"tcp"`, …).
    public var layer: Layer
    /// Byte offset in the packet where the problem was found.
    public var offset: Int

    public init(_ code: Code, layer: Layer, offset: Int) {
        self.code = code
        self.layer = layer
        self.offset = offset
    }

    public var description: String { "\(layer.name): \(code) at byte \(offset)" }
}

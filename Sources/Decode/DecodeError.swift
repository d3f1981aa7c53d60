/// Why a layer could not be decoded. The packet keeps every layer decoded before it.
///
/// A struct with an extensible code (as swift-asn1 does) so new reasons need no new cases at the
/// call sites that only report them.
public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The bytes end before the header does (and the packet was not cut by the snaplen).
        public static let shortHeader = Code("short header")
        /// A length field points outside what the header allows.
        public static let badLength = Code("bad length")
        /// A version or type field holds a value the protocol does not define.
        public static let badVersion = Code("bad version")
        /// An option or extension header is malformed.
        public static let badOption = Code("bad option")
        /// More nested headers than `PacketLimits` allows.
        public static let tooDeep = Code("too many nested headers")
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

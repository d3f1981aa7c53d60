/// The XDR body target's input: 3 selector bytes, then the body.
///
///     0   which program and version (`programs`, modulo its count)
///     1   procedure (bits 0-5)
///     2   a reply (bit 0), cut by the snaplen (bit 1)
public struct XDRBodySelector: Equatable {
    public var program: UInt32
    public var version: UInt32
    public var procedure: UInt32
    public var isReply: Bool
    public var truncated: Bool

    /// Every program and version with bodies described in xdr/*.x.
    public static let programs: [(program: UInt32, version: UInt32)] = [
        (100000, 2), (100000, 3), (100000, 4),   // PORTMAP, RPCBIND
        (100005, 1), (100005, 3),                // MOUNT
        (100021, 1), (100021, 3), (100021, 4),   // NLM
        (100024, 1),                             // NSM
        (100003, 2), (100003, 3), (100003, 4),   // NFS
        (100227, 2), (100227, 3),                // NFS_ACL
        (0x4000_0000, 1),                        // the NFSv4 callback program
    ]

    public static let size = 3

    public init(_ input: inout FuzzInput) {
        let p = Self.programs[Int(input.u8()) % Self.programs.count]
        program = p.program
        version = p.version
        procedure = UInt32(input.u8() & 0x3f)
        let flags = input.u8()
        isReply = flags & 1 != 0
        truncated = flags & 2 != 0
    }

    /// The selector of a message seen in a capture; nil when its program has no described body.
    public init?(program: UInt32, version: UInt32, procedure: UInt32, isReply: Bool) {
        let program = (0x4000_0000...0x5fff_ffff).contains(program) ? 0x4000_0000 : program
        guard Self.programs.contains(where: { $0 == (program, version) }), procedure < 64 else { return nil }
        self.program = program
        self.version = version
        self.procedure = procedure
        self.isReply = isReply
        truncated = false
    }

    public func write(to w: inout SeedWriter) {
        w.u8(UInt8(Self.programs.firstIndex { $0 == (program, version) } ?? 0))
        w.u8(UInt8(procedure))
        w.u8((isReply ? 1 : 0) | (truncated ? 2 : 0))
    }
}

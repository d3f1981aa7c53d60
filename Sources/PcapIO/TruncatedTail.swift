/// The partial record at the end of a file that is still being written or was cut short.
///
/// The reader stops before it and never decodes it; a file that grows later can be read on
/// with another `next()` call.
public struct TruncatedTail: Equatable, Sendable, CustomStringConvertible {
    /// The capture file's path as given to the reader.
    public var path: String
    /// Byte offset of the partial record's header within the (decompressed) file.
    public var offset: Int64
    /// Bytes of the record present in the file.
    public var bytesPresent: Int
    /// Bytes the whole record needs: its full length when its header is complete, otherwise the
    /// length of the header itself (a lower bound).
    public var bytesNeeded: Int

    public init(path: String, offset: Int64, bytesPresent: Int, bytesNeeded: Int) {
        self.path = path
        self.offset = offset
        self.bytesPresent = bytesPresent
        self.bytesNeeded = bytesNeeded
    }

    public var description: String {
        "\(path): last record at byte offset \(offset) cut short: \(bytesPresent) of \(bytesNeeded) bytes present"
    }
}

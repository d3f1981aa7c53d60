/// The partial record at the end of a file that is still being written or was cut short, or
/// a gzip stream that ends before its trailer.
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
    /// A gzip file: where its compressed stream was cut, when it ends before its trailer.
    /// Then every record may be whole (`bytesPresent` 0) and the file is still cut short.
    public var gzipCut: GzipCut?
    /// A gzip file: the compressed bytes read up to the cut.
    public var compressedOffset: Int64?

    public init(path: String, offset: Int64, bytesPresent: Int, bytesNeeded: Int) {
        self.path = path
        self.offset = offset
        self.bytesPresent = bytesPresent
        self.bytesNeeded = bytesNeeded
    }

    public var description: String {
        var text = displayPath(path) + ": "
        if bytesPresent > 0 {
            text += "last record at byte offset \(offset) cut short: \(bytesPresent) of \(bytesNeeded) bytes present"
            if gzipCut != nil { text += "; " }
        }
        guard let gzipCut else { return text }
        text += gzipCut.description
        if let compressedOffset { text += " at compressed byte \(compressedOffset)" }
        if bytesPresent == 0 { text += ", after the last whole record (byte offset \(offset))" }
        if gzipCut == .trailer { text += ": the records are whole but unchecked" }
        return text
    }
}

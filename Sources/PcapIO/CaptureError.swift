/// Why a capture file could not be read, with the file and the byte offset where it went wrong;
/// or why libpcap could not open, configure or read a live capture (`path` is then the
/// interface, or empty when a filter was checked without one).
///
/// Offsets count bytes of the (decompressed) capture stream, as `CaptureRecord.fileOffset` does,
/// so `dd`/`xxd` on the uncompressed file shows the bad header.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; extensible without breaking `switch`es elsewhere.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notACapture, unsupportedFormat, truncatedHeader, corruptRecord, corruptCompressedData, io,
                 frameNotAvailable, capture, filter
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The magic number is none of pcap, pcapng or snoop.
        public static let notACapture = Code(.notACapture)
        /// A capture format or version this reader does not handle (bzip2, modified pcap, snoop v3…).
        public static let unsupportedFormat = Code(.unsupportedFormat)
        /// The file ends inside its file header (or is empty).
        public static let truncatedHeader = Code(.truncatedHeader)
        /// A record or block header that cannot be right (lengths out of range or inconsistent).
        public static let corruptRecord = Code(.corruptRecord)
        /// A gzip stream's bytes are damaged: a bad header, deflate data that cannot be
        /// inflated, or a CRC-32 or length in the trailer that does not match.
        public static let corruptCompressedData = Code(.corruptCompressedData)
        /// The operating system or zlib failed to open, read or seek.
        public static let io = Code(.io)
        /// `seek(toFrame:)` asked for a frame whose offset the reader does not know.
        public static let frameNotAvailable = Code(.frameNotAvailable)
        /// libpcap could not open, configure or read a live capture (no such interface, no
        /// permission, the interface went away); the message carries libpcap's own words.
        public static let capture = Code(.capture)
        /// libpcap rejected a BPF filter expression (or could not install it); the message names
        /// the filter and carries libpcap's reason.
        public static let filter = Code(.filter)

        public var description: String {
            switch base {
            case .notACapture: "notACapture"
            case .unsupportedFormat: "unsupportedFormat"
            case .truncatedHeader: "truncatedHeader"
            case .corruptRecord: "corruptRecord"
            case .corruptCompressedData: "corruptCompressedData"
            case .io: "io"
            case .frameNotAvailable: "frameNotAvailable"
            case .capture: "capture"
            case .filter: "filter"
            }
        }
    }

    public var code: Code
    /// The capture file's path as given to the reader; for a live capture the interface name,
    /// empty when there is none (`LiveCapture.checkFilter`).
    public var path: String
    /// Byte offset of the bad header within the (decompressed) file; nil when no position applies.
    public var offset: Int64?
    /// What was wrong, in the format's own words.
    public var message: String
    /// Where in pktt the error was raised, for bug reports.
    public var sourceLocation: String

    public init(_ code: Code, path: String, offset: Int64?, _ message: String,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.path = path
        self.offset = offset
        self.message = message
        self.sourceLocation = "\(file):\(line)"
    }

    public var description: String {
        if path.isEmpty { return message }
        if let offset {
            return "\(displayPath(path)): byte offset \(offset): \(message)"
        }
        return "\(displayPath(path)): \(message)"
    }
}

/// A path as messages name it: standard input (`-`) as `<stdin>`.
func displayPath(_ path: String) -> String {
    path == ByteSource.standardInputPath ? "<stdin>" : path
}

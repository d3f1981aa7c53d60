import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a gzip stream that ended early was cut (RFC 1952 §2.3: header, deflate data, then an
/// 8-byte trailer of CRC-32 and length).
public enum GzipCut: Sendable, Equatable, CustomStringConvertible {
    /// Inside a member's header (magic, method, flags and the optional fields).
    case header
    /// Inside the compressed (deflate) data: what was inflated so far is delivered.
    case compressedData
    /// After the deflate data, inside the trailer: every byte is out, but unchecked.
    case trailer

    public var description: String {
        switch self {
        case .header: "gzip header cut short"
        case .compressedData: "gzip stream cut short inside its compressed data"
        case .trailer: "gzip stream cut short inside its 8-byte trailer (CRC-32 and length)"
        }
    }
}

/// A gzip file inflated with zlib's stream API straight into the caller's buffer, reading the
/// descriptor itself: it works on pipes and FIFOs (the bytes read to tell the format are fed in
/// first), knows where a stream that ends early was cut, names the file in its errors, and
/// reads on when the file grows. Members written one after another (RFC 1952 §2.2) are read
/// as one stream; bytes after the last member that start no member are ignored, as zlib's
/// `gzread` and gzip(1) do.
final class GzipStream {
    let descriptor: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private let header: UnsafeMutablePointer<gz_header>
    private let input: UnsafeMutablePointer<UInt8>
    static let inputCapacity = 1 << 17
    /// Bytes read from the descriptor, including those handed in at the start.
    private var fileBytesRead: Int64 = 0
    /// Bytes inflated so far: the position in the uncompressed stream.
    private(set) var uncompressedOffset: Int64 = 0
    private var phase = Phase.header
    /// The error met after some bytes of a read were inflated: those are returned first.
    private var pendingError: CaptureError?

    private enum Phase {
        case header, compressedData, trailer
        /// A member ended (its trailer checked); another may follow.
        case betweenMembers
        /// The bytes after the last member start no member: ignored.
        case ignoringTrailingBytes
    }

    /// `prefix`: bytes already read from the descriptor (a pipe's first bytes).
    init(descriptor: Int32, prefix: [UInt8], path: String) throws(CaptureError) {
        self.descriptor = descriptor
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        header = .allocate(capacity: 1)
        header.initialize(to: gz_header())
        input = .allocate(capacity: Self.inputCapacity)
        // 15 + 16: a 32 KiB window, gzip framing only (RFC 1952), no zlib or raw deflate.
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            header.deallocate()
            input.deallocate()
            throw CaptureError(.io, path: path, offset: nil, "zlib cannot start inflating (out of memory?)")
        }
        inflateGetHeader(stream, header)
        for (index, byte) in prefix.prefix(Self.inputCapacity).enumerated() { input[index] = byte }
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(min(prefix.count, Self.inputCapacity))
        fileBytesRead = Int64(min(prefix.count, Self.inputCapacity))
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        header.deallocate()
        input.deallocate()
    }

    /// Bytes of the file consumed by inflating so far (the compressed position).
    var compressedOffset: Int64 { fileBytesRead - Int64(stream.pointee.avail_in) }

    /// Where the stream is cut if the file ends here; nil when it ends between members.
    var cut: GzipCut? {
        switch phase {
        case .header: .header
        case .compressedData: .compressedData
        case .trailer: .trailer
        case .betweenMembers, .ignoringTrailingBytes: nil
        }
    }

    /// Inflates up to `count` bytes into `destination`; 0 at the end of the file for now (`cut`
    /// says whether the stream was complete there). Returns early rather than wait on a pipe
    /// for more input once it has bytes to give.
    func readInflated(into destination: UnsafeMutableRawPointer, count: Int, path: String) throws(CaptureError) -> Int {
        if let pendingError {
            self.pendingError = nil
            throw pendingError
        }
        let capacity = UInt32(min(count, Int(UInt32.max)))
        let out = destination.assumingMemoryBound(to: UInt8.self)
        var produced: UInt32 = 0
        while produced < capacity && phase != .ignoringTrailingBytes {
            if stream.pointee.avail_in == 0 || (phase == .betweenMembers && stream.pointee.avail_in < 2) {
                guard produced == 0, try refill(path: path) else { break }
                continue
            }
            if phase == .betweenMembers {
                guard stream.pointee.next_in[0] == 0x1F && stream.pointee.next_in[1] == 0x8B else {
                    phase = .ignoringTrailingBytes
                    break
                }
                inflateReset(stream)
                inflateGetHeader(stream, header)
                phase = .header
            }
            stream.pointee.next_out = out + Int(produced)
            stream.pointee.avail_out = capacity - produced
            // Z_BLOCK returns at the end of the header and of each deflate block, so the phase
            // (header, data, trailer) is always known.
            let code = inflate(stream, Z_BLOCK)
            let before = produced
            produced = capacity - stream.pointee.avail_out
            uncompressedOffset += Int64(produced - before)
            switch code {
            case Z_OK, Z_BUF_ERROR:
                // Z_BUF_ERROR: no progress without more input; the loop reads some.
                if phase == .header && header.pointee.done != 0 { phase = .compressedData }
                // Bit 64: the last block; bit 128: at a block boundary. Both: the data is over.
                if phase == .compressedData && stream.pointee.data_type & (64 | 128) == 64 | 128 { phase = .trailer }
            case Z_STREAM_END:
                phase = .betweenMembers
            default:
                let error = CaptureError(.corruptCompressedData, path: path, offset: uncompressedOffset,
                                         "gzip data error at compressed byte \(compressedOffset): \(zlibMessage(code))")
                // What was inflated before the damage is delivered first.
                guard produced == 0 else {
                    pendingError = error
                    return Int(produced)
                }
                throw error
            }
        }
        return Int(produced)
    }

    /// Reads more of the file into the input buffer, keeping the unread bytes; false at its end.
    private func refill(path: String) throws(CaptureError) -> Bool {
        let kept = Int(stream.pointee.avail_in)
        if kept > 0 { memmove(input, stream.pointee.next_in, kept) }
        while true {
            let got = read(descriptor, input + kept, Self.inputCapacity - kept)
            if got > 0 {
                fileBytesRead += Int64(got)
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(kept + got)
                return true
            }
            if got == 0 {
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(kept)
                return false
            }
            if errno == EINTR { continue }
            throw CaptureError(.io, path: path, offset: uncompressedOffset, "read failed: \(errnoMessage())")
        }
    }

    /// Moves to `offset` in the uncompressed stream: forward by inflating and dropping bytes,
    /// backward by starting again from the file's first byte (not possible on a pipe).
    func seek(to offset: Int64, path: String) throws(CaptureError) {
        pendingError = nil
        if offset < uncompressedOffset {
            guard lseek(descriptor, 0, SEEK_SET) == 0 else {
                throw CaptureError(.io, path: path, offset: offset,
                                   "cannot go back in a gzip stream that is not a regular file: \(errnoMessage())")
            }
            inflateReset(stream)
            inflateGetHeader(stream, header)
            stream.pointee.avail_in = 0
            fileBytesRead = 0
            uncompressedOffset = 0
            phase = .header
        }
        let scratchSize = 1 << 16
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 16)
        defer { scratch.deallocate() }
        while uncompressedOffset < offset {
            let got = try readInflated(into: scratch, count: Int(min(Int64(scratchSize), offset - uncompressedOffset)), path: path)
            guard got > 0 else {
                throw CaptureError(.io, path: path, offset: offset,
                                   "cannot seek: the gzip stream ends at uncompressed byte \(uncompressedOffset)")
            }
        }
    }

    private func zlibMessage(_ code: Int32) -> String {
        if let message = stream.pointee.msg { return String(cString: message) }
        return String(cString: zError(code))
    }
}

import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a reader's bytes come from: the file itself through POSIX `read`, or zlib inflating a
/// gzip file. Both count positions in the uncompressed stream.
enum ByteSource {
    case descriptor(Int32)
    /// zlib owns the descriptor (gzdopen); it stays open for `fstat` until `gzclose`.
    case gzip(gzFile, descriptor: Int32)

    static func opening(path: String) throws(CaptureError) -> ByteSource {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaptureError(.io, path: path, offset: nil, "cannot open: \(errnoMessage())")
        }
        // gzip member magic 1f 8b (RFC 1952 §2.3.1). pread fails on a pipe: treat as plain.
        var magic: UInt16 = 0
        let got = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, 0) }
        guard got == 2, magic == UInt16(littleEndian: 0x8B1F) else { return .descriptor(fd) }
        guard let gz = gzdopen(fd, "rb") else {
            close(fd)
            throw CaptureError(.io, path: path, offset: nil, "zlib cannot open the gzip stream")
        }
        // zlib inflates a request of twice its buffer size or more straight into the caller's
        // memory (no copy, and no internal output buffer that one bad byte empties).
        gzbuffer(gz, UInt32(gzipReadSize / 2))
        return .gzip(gz, descriptor: fd)
    }

    static let gzipReadSize = 1 << 17

    var isGzip: Bool {
        if case .gzip = self { return true }
        return false
    }

    var descriptor: Int32 {
        switch self {
        case .descriptor(let fd): fd
        case .gzip(_, let fd): fd
        }
    }

    /// Reads up to `count` bytes; 0 means the end of the file for now (it may still grow).
    func readBytes(into destination: UnsafeMutableRawPointer, count: Int, path: String,
              offset: Int64) throws(CaptureError) -> Int {
        let request = min(count, 1 << 30)
        switch self {
        case .descriptor(let fd):
            while true {
                let got = read(fd, destination, request)
                if got >= 0 { return got }
                if errno == EINTR { continue }
                throw CaptureError(.io, path: path, offset: offset, "read failed: \(errnoMessage())")
            }
        case .gzip(let gz, _):
            // Clear a previous end-of-file so a gzip file that is still being written reads on.
            gzclearerr(gz)
            // zlib drops what one gzread call inflated when that call meets bad data (or a bad
            // CRC at the end): calls of a bounded size keep the records before the damage.
            let got = gzread(gz, destination, UInt32(min(request, Self.gzipReadSize)))
            if got >= 0 { return Int(got) }
            throw CaptureError(.io, path: path, offset: offset, "gzip data error: \(Self.zlibMessage(gz))")
        }
    }

    /// Moves to `offset` in the uncompressed stream. zlib emulates a backward seek by
    /// inflating again from the start: slow on big files, but correct.
    func seek(to offset: Int64, path: String) throws(CaptureError) {
        switch self {
        case .descriptor(let fd):
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                throw CaptureError(.io, path: path, offset: offset, "cannot seek: \(errnoMessage())")
            }
        case .gzip(let gz, _):
            gzclearerr(gz)
            guard gzseek(gz, Int(offset), SEEK_SET) == Int(offset) else {
                throw CaptureError(.io, path: path, offset: offset, "cannot seek in gzip stream: \(Self.zlibMessage(gz))")
            }
        }
    }

    /// Bytes of the file on disk read so far (the compressed position for gzip).
    var compressedOffset: Int64? {
        guard case .gzip(let gz, _) = self else { return nil }
        let offset = gzoffset(gz)
        return offset >= 0 ? Int64(offset) : nil
    }

    /// The size of the file on disk now (compressed size for gzip); nil for pipes and devices.
    var fileSize: Int64? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    func closeSource() {
        switch self {
        case .descriptor(let fd): close(fd)
        case .gzip(let gz, _): gzclose(gz)
        }
    }

    private static func zlibMessage(_ gz: gzFile) -> String {
        var code: Int32 = 0
        guard let text = gzerror(gz, &code) else { return "zlib error \(code)" }
        if code == Z_ERRNO { return errnoMessage() }
        return String(cString: text)
    }
}

func errnoMessage() -> String {
    let code = errno
    return "\(String(cString: strerror(code))) (errno \(code))"
}

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
    case gzip(GzipStream)

    /// The path that means standard input (`cat trace.pcap.gz | pktt show -`).
    static let standardInputPath = "-"

    /// Opens `path` and tells whether it is gzip. `prefix`: bytes already read from a pipe or
    /// FIFO to tell it (they cannot be read again) that belong to the plain capture.
    static func opening(path: String) throws(CaptureError) -> (source: ByteSource, prefix: [UInt8]) {
        let fd = path == standardInputPath ? fcntl(0, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaptureError(.io, path: path, offset: nil, "cannot open: \(errnoMessage())")
        }
        // gzip member magic 1f 8b (RFC 1952 §2.3.1). A regular file is peeked at with pread;
        // a pipe's first bytes are read and handed on.
        var magic: [UInt8] = [0, 0]
        var prefix: [UInt8] = []
        var got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        if got < 0 && errno == ESPIPE {
            got = 0
            while got < 2 {
                let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, 2 - got) }
                if n > 0 { got += n } else if n == 0 || errno != EINTR { break }
            }
            prefix = Array(magic.prefix(got))
        }
        guard got == 2, magic == [0x1F, 0x8B] else { return (.descriptor(fd), prefix) }
        do {
            return (.gzip(try GzipStream(descriptor: fd, prefix: prefix, path: path)), [])
        } catch {
            close(fd)
            throw error
        }
    }

    var isGzip: Bool {
        if case .gzip = self { return true }
        return false
    }

    var descriptor: Int32 {
        switch self {
        case .descriptor(let fd): fd
        case .gzip(let stream): stream.descriptor
        }
    }

    /// Where a gzip stream would be cut if the file ended now; nil for a plain file or a
    /// stream that is complete.
    var gzipCut: GzipCut? {
        guard case .gzip(let stream) = self else { return nil }
        return stream.cut
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
                // a non-blocking pipe (the daemon's stdin) with nothing in it yet: no bytes for now
                if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
                throw CaptureError(.io, path: path, offset: offset, "read failed: \(errnoMessage())")
            }
        case .gzip(let stream):
            return try stream.readInflated(into: destination, count: request, path: path)
        }
    }

    /// Moves to `offset` in the uncompressed stream. A gzip stream goes back by inflating again
    /// from the start: slow on big files, but correct.
    func seek(to offset: Int64, path: String) throws(CaptureError) {
        switch self {
        case .descriptor(let fd):
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                throw CaptureError(.io, path: path, offset: offset, "cannot seek: \(errnoMessage())")
            }
        case .gzip(let stream):
            try stream.seek(to: offset, path: path)
        }
    }

    /// Bytes of the file on disk read so far (the compressed position for gzip).
    var compressedOffset: Int64? {
        guard case .gzip(let stream) = self else { return nil }
        return stream.compressedOffset
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
        case .gzip(let stream): close(stream.descriptor)
        }
    }
}

func errnoMessage() -> String {
    let code = errno
    return "\(String(cString: strerror(code))) (errno \(code))"
}

import CZlib
import Foundation
import Testing
@testable import PcapIO

/// gzip captures read as a stream: from pipes and FIFOs, cut at any point, damaged, written in
/// several members, still growing.
@Suite("gzip streams")
struct GzipStreamTests {
    let directory = TemporaryDirectory()

    /// 2,000 records of 100 bytes: a gzip file of several deflate blocks.
    static let pcap: PcapBuilder = {
        var pcap = PcapBuilder()
        for number in 1...2000 { pcap.record(seconds: UInt32(number), fraction: 0, data: packetBytes(number, count: 100)) }
        return pcap
    }()

    func gzipBytes(_ bytes: [UInt8], name: String = "make.gz") throws -> [UInt8] {
        try #require(FileManagerBytes.read(directory.writeGzip(name, bytes)))
    }

    /// What inflating `compressed` gives before it ends or fails, worked out in one zlib call.
    static func inflatedPrefix(_ compressed: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        inflateInit2_(&stream, 31, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: 1 << 22)
        var input = compressed
        let produced = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                _ = inflate(&stream, Z_SYNC_FLUSH)
                return outputBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    /// Why `path` could not be opened; nil when it could.
    static func openingError(_ path: String) -> CaptureError? {
        do {
            _ = try CaptureReader(path: path)
            return nil
        } catch {
            return error
        }
    }

    /// The records of `pcap` wholly inside its first `bytes` bytes.
    static func wholeRecords(_ pcap: PcapBuilder, within bytes: Int) -> Int {
        zip(pcap.recordOffsets, pcap.recordOffsets.dropFirst() + [pcap.bytes.count]).filter { $0.1 <= bytes }.count
    }

    /// A path that reads `bytes` through a pipe, written by another thread in small pieces.
    static func pipe(_ bytes: [UInt8], piece: Int = 777) -> (path: String, readEnd: Int32) {
        var ends: [Int32] = [0, 0]
        precondition(Glibc.pipe(&ends) == 0)
        let writeEnd = ends[1]
        Thread.detachNewThread {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset..<min(offset + piece, bytes.count)].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
            close(writeEnd)
        }
        return ("/dev/fd/\(ends[0])", ends[0])
    }

    @Test("a gzip capture through a pipe reads as the file does, and so does a plain one")
    func throughPipe() throws {
        let fixture = fixturesDirectory + "/nfs-generic221.pcapng.gz"
        let compressed = try #require(FileManagerBytes.read(fixture))
        let expected = try readAll(CaptureReader(path: fixture))
        #expect(expected.count == 22)
        let (gzipPath, gzipEnd) = Self.pipe(compressed)
        defer { close(gzipEnd) }
        let reader = try CaptureReader(path: gzipPath, keepIndex: false, bufferSize: 4096)
        #expect(reader.isGzip && reader.fileSize == nil)
        #expect(try readAll(reader) == expected)
        #expect(reader.truncatedTail == nil)
        #expect(reader.compressedBytesRead == Int64(compressed.count))
        // Plain bytes from a pipe: the two read to tell the format are not lost.
        let plain = Self.inflatedPrefix(compressed)
        let (plainPath, plainEnd) = Self.pipe(plain, piece: 1)
        defer { close(plainEnd) }
        let plainReader = try CaptureReader(path: plainPath, keepIndex: false, bufferSize: 4096)
        #expect(!plainReader.isGzip)
        #expect(try readAll(plainReader) == expected)
    }

    @Test("a gzip capture through a FIFO made with mkfifo, its writer another thread")
    func throughFIFO() throws {
        let compressed = try gzipBytes(Self.pcap.bytes)
        let fifo = directory.path + "/capture.fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        Thread.detachNewThread {
            let fd = open(fifo, O_WRONLY)
            guard fd >= 0 else { return }
            var offset = 0
            while offset < compressed.count {
                let n = compressed[offset..<min(offset + 1000, compressed.count)].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
                usleep(200)
            }
            close(fd)
        }
        let reader = try CaptureReader(path: fifo)
        let records = try readAll(reader)
        #expect(records.count == 2000)
        #expect(records.last?.data == packetBytes(2000, count: 100))
        #expect(reader.truncatedTail == nil)
    }

    @Test("a gzip header cut short is named as such, with the file", arguments: [2, 3, 5, 9])
    func headerCut(bytes: Int) throws {
        let compressed = try gzipBytes(Self.pcap.bytes)
        let path = directory.write("head.pcap.gz", Array(compressed.prefix(bytes)))
        let error = try #require(Self.openingError(path))
        #expect(error.code == .truncatedHeader)
        #expect(error.description == "\(path): byte offset 0: gzip header cut short: the file ends after \(bytes) bytes")
    }

    /// Where to cut, counted back from the end of the compressed file (0: the whole file).
    enum Cut: CustomTestStringConvertible, CaseIterable {
        case early, middle, late, beforeTrailer, insideTrailer, lastByte
        func length(of count: Int) -> Int {
            switch self {
            case .early: count / 10
            case .middle: count / 2
            case .late: count - 12
            case .beforeTrailer: count - 8
            case .insideTrailer: count - 5
            case .lastByte: count - 1
            }
        }
        var testDescription: String { "\(self)" }
    }

    @Test("a gzip stream cut short: every whole record, then a truncated tail naming the cut", arguments: Cut.allCases)
    func streamCut(cut: Cut) throws {
        let compressed = try gzipBytes(Self.pcap.bytes)
        let kept = Array(compressed.prefix(cut.length(of: compressed.count)))
        let path = directory.write("cut.pcap.gz", kept)
        let reader = try CaptureReader(path: path, keepIndex: false, bufferSize: 1000)
        let records = try readAll(reader)
        let inflated = Self.inflatedPrefix(kept)
        #expect(records.count == Self.wholeRecords(Self.pcap, within: inflated.count))
        #expect(records.last.map { $0.data == packetBytes($0.frame, count: 100) } ?? true)
        let tail = try #require(reader.truncatedTail)
        #expect(tail.path == path)
        switch cut {
        case .early, .middle, .late:
            #expect(tail.gzipCut == .compressedData)
            #expect(tail.description.contains("gzip stream cut short inside its compressed data"))
        case .beforeTrailer, .insideTrailer, .lastByte:
            #expect(records.count == 2000)
            #expect(tail.gzipCut == .trailer && tail.bytesPresent == 0)
            #expect(tail.description.hasPrefix("\(path): gzip stream cut short inside its 8-byte trailer"))
        }
        #expect(tail.compressedOffset == Int64(kept.count))
    }

    @Test("compressed data cut before the capture's own file header is out")
    func cutBeforeFileHeader() throws {
        let compressed = try gzipBytes(Self.pcap.bytes)
        let path = directory.write("short.pcap.gz", Array(compressed.prefix(40)))
        #expect(Self.inflatedPrefix(Array(compressed.prefix(40))).count < 24)
        let error = try #require(Self.openingError(path))
        #expect(error.code == .truncatedHeader)
        #expect(error.description.hasPrefix("\(path): byte offset 0: file "))
        #expect(error.description.hasSuffix(": gzip stream cut short inside its compressed data"))
    }

    @Test("a gzip file still being written reads on as it grows, and ends whole")
    func growing() throws {
        let compressed = try gzipBytes(Self.pcap.bytes)
        let path = directory.write("growing.pcap.gz", Array(compressed.prefix(compressed.count / 3)))
        let reader = try CaptureReader(path: path)
        var records = try readAll(reader)
        #expect(records.count < 2000)
        #expect(reader.truncatedTail?.gzipCut == .compressedData)
        directory.append(Array(compressed[(compressed.count / 3)...]), to: path)
        records += try readAll(reader)
        #expect(records.map(\.frame) == Array(1...2000))
        #expect(reader.truncatedTail == nil)
    }

    @Test("bad gzip headers are refused with zlib's reason and the file's path",
          arguments: [(3, UInt8(0xE0), "unknown header flags set"), (2, UInt8(9), "unknown compression method")])
    func badHeader(field: Int, value: UInt8, reason: String) throws {
        var compressed = try gzipBytes(Self.pcap.bytes)
        compressed[field] = value
        let path = directory.write("bad.pcap.gz", compressed)
        let error = try #require(Self.openingError(path))
        #expect(error.code == .corruptCompressedData)
        #expect(error.description.hasPrefix("\(path): byte offset 0: gzip data error at compressed byte"))
        #expect(error.description.hasSuffix(reason))
    }

    @Test("damaged deflate data: every record of the good member, then an error naming the file")
    func corruptDeflate() throws {
        let first = try gzipBytes(Self.pcap.bytes)
        // A second member whose first block has the reserved type 3 (RFC 1951 §3.2.3).
        let damaged = Array(first.prefix(10)) + [0x07, 0x00, 0x00, 0x00]
        let path = directory.write("damaged.pcap.gz", first + damaged)
        let (records, error) = readUntilError(try CaptureReader(path: path))
        #expect(records.count == 2000)
        let thrown = try #require(error)
        #expect(thrown.code == .corruptCompressedData)
        #expect(thrown.offset == Int64(Self.pcap.bytes.count))
        #expect(thrown.description == "\(path): byte offset \(Self.pcap.bytes.count): gzip data error at compressed byte \(first.count + 11): invalid block type")
        #expect(!thrown.description.contains("<fd:"))
    }

    @Test("a capture gzip-compressed twice is refused with the reason")
    func doubleGzip() throws {
        let twice = try gzipBytes(try gzipBytes(Self.pcap.bytes, name: "once.gz"), name: "twice.gz")
        let path = directory.write("twice.pcap.gz.gz", twice)
        let error = try #require(Self.openingError(path))
        #expect(error.code == .unsupportedFormat)
        #expect(error.description == "\(path): byte offset 0: compressed twice with gzip; decompress it once first (one layer of gzip is read directly)")
    }

    @Test("members one after another read as one stream; bytes after the last that start no member are ignored")
    func members() throws {
        let bytes = Self.pcap.bytes
        let half = Self.pcap.recordOffsets[1000] + 37  // a record split across the members
        let joined = try gzipBytes(Array(bytes[..<half]), name: "a.gz") + gzipBytes(Array(bytes[half...]), name: "b.gz")
        for (name, file) in [("members.pcap.gz", joined), ("padded.pcap.gz", joined + [UInt8](repeating: 0, count: 512))] {
            let reader = try CaptureReader(path: directory.write(name, file), keepIndex: true, bufferSize: 333)
            let records = try readAll(reader)
            #expect(records.map(\.frame) == Array(1...2000), "\(name)")
            #expect(reader.truncatedTail == nil, "\(name)")
            // Back to a frame of the first member, and on again.
            try reader.seek(toFrame: 10)
            #expect(try reader.next().map { Array($0.data) } == packetBytes(10, count: 100))
        }
    }

    @Test("standard input is `-`; messages call it <stdin>")
    func standardInputName() {
        let error = CaptureError(.io, path: "-", offset: 3, "read failed")
        #expect(error.description == "<stdin>: byte offset 3: read failed")
        var tail = TruncatedTail(path: "-", offset: 24, bytesPresent: 0, bytesNeeded: 0)
        tail.gzipCut = .compressedData
        #expect(tail.description == "<stdin>: gzip stream cut short inside its compressed data, after the last whole record (byte offset 24)")
    }
}

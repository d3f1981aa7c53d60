import CZlib
import Foundation
@testable import PcapIO

/// A record copied out of the reader's buffer, to compare after later reads.
struct ReadRecord: Equatable, CustomStringConvertible {
    var frame: Int
    var seconds: Int64
    var nanoseconds: UInt32
    var capturedLength: Int
    var originalLength: Int
    var linkType: UInt32
    var fileOffset: Int64
    var interfaceID: Int
    var fileIndex: Int
    var data: [UInt8]

    init(_ record: CaptureRecord) {
        frame = record.frame
        seconds = record.seconds
        nanoseconds = record.nanoseconds
        capturedLength = record.capturedLength
        originalLength = record.originalLength
        linkType = record.linkType
        fileOffset = record.fileOffset
        interfaceID = record.interfaceID
        fileIndex = record.fileIndex
        data = Array(record.data)
    }

    /// The time as tshark prints `frame.time_epoch`.
    var epoch: String {
        let fraction = String(nanoseconds)
        return "\(seconds).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }

    var description: String {
        "#\(frame) file \(fileIndex) @\(fileOffset) \(epoch) \(capturedLength)/\(originalLength) link \(linkType) if \(interfaceID)"
    }
}

/// Every record until `next()` returns nil.
func readAll(_ reader: CaptureReader) throws -> [ReadRecord] {
    var records: [ReadRecord] = []
    while let record = try reader.next() { records.append(ReadRecord(record)) }
    return records
}

/// Every record until the end or the first error, and that error.
func readUntilError(_ reader: CaptureReader) -> (records: [ReadRecord], error: CaptureError?) {
    var records: [ReadRecord] = []
    do {
        while let record = try reader.next() { records.append(ReadRecord(record)) }
        return (records, nil)
    } catch {
        return (records, error)
    }
}

/// A directory of its own under the system's temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "pcapio-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `bytes` to a file named `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let filePath = path + "/" + name
        precondition(FileManager.default.createFile(atPath: filePath, contents: Data(bytes)))
        return filePath
    }

    /// Appends `bytes` to an existing file, as a capture program still writing it would.
    func append(_ bytes: [UInt8], to filePath: String) {
        let handle = FileHandle(forWritingAtPath: filePath)!
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        handle.closeFile()
    }

    /// Writes `bytes` gzip-compressed through zlib and returns the path.
    @discardableResult
    func writeGzip(_ name: String, _ bytes: [UInt8]) -> String {
        let filePath = path + "/" + name
        let gz = gzopen(filePath, "wb")!
        let written = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        precondition(Int(written) == bytes.count)
        gzclose(gz)
        return filePath
    }
}

/// Where the committed capture fixtures of this module live.
let fixturesDirectory: String = {
    let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    return testsDirectory.appendingPathComponent("Fixtures/pcapio").path
}()

enum FileManagerBytes {
    /// A whole file's bytes.
    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}

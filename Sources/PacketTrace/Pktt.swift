import Decode
import PcapIO
import Track

/// A packet trace: one or more capture files read record by record (merged in timestamp order
/// when several are given), each record decoded into `packet` with its `record` information.
///
/// The seed's `Pktt`. A single active iteration: `next()` overwrites `packet` and `record`.
///
///     let trace = try Pktt(files: ["/traces/nfs.pcap"])
///     while try trace.next() {
///         print(trace.record.index, trace.packet.ipSource)
///     }
public final class Pktt {
    public let files: [String]
    /// The current packet, reused from one `next()` to the next.
    public var packet = Packet()
    public private(set) var record = PacketRecord()
    public private(set) var statistics = TraceStatistics()
    /// Files whose last record was cut short (reported once the trace ends).
    public var truncatedTails: [TruncatedTail] { reader.truncatedTails }

    private let reader: MergedCaptureReader
    private var current: CaptureRecord?
    private var reassembler: IPReassembler
    private var sequences = TCPSequenceTracker()
    private var nextIndex = 0

    /// Opens every file now, so a missing or unreadable one is reported before any output.
    public init(files: [String], keepIndex: Bool = false,
                fragmentLimits: IPReassembler.Limits = .init()) throws {
        self.files = files
        reader = try MergedCaptureReader(paths: files, keepIndex: keepIndex)
        reassembler = IPReassembler(limits: fragmentLimits)
    }

    /// Decodes the next packet into `packet` and `record`; false at the end of the trace.
    /// Throws a `CaptureError` when a file turns out corrupt: every packet before the bad record
    /// was returned first, and calling `next()` again goes on with the other files.
    public func next() throws -> Bool {
        current = nil
        let captured: CaptureRecord?
        do {
            captured = try reader.next()
        } catch {
            statistics.fileErrors += 1
            throw error
        }
        guard let r = captured else {
            statistics.truncatedFiles = reader.truncatedTails.count
            return false
        }
        current = r
        record.frame = r.frame
        record.index = nextIndex
        nextIndex += 1
        record.seconds = r.seconds
        record.nanoseconds = r.nanoseconds
        record.lengthIncluded = r.capturedLength
        record.lengthOriginal = r.originalLength
        record.fileIndex = r.fileIndex
        record.fileOffset = r.fileOffset
        statistics.bytes += r.capturedLength

        PacketDecoder.decode(r.data, linkType: r.linkType, originalLength: r.originalLength,
                             into: &packet)
        if packet.isIPFragment && !packet.has(.tcp) && !packet.has(.udp) && packet.error == nil {
            reassemble(r)
        }
        if packet.has(.tcp) { sequences.track(&packet, time: record.time) }
        statistics.count(packet)
        return true
    }

    private func reassemble(_ r: CaptureRecord) {
        statistics.fragments += 1
        if let datagram = reassembler.add(packet, frame: r.data, time: record.time) {
            reassembler.datagram.withUnsafeBytes { bytes in
                PacketDecoder.decodeTransport(bytes, network: datagram, into: &packet)
            }
            packet.reassembled = true
            statistics.reassembled += 1
        }
        statistics.fragmentEvictions = reassembler.statistics.evictedForAge
            + reassembler.statistics.evictedForSpace
    }

    /// The bytes `packet.payload` refers to: the frame, or the reassembled datagram. Valid until
    /// the next call to `next()`.
    public func withPayloadBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        if packet.reassembled {
            return try reassembler.datagram.withUnsafeBytes(body)
        }
        return try body(current?.data ?? UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// The current frame's captured bytes. Valid until the next call to `next()`.
    public var frameBytes: UnsafeRawBufferPointer {
        current?.data ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// The path of the file the current packet came from.
    public var currentFile: String { files[record.fileIndex] }
}

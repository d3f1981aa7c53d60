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
    private let reader: MergedCaptureReader
    /// Everything that changes per packet, in one struct: each access to a class property costs
    /// a runtime exclusivity check, so the hot path makes one.
    private var state: TraceState
    private var current: CaptureRecord?

    /// Opens every file now, so a missing or unreadable one is reported before any output.
    public init(files: [String], keepIndex: Bool = false,
                fragmentLimits: IPReassembler.Limits = .init()) throws {
        self.files = files
        reader = try MergedCaptureReader(paths: files, keepIndex: keepIndex)
        state = TraceState(reassembler: IPReassembler(limits: fragmentLimits))
    }

    /// The current packet, reused from one `next()` to the next.
    public var packet: Packet { state.packet }
    public var record: PacketRecord { state.record }
    public var statistics: TraceStatistics { state.statistics }
    /// Packets decoded so far (cheaper than copying `statistics`).
    public var packetCount: Int { state.nextIndex }
    /// Files whose last record was cut short (known once the trace ends).
    public var truncatedTails: [TruncatedTail] { reader.truncatedTails }

    /// Decodes the next packet into `packet` and `record`; false at the end of the trace.
    /// Throws a `CaptureError` when a file turns out corrupt: every packet before the bad record
    /// was returned first, and calling `next()` again goes on with the other files.
    public func next() throws -> Bool {
        current = nil
        let captured: CaptureRecord?
        do {
            captured = try reader.next()
        } catch {
            state.statistics.fileErrors += 1
            throw error
        }
        guard let r = captured else {
            state.statistics.truncatedFiles = reader.truncatedTails.count
            return false
        }
        current = r
        state.take(r)
        return true
    }

    /// The bytes `packet.payload` refers to: the frame, or the reassembled datagram. Valid until
    /// the next call to `next()`.
    public func withPayloadBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        if state.packet.reassembled {
            return try state.reassembler.datagram.withUnsafeBytes(body)
        }
        return try body(frameBytes)
    }

    /// The current frame's captured bytes. Valid until the next call to `next()`.
    public var frameBytes: UnsafeRawBufferPointer {
        current?.data ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// The path of the file the current packet came from.
    public var currentFile: String { files[state.record.fileIndex] }
}

/// The per-packet work of `Pktt`: decode, reassemble, track, count.
struct TraceState {
    var packet = Packet()
    var record = PacketRecord()
    var statistics = TraceStatistics()
    var reassembler: IPReassembler
    var sequences = TCPSequenceTracker()
    var nextIndex = 0

    init(reassembler: IPReassembler) {
        self.reassembler = reassembler
    }

    mutating func take(_ r: CaptureRecord) {
        record.frame = r.frame
        record.index = nextIndex
        record.seconds = r.seconds
        record.nanoseconds = r.nanoseconds
        record.lengthIncluded = r.capturedLength
        record.lengthOriginal = r.originalLength
        record.fileIndex = r.fileIndex
        record.fileOffset = r.fileOffset
        nextIndex += 1
        let time = record.time
        PacketDecoder.decode(r.data, linkType: r.linkType, originalLength: r.originalLength,
                             into: &packet)
        if packet.isIPFragment && !packet.has(.tcp) && !packet.has(.udp) && packet.error == nil {
            reassemble(r, time: time)
        }
        if packet.has(.tcp) { sequences.track(&packet, time: time) }
        statistics.count(packet, bytes: r.capturedLength)
    }

    private mutating func reassemble(_ r: CaptureRecord, time: Int64) {
        statistics.fragments += 1
        if let datagram = reassembler.add(packet, frame: r.data, time: time) {
            reassembler.datagram.withUnsafeBytes { bytes in
                PacketDecoder.decodeTransport(bytes, network: datagram, into: &packet)
            }
            packet.reassembled = true
            statistics.reassembled += 1
        }
        statistics.fragmentEvictions = reassembler.statistics.evictedForAge
            + reassembler.statistics.evictedForSpace
    }
}

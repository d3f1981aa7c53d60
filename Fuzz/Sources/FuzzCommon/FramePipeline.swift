import Decode
import PacketTrace
import Track

/// `PacketPipeline` — the reader-free path the daemon and `Pktt` both run — on frames a fuzz
/// target makes up: decode, IP reassembly, relative sequence numbers, RPC stream tracking and
/// pairing, then every packet and message shown as a line and as JSON, and every header
/// catalogue field read from it, as the match language will.
public struct FramePipeline {
    public var pipeline: PacketPipeline
    var line = OneLineFormatter(showFrame: true)
    var json = JSONPacketFormatter()
    var out = TextBuffer(descriptor: -1)

    /// Small tables, so that a short input already fills them and makes them evict.
    public static func smallLimits() -> Limits {
        var limits = Limits()
        limits.stream.maximumRecordBytes = 16 << 10
        limits.stream.maximumQueuedSegments = 4
        limits.stream.maximumQueuedBytes = 8 << 10
        limits.reassemblyBudgetBytes = 48 << 10
        limits.maximumDirections = 6
        limits.maximumTCPConnections = 4
        limits.fragments = IPReassembler.Limits(maximumBytes: 64 << 10, maximumDatagrams: 4)
        limits.fragments.maximumFragmentsPerDatagram = 16
        limits.xids = XIDTable.Limits(maximumCalls: 8, maximumAgeNanoseconds: 30_000_000_000, answeredRing: 4)
        limits.rdma.maximumMessageBytes = 32 << 10
        limits.rdma.maximumPartialMessages = 4
        limits.rdma.maximumPartialBytes = 64 << 10
        limits.rdma.maximumWriteBytes = 64 << 10
        limits.rdma.maximumWriteRegions = 8
        limits.learnedPorts = 4
        return limits
    }

    public init(limits: Limits = FramePipeline.smallLimits()) {
        pipeline = PacketPipeline(limits: limits)
    }

    /// One captured frame, `time` in nanoseconds since 1970 (any value).
    public mutating func take(_ frame: UnsafeRawBufferPointer, linkType: UInt32, originalLength: Int, time: Int64,
                              frameNumber: Int) {
        var record = PacketRecord()
        record.frame = frameNumber
        let (seconds, nanoseconds) = time.quotientAndRemainder(dividingBy: 1_000_000_000)
        record.seconds = nanoseconds < 0 ? seconds - 1 : seconds
        record.nanoseconds = UInt32(nanoseconds < 0 ? nanoseconds + 1_000_000_000 : nanoseconds)
        record.lengthIncluded = frame.count
        record.lengthOriginal = originalLength
        pipeline.take(frame, linkType: linkType, record: record)
        show(frame)
        while pipeline.nextMessage(frame) { show(frame) }
    }

    mutating func show(_ frame: UnsafeRawBufferPointer) {
        let tape = pipeline.tape, record = pipeline.record, packet = pipeline.packet
        pipeline.withMessageBytes(frame: frame) { message, _ in
            line.append(record, packet, message: message, tape: tape, to: &out)
            json.append(record, packet, file: "fuzz", message: message, tape: tape, to: &out)
            for field in HeaderField.allCases {
                let count = field.count(packet, message: message) ?? 1
                for element in 0..<min(count, 4) {
                    _ = field.value(packet, message: message, record: record, element: element)
                }
            }
        }
        out.dropLast(out.bytes.count)
    }
}

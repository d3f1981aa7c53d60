/// Captured records copied out of a reader's buffer into memory the batch owns, so that they
/// can cross to a worker thread (a reader reuses its buffer for the next record). A batch is a
/// value: hand it over and it is the receiver's. Bytes of all records share one buffer, so a
/// batch costs a couple of allocations, not one per record, and `removeAll` keeps them.
public struct RecordBatch: Sendable {
    public struct Entry: Sendable {
        public var linkType: UInt32
        /// Where the record came from and when (`index` is assigned by the pipeline).
        public var record: PacketRecord
        /// The latest capture time the reader had seen with this record (times can go
        /// backwards in a capture; this does not): what the daemon orders its events by.
        public var clock: Int64
        /// Its bytes in the batch's buffer.
        var offset: Int
        var count: Int
    }

    public private(set) var entries: [Entry] = []
    /// Points where the holder of the batch is to look at the capture clock (after the first
    /// `after` entries, the clock had reached `clock`); placed by the reader at the same
    /// places in the input whichever worker a batch goes to.
    public private(set) var clockPoints: [(after: Int, clock: Int64)] = []
    private var bytes: [UInt8] = []

    public init(records: Int = 256, bytes byteCount: Int = 1 << 20) {
        entries.reserveCapacity(records)
        bytes.reserveCapacity(byteCount)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// Bytes of the records held, for bounding a queue of batches by memory.
    public var byteCount: Int { bytes.count }

    public mutating func append(_ data: UnsafeRawBufferPointer, linkType: UInt32, record: PacketRecord, clock: Int64 = 0) {
        entries.append(Entry(linkType: linkType, record: record, clock: clock, offset: bytes.count, count: data.count))
        bytes.append(contentsOf: data)
    }

    /// Marks the capture clock after the entries appended so far.
    public mutating func appendClockPoint(_ clock: Int64) {
        clockPoints.append((entries.count, clock))
    }

    public mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        clockPoints.removeAll(keepingCapacity: true)
    }

    /// Runs `body` on record `i`'s bytes.
    public func withBytes<T>(of i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let e = entries[i]
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[e.offset..<(e.offset + e.count)])) }
    }
}

extension PacketPipeline {
    /// Runs every record of `batch` through the pipeline, calling `body` with the pipeline and
    /// the frame's bytes for each packet (one per frame, or one per RPC message of a frame).
    public mutating func run(_ batch: RecordBatch, _ body: (borrowing PacketPipeline, UnsafeRawBufferPointer) -> Void) {
        for i in 0..<batch.count {
            let entry = batch.entries[i]
            batch.withBytes(of: i) { frame in
                take(frame, linkType: entry.linkType, record: entry.record)
                body(self, frame)
                while nextMessage(frame) { body(self, frame) }
            }
        }
    }
}

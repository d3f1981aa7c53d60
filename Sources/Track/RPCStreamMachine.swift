import Decode

/// A record the stream machine completed.
struct CompletedRecord {
    var source: RPCMessageSource
    var fragments: Int
    /// Bytes of the record on the wire (kept or not).
    var length: Int
    /// Bytes of it missing from the capture.
    var missing: Int
}

/// The record-marking state machine of one direction, fed byte ranges and holes. Static, so
/// the direction, the counters and the output buffer can be separate stored properties of the
/// tracker, passed in together.
enum RPCStreamMachine {
    /// Consumes bytes of `b` from `cursor` (up to `end`) until a record completes or the bytes
    /// run out. `zeroCopy`: `b` is the frame, so a record wholly inside it needs no copy.
    /// `cut`: the segment goes on past `end` on the wire, but the snaplen stopped the capture.
    static func consume(_ d: inout RPCStreamDirection, _ b: UnsafeRawBufferPointer, cursor: inout Int,
                        end: Int, cut: Bool = false, zeroCopy: Bool, limits: RPCStreamLimits,
                        stats: inout RPCStreamStatistics, output: inout [UInt8]) -> CompletedRecord? {
        while cursor < end {
            switch d.state {
            case .unsynced:
                if let start = findRecordStart(b, from: cursor, end: end, cut: cut, limits: limits) {
                    stats.skippedBytes += start - cursor
                    stats.resyncs += 1
                    cursor = start
                    d.state = .mark
                    d.markHave = 0
                } else {
                    stats.skippedBytes += end - cursor
                    cursor = end
                }
            case .mark:
                if d.markHave == 0 && end - cursor >= 4 {
                    let mark = b.u32(cursor)
                    let length = Int(mark & 0x7fff_ffff), last = mark >> 31 == 1
                    if !d.recordInProgress && last && zeroCopy && end - cursor - 4 >= length
                        && length <= limits.maximumRecordBytes && length > 0 {
                        // The common case: a whole single-fragment record inside the frame.
                        cursor += 4 + length
                        stats.records += 1
                        return CompletedRecord(source: .frame(ByteRange(offset: cursor - length, count: length)),
                                               fragments: 1, length: length, missing: 0)
                    }
                    cursor += 4
                    if let done = startFragment(&d, mark: mark, limits: limits, stats: &stats, output: &output) {
                        return done
                    }
                } else {
                    d.markValue = d.markValue << 8 | UInt32(b.u8(cursor))
                    d.markHave += 1
                    cursor += 1
                    if d.markHave == 4 {
                        d.markHave = 0
                        if let done = startFragment(&d, mark: d.markValue, limits: limits, stats: &stats,
                                                    output: &output) {
                            return done
                        }
                    }
                }
            case .fragment:
                let n = min(d.fragmentRemaining, end - cursor)
                if d.recordMissing == 0 {
                    let keep = min(n, limits.maximumRecordBytes - d.record.count)
                    if keep > 0 {
                        d.record.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[cursor..<(cursor + keep)]))
                    }
                }
                cursor += n
                d.fragmentRemaining -= n
                d.recordLength += n
                if d.fragmentRemaining == 0, let done = endFragment(&d, limits: limits, stats: &stats, output: &output) {
                    return done
                }
            }
        }
        return nil
    }

    /// Passes over `count` bytes the capture does not have (a snaplen cut or a stream gap).
    /// A hole inside a fragment leaves the record truncated; a hole over a record mark loses
    /// the marks until a resync.
    static func skipMissing(_ d: inout RPCStreamDirection, count: inout Int, limits: RPCStreamLimits,
                            stats: inout RPCStreamStatistics, output: inout [UInt8]) -> CompletedRecord? {
        while count > 0 {
            switch d.state {
            case .unsynced:
                count = 0
            case .mark:
                if d.recordInProgress {
                    stats.droppedRecords += 1
                    d.resetRecord()
                }
                d.state = .unsynced
                d.markHave = 0
                count = 0
            case .fragment:
                let n = min(count, d.fragmentRemaining)
                let firstLoss = d.recordMissing == 0 && n > 0
                d.recordMissing += n
                d.recordLength += n
                d.fragmentRemaining -= n
                count -= n
                if firstLoss && d.fragmentIsLast {
                    // A record that lost bytes can never be whole: deliver it now, at the loss
                    // (for a snaplen cut, the frame that had its start, as tshark shows a record
                    // it cannot reassemble), and only count the rest of it as it passes.
                    let length = d.recordLength + d.fragmentRemaining
                    let done = CompletedRecord(source: .record(count: d.record.count), fragments: d.recordFragments + 1,
                                               length: length, missing: length - d.record.count)
                    stats.records += 1
                    stats.truncatedRecords += 1
                    swap(&d.record, &output)
                    d.record.removeAll(keepingCapacity: true)
                    d.recordEmitted = true
                    if d.fragmentRemaining == 0 { _ = endFragment(&d, limits: limits, stats: &stats, output: &output) }
                    return done
                }
                if d.fragmentRemaining == 0, let done = endFragment(&d, limits: limits, stats: &stats, output: &output) {
                    return done
                }
            }
        }
        return nil
    }

    private static func startFragment(_ d: inout RPCStreamDirection, mark: UInt32, limits: RPCStreamLimits,
                                      stats: inout RPCStreamStatistics, output: inout [UInt8]) -> CompletedRecord? {
        let length = Int(mark & 0x7fff_ffff)
        guard length <= limits.maximumFragmentLength, d.recordInProgress || length >= 4 else {
            stats.badRecordMarks += 1
            if d.recordInProgress {
                stats.droppedRecords += 1
                d.resetRecord()
            }
            d.state = .unsynced
            return nil
        }
        d.recordInProgress = true
        d.fragmentRemaining = length
        d.fragmentIsLast = mark >> 31 == 1
        d.state = .fragment
        if length == 0 { return endFragment(&d, limits: limits, stats: &stats, output: &output) }
        return nil
    }

    private static func endFragment(_ d: inout RPCStreamDirection, limits: RPCStreamLimits,
                                    stats: inout RPCStreamStatistics, output: inout [UInt8]) -> CompletedRecord? {
        d.recordFragments += 1
        d.state = .mark
        d.markHave = 0
        guard d.fragmentIsLast else { return nil }
        if d.recordEmitted {
            d.resetRecord()  // delivered already, when it lost bytes
            return nil
        }
        let done = CompletedRecord(source: .record(count: d.record.count), fragments: d.recordFragments,
                                   length: d.recordLength, missing: d.recordMissing)
        stats.records += 1
        if d.recordFragments > 1 { stats.multiFragmentRecords += 1 }
        if d.recordMissing > 0 { stats.truncatedRecords += 1 }
        if d.record.count < d.recordLength - d.recordMissing { stats.clippedRecords += 1 }
        // Hand the bytes over by swapping buffers: no copy, and the direction keeps a buffer.
        swap(&d.record, &output)
        d.resetRecord()
        return done
    }

    /// Looks for a plausible record start (a last-fragment mark whose record begins with a
    /// plausible RPC header) at or after `from`; the bytes before it cannot be placed.
    static func findRecordStart(_ b: UnsafeRawBufferPointer, from: Int, end: Int, cut: Bool = false,
                                limits: RPCStreamLimits) -> Int? {
        var i = from
        let shortest = 4 + (cut ? RPCDecoder.minimumCutCallLength : RPCDecoder.minimumReplyLength)
        while end - i >= shortest {
            // Cheap filter first: the last-fragment bit, and a length under 16 MiB.
            if b.u8(i) == 0x80 {
                let length = Int(b.u32(i) & 0x7fff_ffff)
                if length >= RPCDecoder.minimumReplyLength, length <= limits.maximumFragmentLength,
                   RPCDecoder.isPlausible(b, at: i + 4, end: min(end, i + 4 + length),
                                          cut: cut && i + 4 + length > end) {
                    // When the record ends inside these bytes, what follows must be a mark too.
                    let next = i + 4 + length
                    if next + 4 > end || isPlausibleMark(b.u32(next), limits: limits) { return i }
                }
            }
            i += 1
        }
        return nil
    }

    @inline(__always)
    static func isPlausibleMark(_ mark: UInt32, limits: RPCStreamLimits) -> Bool {
        let length = Int(mark & 0x7fff_ffff)
        return length >= 4 && length <= limits.maximumFragmentLength
    }
}

/// Where each record seen so far starts, in about 4 bytes a record, looked up in O(1).
///
/// Offsets are kept relative to the first record of their group of 256; the rare offset that
/// lies 4 GiB or more past its group's first (only possible with many huge records or skipped
/// blocks in between) is kept whole on the side. The deltas live in memory the index manages
/// itself: an `Array` append cost more than parsing a pcap record. Call `release()` when done.
struct RecordOffsetIndex {
    private static let groupShift = 8
    private static let groupMask = (1 << groupShift) - 1
    private static let far = UInt32.max

    private var deltas: UnsafeMutablePointer<UInt32>?
    private var capacity = 0
    private(set) var count = 0
    private var groupBases: [Int64] = []
    /// The base of the group being filled, to spare an array read per append.
    private var currentBase: Int64 = 0
    private var farOffsets: [Int: Int64] = [:]

    @inline(__always)
    mutating func append(_ offset: Int64) {
        if count == capacity { grow() }
        if count & Self.groupMask == 0 {
            groupBases.append(offset)
            currentBase = offset
        }
        let delta = offset &- currentBase
        if delta >= 0 && delta < Int64(Self.far) {
            deltas.unsafelyUnwrapped[count] = UInt32(truncatingIfNeeded: delta)
        } else {
            deltas.unsafelyUnwrapped[count] = Self.far
            farOffsets[count] = offset
        }
        count &+= 1
    }

    /// The offset of record `index` (0-based, below `count`).
    subscript(index: Int) -> Int64 {
        precondition(index >= 0 && index < count, "record index out of range")
        let delta = deltas.unsafelyUnwrapped[index]
        if delta == Self.far, let offset = farOffsets[index] { return offset }
        return groupBases[index >> Self.groupShift] + Int64(delta)
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = max(capacity * 2, 4096)
        let newDeltas = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
        if let deltas {
            newDeltas.moveInitialize(from: deltas, count: count)
            deltas.deallocate()
        }
        deltas = newDeltas
        capacity = newCapacity
    }

    /// Frees the deltas; the index is empty afterwards.
    mutating func release() {
        deltas?.deallocate()
        deltas = nil
        capacity = 0
        count = 0
        groupBases.removeAll()
        farOffsets.removeAll()
    }
}

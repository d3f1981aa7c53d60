/// Where each record seen so far starts, in about 4 bytes a record, looked up in O(1).
///
/// Offsets are kept relative to the first record of their group of 256; the rare offset that
/// lies 4 GiB or more past its group's first (only possible with many huge records or skipped
/// blocks in between) is kept whole on the side.
struct RecordOffsetIndex {
    private static let groupShift = 8
    private static let far = UInt32.max

    private var groupBases: [Int64] = []
    private var deltas: [UInt32] = []
    private var farOffsets: [Int: Int64] = [:]

    var count: Int { deltas.count }

    mutating func append(_ offset: Int64) {
        let index = deltas.count
        if index & ((1 << Self.groupShift) - 1) == 0 {
            groupBases.append(offset)
            deltas.append(0)
            return
        }
        let delta = offset - groupBases[index >> Self.groupShift]
        if delta >= 0 && delta < Int64(Self.far) {
            deltas.append(UInt32(delta))
        } else {
            deltas.append(Self.far)
            farOffsets[index] = offset
        }
    }

    /// The offset of record `index` (0-based).
    subscript(index: Int) -> Int64 {
        let delta = deltas[index]
        if delta == Self.far, let offset = farOffsets[index] { return offset }
        return groupBases[index >> Self.groupShift] + Int64(delta)
    }

    mutating func removeAll() {
        groupBases.removeAll()
        deltas.removeAll()
        farOffsets.removeAll()
    }
}

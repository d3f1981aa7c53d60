import PcapIO
import Track

/// Snapshots of a trace's pipeline and read position, taken between frames every `spacing`
/// packets, so that `Pktt.rewind(to:)` restores the nearest one at or before the index and reads
/// at most `spacing` packets on: the same cost whatever the index, and the same TCP,
/// reassembly and xid state as a fresh read would have there. A snapshot shares what has not
/// changed since (every table is copy-on-write), but a table that changes is copied whole, so
/// their number and their bytes are bounded: past `maximum` snapshots or `budgetBytes` (each
/// counted at the pipeline's footprint), every other one goes and the spacing doubles. A trace
/// whose tables are huge (60,000 unanswered calls) thus keeps few snapshots and rewinds further.
struct PkttCheckpoints {
    struct Checkpoint {
        /// The index of the packet that follows it.
        let index: Int
        let pipeline: PacketPipeline
        let position: MergePosition
        let fileErrors: Int
        let bytes: Int
    }

    private(set) var list: [Checkpoint]
    private(set) var spacing = 256
    static let maximum = 1024
    static let budgetBytes = 256 << 20
    private(set) var heldBytes = 0
    /// Packets read so far, the most ever (rewinding does not lower it).
    private(set) var highest = 0

    init(start: PacketPipeline, position: MergePosition) {
        list = [Checkpoint(index: start.nextIndex, pipeline: start, position: position, fileErrors: 0,
                           bytes: start.footprint)]
        heldBytes = list[0].bytes
    }

    /// Whether a snapshot is due at packet `index`: asked first, so that the pipeline and the
    /// read position are copied out only every `spacing` packets, not per frame.
    @inline(__always)
    func isDue(_ index: Int) -> Bool {
        index >= (list.last?.index ?? 0) + spacing
    }

    mutating func reached(_ pipeline: PacketPipeline, position: MergePosition, fileErrors: Int) {
        let index = pipeline.nextIndex
        if index > highest { highest = index }
        guard let last = list.last, index >= last.index + spacing else { return }
        let c = Checkpoint(index: index, pipeline: pipeline, position: position, fileErrors: fileErrors,
                           bytes: pipeline.footprint)
        list.append(c)
        heldBytes += c.bytes
        while list.count > 1 && (list.count > Self.maximum || heldBytes > Self.budgetBytes) {
            list = list.enumerated().compactMap { $0.offset % 2 == 0 ? $0.element : nil }
            heldBytes = list.reduce(0) { $0 + $1.bytes }
            spacing *= 2
        }
    }

    mutating func saw(_ index: Int) {
        if index > highest { highest = index }
    }

    /// The last checkpoint at or before `index`.
    func nearest(atOrBefore index: Int) -> Checkpoint {
        var low = 0, high = list.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if list[mid].index <= index { low = mid } else { high = mid - 1 }
        }
        return list[low]
    }
}

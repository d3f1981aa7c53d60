import PcapIO
import Track

/// Snapshots of a trace's pipeline and read position, taken between frames every `spacing`
/// packets, so that `Pktt.rewind(to:)` restores the nearest one at or before the index and reads
/// at most `spacing` packets on: the same cost whatever the index, and the same TCP,
/// reassembly and xid state as a fresh read would have there. A snapshot shares what has not
/// changed since (every table is copy-on-write). Their number is bounded: past `maximum`, every
/// other one goes and the spacing doubles.
struct PkttCheckpoints {
    struct Checkpoint {
        /// The index of the packet that follows it.
        let index: Int
        let pipeline: PacketPipeline
        let position: MergePosition
        let fileErrors: Int
    }

    private(set) var list: [Checkpoint]
    private(set) var spacing = 256
    static let maximum = 1024
    /// Packets read so far, the most ever (rewinding does not lower it).
    private(set) var highest = 0

    init(start: PacketPipeline, position: MergePosition) {
        list = [Checkpoint(index: start.nextIndex, pipeline: start, position: position, fileErrors: 0)]
    }

    mutating func reached(_ pipeline: PacketPipeline, position: MergePosition, fileErrors: Int) {
        let index = pipeline.nextIndex
        if index > highest { highest = index }
        guard let last = list.last, index >= last.index + spacing else { return }
        list.append(Checkpoint(index: index, pipeline: pipeline, position: position, fileErrors: fileErrors))
        if list.count > Self.maximum {
            list = list.enumerated().compactMap { $0.offset % 2 == 0 ? $0.element : nil }
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

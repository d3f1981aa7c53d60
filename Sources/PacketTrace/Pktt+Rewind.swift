import PcapIO
import Track

extension Pktt {
    /// The index of the packet `next()` reads next (the seed's `get_index()`): after a match,
    /// the packet after the matched one.
    public var index: Int {
        matching.packetList != nil ? matching.listIndex : state.pointee.nextIndex
    }

    /// Goes back (or forward) so that `next()` reads the packet with this index next, with the
    /// TCP, reassembly and xid state a fresh read would have there: the nearest snapshot is
    /// restored and at most a few hundred packets are read again, whatever the index.
    /// Returns false, and moves nothing, when `index` is negative or past the packets read so
    /// far (the seed's answer), or when the trace was opened with `rewindable: false`.
    /// With a packet list set (`setPacketList`), moves within the list.
    @discardableResult
    public func rewind(to index: Int = 0) throws -> Bool {
        if matching.packetList != nil { return matching.rewindList(to: index) }
        guard var checkpoints else { return false }
        checkpoints.saw(state.pointee.nextIndex)
        self.checkpoints = checkpoints
        guard index >= 0, index <= checkpoints.highest else { return false }
        let c = checkpoints.nearest(atOrBefore: index)
        try reader.restore(c.position)
        state.pointee = c.pipeline
        fileErrors = c.fileErrors
        current = nil
        while state.pointee.nextIndex < index {
            do {
                guard try next() else { return false }
            } catch {
                continue  // the same error the first read met there, thrown and counted then
            }
        }
        return true
    }

    /// The packet with index `index` (the seed's `x[i]`): rewinds to it, or reads on to it, and
    /// reads it; nil when the trace has fewer packets. With a packet list set, its position.
    public subscript(index: Int) -> Pkt? {
        guard index >= 0 else { return nil }
        if matching.packetList != nil {
            guard matching.rewindList(to: index), matching.nextListed() else { return nil }
            return pkt
        }
        if index < state.pointee.nextIndex || index <= (checkpoints?.highest ?? -1) {
            guard (try? rewind(to: index)) == true else { return nil }
        }
        while state.pointee.nextIndex <= index {
            guard let more = try? next() else { continue }
            guard more else { return nil }
        }
        return pkt
    }
}

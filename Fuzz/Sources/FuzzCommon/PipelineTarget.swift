import PacketTrace

// The whole of `pktt show` on the input as a capture file: `Pktt` read to its end, every packet
// shown as the one-line display and as JSON, then the counts.
extension FuzzTarget {
    static func pipeline(_ bytes: UnsafeRawBufferPointer) {
        let path = ScratchFile.write(bytes, slot: 0)
        guard let trace = try? Pktt(files: [path]) else { return }
        var out = TextBuffer(descriptor: -1)
        var line = OneLineFormatter()
        var json = JSONPacketFormatter()
        var errors = 0
        while errors < 8 {
            do {
                guard try trace.next() else { break }
            } catch {
                _ = "\(error)"
                errors += 1
                continue
            }
            line.append(trace, to: &out)
            json.append(trace, to: &out)
            out.dropLast(out.bytes.count)
        }
        out.append(trace.statistics.summary)
        for tail in trace.truncatedTails { out.append(tail.description) }
    }
}

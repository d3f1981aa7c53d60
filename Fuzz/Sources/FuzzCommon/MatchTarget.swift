import Decode
import Match
import PacketTrace

// Bytes as a match expression: compiled (or refused with a column inside the text), then judged
// on every packet of a real NFSv4.1 capture, and read as a field name (`Pkt[name]`) too.
extension FuzzTarget {
    static func match(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let e = try MatchExpression(text)
            // judged alone, and in a rule set among others: the two must agree
            let rules = MatchRuleSet([MatchTargetPackets.rules[0], e] + MatchTargetPackets.rules.dropFirst())
            var scratch = MatchScratch()
            for p in MatchTargetPackets.all {
                let alone = p.matches(e, scratch: &scratch)
                let entry = scratch.matchedEntry
                var inSet = false, setEntry: Int?
                p.matches(rules, scratch: &scratch) { rule, found in
                    if rule == 1 { (inSet, setEntry) = (true, found) }
                }
                if alone != inSet || (alone && entry != setEntry) {
                    fatalError("'\(text)' alone \(alone) at \(String(describing: entry)), in a rule set \(inSet) at \(String(describing: setEntry))")
                }
            }
        } catch {
            // a refusal must point inside the text (or just past its end)
            if error.column < 1 || error.column > text.unicodeScalars.count + 1 { fatalError("column \(error.column) of \(text.unicodeScalars.count)") }
        }
        if let field = try? MatchField(text) {
            for p in MatchTargetPackets.all.prefix(64) {
                _ = p.message.withUnsafeBytes { field.values(p.packet, tape: p.tape, message: $0) }
            }
        }
    }
}

/// The packets expressions are judged on: an NFSv4.1 session (TCP, RPC, sequence, open, read,
/// write, close…) from the fixtures, read once.
enum MatchTargetPackets {
    /// Rules an expression is judged among: their leaves share its pass over the tape.
    nonisolated(unsafe) static let rules: [MatchExpression] = [
        "NFS.status != 0", "NFS.argop == 38 and RPC.latency > 0.05", "crc32(NFS.fh) == 0x0f581ee9", "NFS.op in [18, 4]",
    ].compactMap { try? MatchExpression($0) }

    nonisolated(unsafe) static let all: [Pkt] = {
        guard let root = FuzzFixtures.root,
              let trace = try? Pktt(files: [root + "/nfs4/lab-nfsv41.pcap"], rewindable: false) else { return [] }
        var packets: [Pkt] = []
        while (try? trace.next()) == true, let p = trace.pkt { packets.append(p) }
        return packets
    }()
}

/// Where the fixture captures are: `Tests/Fixtures` of the checkout this file is in.
enum FuzzFixtures {
    static let root: String? = {
        var dir = #filePath
        while let slash = dir.lastIndex(of: "/") {
            dir = String(dir[..<slash])
            let candidate = dir + "/Tests/Fixtures"
            if SeedCorpus.read(candidate + "/nfs4/lab-nfsv41.pcap") != nil { return candidate }
        }
        return nil
    }()
}

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
            var scratch = MatchScratch()
            for p in MatchTargetPackets.all {
                _ = p.matches(e, scratch: &scratch)
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

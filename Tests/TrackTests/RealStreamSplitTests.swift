import Foundation
import Testing
import Decode
@testable import Track

// One direction of a real TCP connection, taken from a capture in `Tests/Fixtures/streams/`, fed
// again through the tracker cut in other places: whole (as far as IPv4 allows), in small pieces,
// and at random. Record marking does not depend on where TCP cut the stream, so every way must
// give the messages the capture's own segmentation gives.
//
// TrackTests depends on Track and Decode only, so the capture is read here with a few lines of
// classic-pcap reading (the fixtures are plain little-endian pcap files) and each frame decoded
// with `PacketDecoder`; the reading of pcap itself is PcapIO's tests' business.

/// The records of a classic pcap file (either byte order, µs or ns): each frame's bytes.
enum ClassicPcap {
    static func frames(_ path: String) throws -> [[UInt8]] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ at: Int, _ bigEndian: Bool) -> UInt32 {
            let b = data[at..<(at + 4)].map(UInt32.init)
            return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
        }
        let magic = u32(0, false)
        let bigEndian: Bool
        switch magic {
        case 0xa1b2_c3d4, 0xa1b2_3c4d: bigEndian = false
        case 0xd4c3_b2a1, 0x4d3c_b2a1: bigEndian = true
        default: throw CocoaError(.fileReadCorruptFile)
        }
        #expect(u32(20, bigEndian) == LinkType.ethernet, "\(path): Ethernet expected")
        var frames: [[UInt8]] = []
        var at = 24
        while at + 16 <= data.count {
            let included = Int(u32(at + 8, bigEndian))
            guard at + 16 + included <= data.count else { break }
            frames.append(Array(data[(at + 16)..<(at + 16 + included)]))
            at += 16 + included
        }
        return frames
    }
}

/// A direction's payload bytes in sequence order, where its segments began, and the frames as captured.
struct CapturedDirection {
    /// The sequence number of the first payload byte.
    var firstSeq: UInt32
    var bytes: [UInt8] = []
    /// Offsets in `bytes` where the capture's segments began (after the first).
    var cuts: [Int] = []
    /// The direction's frames as captured, SYN included when there is one.
    var frames: [[UInt8]] = []
    var sawSYN = false

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/streams")

    /// The direction from `sourcePort` to `destinationPort` in fixture `file`.
    static func read(_ file: String, from sourcePort: UInt16, to destinationPort: UInt16) throws -> CapturedDirection {
        var segments: [(seq: UInt32, payload: [UInt8])] = []
        var frames: [[UInt8]] = []
        var synSeq: UInt32?
        for frame in try ClassicPcap.frames(root.appendingPathComponent(file).path) {
            var p = Packet()
            frame.withUnsafeBytes { PacketDecoder.decode($0, linkType: LinkType.ethernet, originalLength: frame.count, into: &p) }
            guard p.has(.tcp), p.tcp.srcPort == sourcePort, p.tcp.dstPort == destinationPort else { continue }
            frames.append(frame)
            if p.tcp.flags & TCP.SYN != 0 { synSeq = p.tcp.seqRaw }
            if p.payload.count > 0 { segments.append((p.tcp.seqRaw, Array(frame[p.payload.offset..<(p.payload.offset + p.payload.count)]))) }
        }
        let first = try #require(segments.first).seq
        if let synSeq { #expect(synSeq &+ 1 == first) }
        segments.sort { Int32(bitPattern: $0.seq &- first) < Int32(bitPattern: $1.seq &- first) }
        var d = CapturedDirection(firstSeq: first, frames: frames, sawSYN: synSeq != nil)
        for s in segments {
            let at = Int(s.seq &- first)
            if at < d.bytes.count {  // a retransmission: keep what came first
                #expect(Array(d.bytes[at..<min(d.bytes.count, at + s.payload.count)]) == Array(s.payload.prefix(d.bytes.count - at)))
                d.bytes += s.payload.dropFirst(d.bytes.count - at)
                continue
            }
            #expect(at == d.bytes.count, "\(file): a hole before sequence offset \(at)")
            if at > 0 { d.cuts.append(at) }
            d.bytes += s.payload
        }
        return d
    }
}

/// What a message is, whatever frames carried it.
struct StreamMessage: Equatable, CustomStringConvertible {
    var xid: UInt32
    var isCall: Bool
    var body: [UInt8]
    var fragments: Int
    var missing: Int
    init(_ m: SeenMessage) {
        xid = m.xid; isCall = m.isCall; body = m.body; fragments = m.fragments; missing = m.missing
    }
    var description: String { "xid \(String(xid, radix: 16)) \(isCall ? "call" : "reply") body \(body.count)" }
}

/// A seeded generator, so a failing split can be run again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite("A real RPC stream cut anywhere gives the same messages")
struct RealStreamSplitTests {
    /// Sends `stream` from one side after a SYN at `firstSeq - 1`, cut at `cuts`.
    static func feed(_ stream: [UInt8], fromClient: Bool, firstSeq: UInt32, cuts: [Int]) -> [StreamMessage] {
        var h = RPCHarness()
        h.feed(RPCBytes.tcp(fromClient: fromClient, seq: firstSeq &- 1, payload: [], flags: fromClient ? 0x02 : 0x12))
        var start = 0
        for end in cuts + [stream.count] where end > start {
            h.feed(RPCBytes.tcp(fromClient: fromClient, seq: firstSeq &+ UInt32(start), payload: Array(stream[start..<end])))
            start = end
        }
        return h.seen.map(StreamMessage.init)
    }

    /// Every `size` bytes.
    static func pieces(_ count: Int, _ size: Int) -> [Int] { Array(stride(from: size, to: count, by: size)) }

    /// The ways to cut a stream, by name; every one must give `expected`.
    static func check(_ d: CapturedDirection, fromClient: Bool, expected: [StreamMessage]) {
        let n = d.bytes.count
        var ways: [(String, [Int])] = [
            ("the capture's own segment boundaries", d.cuts),
            // An IPv4 packet holds at most 65,535 bytes: the largest pieces one frame can carry.
            ("65,000-byte segments", pieces(n, 65_000)),
            (n <= 20_000 ? "byte by byte" : "7-byte pieces", pieces(n, n <= 20_000 ? 1 : 7)),
            ("the capture's boundaries, each moved 3 bytes on", d.cuts.map { $0 + 3 }.filter { $0 < n }),
        ]
        for seed in 1...12 as ClosedRange<UInt64> {
            var rng = SplitMix64(state: seed)
            var cuts: [Int] = []
            var at = 0
            while true {
                // Mostly small pieces, some up to a few segments long: record marks land anywhere.
                at += Bool.random(using: &rng) ? Int.random(in: 1...16, using: &rng) : Int.random(in: 17...6_000, using: &rng)
                if at >= n { break }
                cuts.append(at)
            }
            ways.append(("random split, seed \(seed)", cuts))
        }
        for (name, cuts) in ways {
            let seen = feed(d.bytes, fromClient: fromClient, firstSeq: d.firstSeq, cuts: cuts)
            #expect(seen.count == expected.count, "\(name): \(seen.count) messages, \(expected.count) expected")
            if let i = zip(seen, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(name): message \(i) is \(seen[i]), expected \(expected[i])")
            }
        }
    }

    @Test("The server side of an NFSv3 connection, a 100 KB READ reply among six small ones (spanning-segments.pcap)")
    func readReplies() throws {
        let d = try CapturedDirection.read("spanning-segments.pcap", from: 2049, to: 840)
        #expect(d.sawSYN && d.cuts.count > 70)
        // The capture as it is: its own frames, through the tracker.
        var h = RPCHarness()
        for frame in d.frames { h.feed(frame) }
        let captured = h.seen.map(StreamMessage.init)
        #expect(captured.map(\.xid) == [0x0d67_36ec, 0x0d67_36ed, 0x0d67_36ee, 0x0d67_36ef, 0x0d67_36f0, 0x0d67_36f1, 0x0d67_36f2])
        #expect(captured.allSatisfy { !$0.isCall && $0.fragments == 1 && $0.missing == 0 })
        // tshark: the READ reply's record is 100,128 bytes; its header (24 bytes, AUTH_NONE) then the body.
        #expect(captured.last?.body.count == 100_128 - 24)
        Self.check(d, fromClient: false, expected: captured)
    }

    @Test("The client side of an NFSv3 connection, up to five WRITE calls per segment (many-records-per-segment.pcap)")
    func writeCalls() throws {
        // The capture starts without the handshake, at a record boundary (tshark decodes the
        // segment in frame 2 from its first byte): the SYN fed first puts the stream there too.
        let d = try CapturedDirection.read("many-records-per-segment.pcap", from: 929, to: 2049)
        #expect(!d.sawSYN)
        var h = RPCHarness()
        for frame in d.frames { h.feed(frame) }
        let captured = h.seen.map(StreamMessage.init)
        #expect(captured.count == 20 && captured.allSatisfy { $0.isCall && $0.missing == 0 })
        #expect(captured.first?.xid == 0x5622_224e && captured.last?.xid == 0x6922_224e)
        Self.check(d, fromClient: true, expected: captured)
    }
}

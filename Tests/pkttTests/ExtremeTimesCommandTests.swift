import Foundation
import Testing

/// The inputs that trapped pktt (`../shared/repro`, read in place): times past 2262 and
/// `if_tsresol` 0 with a timestamp of 2^63. Now clamped and marked; nothing traps.
@Suite("pktt show on times at their extremes")
struct ExtremeTimesCommandTests {
    static let reproDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/repro").path

    /// Each file and its frame count as tshark reads it.
    static let files: [(String, Int)] = [
        ("json_epoch_overflow_tsresol0_ts2e63.pcapng", 1),
        ("rpc_pair_reply_after_2262.pcapng", 2),
        ("xidtable_sweep_overflow_call_after_2262.pcapng", 2),
    ]

    @Test("no trap, every packet shown, the late time clamped to 2116-02-20 and said so in JSON",
          .enabled(if: FileManager.default.fileExists(atPath: reproDirectory)), arguments: files)
    func repro(file: String, frames: Int) throws {
        let path = Self.reproDirectory + "/" + file
        let plain = try PipedCLI.run(["show", path])
        #expect(!plain.signalled && plain.status == 0, "\(plain.stderr)")
        #expect(plain.lines.count == frames)
        #expect(plain.lines.last?.contains(" 2116-02-20 23:53:37.000000 ") == true)
        let json = try PipedCLI.run(["show", "--json", path])
        #expect(!json.signalled && json.status == 0, "\(json.stderr)")
        #expect(json.lines.count == frames)
        let records = try json.lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["record"] as? [String: Any] }
        #expect(records.last??["time"] as? String == "2116-02-20T23:53:37.000000Z")
        #expect(records.last??["time_clamped"] as? Bool == true)
        #expect(records.dropLast().allSatisfy { $0?["time_clamped"] == nil })
        let counted = try PipedCLI.run(["show", "--count", path])
        #expect(!counted.signalled && counted.status == 0)
    }

    @Test("a reply clamped to the window's edge is paired, with a latency that did not overflow",
          .enabled(if: FileManager.default.fileExists(atPath: reproDirectory)))
    func latency() throws {
        let json = try PipedCLI.run(["show", "--json", Self.reproDirectory + "/rpc_pair_reply_after_2262.pcapng"])
        // 2116-02-20T23:53:37 − 2023-11-14T22:13:20.
        #expect(json.lines.last?.contains("\"latency\":2911686017.000000000") == true)
    }

    /// An interface description block (link type 1) whose `if_tsoffset` is `tsoffset`.
    static func interface(tsoffset: Int64) -> [UInt8] {
        var block: [UInt8] = []
        for word: UInt32 in [1, 36, 1, 0] { block += withUnsafeBytes(of: word.littleEndian, Array.init) }
        block += [14, 0, 8, 0] + withUnsafeBytes(of: tsoffset.littleEndian, Array.init)
        for word: UInt32 in [0, 36] { block += withUnsafeBytes(of: word.littleEndian, Array.init) }
        return block
    }

    @Test("the call at the window's first second, its reply at the last: paired, the widest latency",
          .enabled(if: FileManager.default.fileExists(atPath: reproDirectory)))
    func widestLatency() throws {
        // The repro's section header, its call and its reply, the call now on an interface
        // with if_tsoffset Int64.min and the reply on one with Int64.max.
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.reproDirectory + "/rpc_pair_reply_after_2262.pcapng")))
        var reply = Array(original[192..<292])
        reply[8] = 1
        let bytes = Array(original[0..<28]) + Self.interface(tsoffset: .min) + Self.interface(tsoffset: .max)
            + Array(original[48..<192]) + reply
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pktt-\(UUID().uuidString)-widest.pcapng").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let json = try PipedCLI.run(["show", "--json", path])
        #expect(!json.signalled && json.status == 0, "\(json.stderr)")
        #expect(json.lines.count == 2)
        #expect(json.lines.first?.contains("\"time\":\"1823-11-12T00:06:23.000000Z\",\"epoch\":-4611686017.000000000,\"time_clamped\":true") == true)
        #expect(json.lines.last?.contains("\"latency\":9223372034.000000000") == true)
    }
}

import Decode
import Foundation
import Testing

/// Decoding reuses the tape's buffer: once it has grown, a message costs no allocation. The test
/// decodes real messages 100,000 times (XDR_ALLOC_LOOP to change) and checks the buffer never
/// moved. That alone would miss an allocation freed within the loop: scripts/xdr-mallocs counts
/// every malloc of the same loop under valgrind (1 loop against 100,000; the test binary itself
/// does not run under valgrind 3.19), for decoding, the one-line summary and the JSON.
@Suite struct XDRAllocationTests {
    static let loops = ProcessInfo.processInfo.environment["XDR_ALLOC_LOOP"].flatMap { Int($0) } ?? 100_000

    @Test func decodingTheSameMessagesAgainAllocatesNothing() throws {
        let all = try XDRFixtures.messages()
        let lab = all.filter { $0.capture.hasSuffix("mount-portmap-rpcbind.pcap") }
        // GETSTAT (nested arrays and lists), PORTMAP DUMP, MOUNT MNT reply (union, file handle), GETADDR
        let chosen = [50, 16, 215, 4].map { frame in lab.first { $0.frame == frame }! }
        let bodies = chosen.map { [UInt8](hex: $0.body) }
        // NLM4 LOCK: the 64-bit lock, built (no capture has NLM)
        let lock = XDRBytes().opaque([1, 2]).bool(true).bool(true).string("client7").opaque(Array(0..<32))
            .opaque([9]).i32(77).u64(0).u64(100).bool(false).i32(3).bytes

        var tape = Tape(capacity: 16)
        var entries = 0
        func decodeAll() {
            for (m, body) in zip(chosen, bodies) {
                body.withUnsafeBytes { raw in
                    var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
                    _ = try? RPCPrograms.decodeBody(program: m.program, version: m.version, procedure: m.procedure,
                                                    isReply: m.reply, reader: &r, into: &tape)
                    entries &+= tape.count
                }
            }
            lock.withUnsafeBytes { raw in
                var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
                _ = try? RPCPrograms.decodeBody(program: 100_021, version: 4, procedure: 2, isReply: false,
                                                reader: &r, into: &tape)
                entries &+= tape.count
            }
        }
        decodeAll()    // grows the buffer to the largest message
        let buffer = tape.entries.withUnsafeBufferPointer { $0.baseAddress }
        let capacity = tape.entries.capacity
        for _ in 0..<Self.loops { decodeAll() }
        #expect(tape.entries.withUnsafeBufferPointer { $0.baseAddress } == buffer)
        #expect(tape.entries.capacity == capacity)
        #expect(!tape.incomplete)
        #expect(entries > 0)
    }
}

import Decode
import Foundation
import Testing

/// Decoding reuses the tape's buffer: once it has grown, it never moves, whatever the message.
/// The test decodes real messages 100,000 times (XDR_ALLOC_LOOP to change) and checks the
/// buffer's address and capacity. That is not a malloc count: an allocation freed within the
/// loop passes it. The count is scripts/xdr-mallocs (run by scripts/test when valgrind is
/// installed), which fails when a message costs a malloc: a test process cannot count its own
/// mallocs here (it exports no `malloc` to interpose, and the Swift runtime's allocation hook
/// corrupts the heap when set) nor run under valgrind 3.19.
@Suite struct XDRAllocationTests {
    static let loops = ProcessInfo.processInfo.environment["XDR_ALLOC_LOOP"].flatMap { Int($0) } ?? 100_000

    @Test func decodingTheSameMessagesAgainKeepsTheTapesBuffer() throws {
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

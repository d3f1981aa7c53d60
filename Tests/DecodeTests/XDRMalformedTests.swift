import Decode
import Testing

/// Bad bytes: each throws a DecodeError naming the program's layer and the offset of the item at
/// fault, and the tape keeps what was decoded before it, closed and marked incomplete.
@Suite struct XDRMalformedTests {
    @Test func aStringLongerThanItsProtocolBound() {
        // dirpath<MNTPATHLEN>: 1025 bytes is one too many
        let d = decode(100_005, 3, 1, reply: false, XDRBytes().string(String(repeating: "a", count: 1025)))
        #expect(d.error == DecodeError(.tooLong, layer: .mount, offset: 0))
        #expect(d.tape.isEmpty && d.tape.incomplete && d.tape.error == d.error)
        #expect(decode(100_005, 3, 1, reply: false, XDRBytes().string(String(repeating: "a", count: 1024))).error == nil)
    }

    @Test func aFileHandleLongerThanFHSIZE3KeepsTheStatusBeforeIt() {
        let d = decode(100_005, 3, 1, reply: true, XDRBytes().u32(0).opaque([UInt8](repeating: 1, count: 65)))
        #expect(d.error == DecodeError(.tooLong, layer: .mount, offset: 4))
        #expect(d.lines == ["mountres3.fhs_status=MNT3_OK", "mountres3.mountinfo{", "}"])
        #expect(d.tape.incomplete)
    }

    // An enum value the protocol does not define is not malformed bytes: XDRUndefinedEnumTests.

    @Test func aBoolThatIsNeitherZeroNorOne() {
        let d = decode(100_021, 4, 2, reply: false, XDRBytes().opaque([]).u32(2))
        #expect(d.error == DecodeError(.badValue, layer: .nlm, offset: 4))
        #expect(d.lines == ["nlm4_lockargs.cookie="])
        // the "value follows" of a list is a bool too
        let list = decode(100_000, 2, 4, reply: true, XDRBytes().u32(7))
        #expect(list.error == DecodeError(.badValue, layer: .portmap, offset: 0))
        #expect(list.lines == ["PMAPPROC_DUMP.maplist[0", "]"])
    }

    @Test func aMessageThatEndsEarly() {
        let d = decode(100_000, 2, 3, reply: false, XDRBytes().u32(100_005).u32(3).u32(6))
        #expect(d.error == DecodeError(.shortData, layer: .portmap, offset: 12))
        #expect(d.lines == ["mapping.prog=100005", "mapping.vers=3", "mapping.prot=TCP"])
        // a string whose bytes are not all there
        let s = decode(100_024, 1, 1, reply: false, [0, 0, 0, 9, 0x61, 0x62])
        #expect(s.error == DecodeError(.shortData, layer: .nsm, offset: 4))
    }

    @Test func aMessageCutByTheSnaplenSaysSo() {
        let bytes = XDRBytes().u32(100_005).u32(3).bytes
        var tape = Tape()
        var failure: DecodeError?
        bytes.withUnsafeBytes { raw in
            var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc, truncated: true)
            do throws(DecodeError) {
                _ = try RPCPrograms.decodeBody(program: 100_000, version: 2, procedure: 3, isReply: false,
                                               reader: &r, into: &tape)
            } catch {
                failure = error
            }
        }
        #expect(failure == DecodeError(.truncated, layer: .portmap, offset: 8))
        #expect(tape.count == 2 && tape.incomplete)
    }

    @Test func anArrayCountAboveItsCapOrBeyondTheBytes() {
        // auth_flavors<>: no bound of its own, so XDRLimits.maximumArrayCount
        let fh = [UInt8](repeating: 7, count: 8)
        let over = decode(100_005, 3, 1, reply: true,
                          XDRBytes().u32(0).opaque(fh).u32(UInt32(XDRLimits.maximumArrayCount + 1)))
        #expect(over.error == DecodeError(.tooLong, layer: .mount, offset: 16))
        #expect(over.lines == ["mountres3.fhs_status=MNT3_OK", "mountres3.mountinfo{", "mountres3_ok.fhandle=FH:0x\(hex(fh))", "}"])
        // 1000 flavors announced, 2 sent: refused before anything is decoded for them
        let short = decode(100_005, 3, 1, reply: true, XDRBytes().u32(0).opaque(fh).u32(1000).i32(1).i32(6))
        #expect(short.error == DecodeError(.shortData, layer: .mount, offset: 16))
        #expect(!short.lines.contains { $0.hasPrefix("mountres3_ok.auth_flavors") })
    }

    func hex(_ fh: [UInt8]) -> String {
        String(fh.withUnsafeBytes { CRC32.checksum($0) }, radix: 16).leftPadded(8)
    }

    @Test func aLinkedListLongerThanTheArrayCap() {
        let b = XDRBytes()
        for _ in 0...XDRLimits.maximumArrayCount { b.bool(true).u32(1).u32(1).u32(6).u32(1) }
        b.bool(false)
        let d = decode(100_000, 2, 4, reply: true, b)
        #expect(d.error == DecodeError(.tooLong, layer: .portmap, offset: XDRLimits.maximumArrayCount * 20))
        #expect(d.tape.incomplete)
        #expect(d.tape[0].kind == .arrayBegin && d.tape[0].count == UInt32(XDRLimits.maximumArrayCount))
        #expect(d.tape[d.tape.count - 1].kind == .end)
    }

    @Test func aGetstatReplyCutInsideItsSecondVersionKeepsTheFirst() {
        let b = XDRBytes()
        for k in 0..<13 { b.i32(Int32(k)) }
        b.i32(1).i32(2).bool(false).bool(false)
        for k in 0..<5 { b.i32(Int32(k)) }
        let d = decode(100_000, 4, 12, reply: true, b)
        #expect(d.error == DecodeError(.shortData, layer: .portmap, offset: b.bytes.count))
        #expect(d.values("rpcb_stat.setinfo") == ["1"])
        #expect(d.values("rpcb_stat.info").count == 14 + 6)
        // every struct and array opened is closed
        #expect(d.lines.filter { $0.hasSuffix("{") || $0.contains("[") }.count
            == d.lines.filter { $0 == "}" || $0 == "]" }.count)
        #expect(d.tape.incomplete)
    }

    @Test func anUnknownProcedureReadsNothing() {
        let d = decode(100_005, 3, 99, reply: false, [1, 2, 3, 4])
        #expect(d.layer == nil && d.error == nil && d.offset == 0)
        #expect(decode(100_003, 3, 1, reply: false, [1, 2, 3, 4]).layer == nil)   // NFS: not from these .x files
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

@testable import Decode
import Testing

/// The tape the generated decoders write, and the small pieces beside it: CRC32 of file handles,
/// universal addresses, port learning.
@Suite struct XDRTapeTests {
    @Test func entriesAreSixteenBytes() {
        #expect(MemoryLayout<TapeEntry>.stride == 16)
    }

    @Test func beginsPointAtTheirEndsAndFindSkipsNestedEntries() throws {
        let d = decode(100_021, 4, 1, reply: true,
                       XDRBytes().opaque([1]).u32(1).bool(true).i32(99).opaque([0xee]).u64(0).u64(512))
        let t = d.tape
        // cookie, stat{, stat, holder{, exclusive, svid, oh, l_offset, l_len, }, }
        #expect(t.count == 11)
        #expect(t[1].kind == .structBegin && t[1].value == 10 && t[10].kind == .end && t[10].value == 1)
        #expect(t[3].kind == .structBegin && t[3].value == 9 && t[3].depth == 1 && t[4].depth == 2)
        #expect(t.next(after: 1) == 11)
        #expect(t.next(after: 0) == 1)
        // the holder's svid is not at the top level
        #expect(t.find(NLM4XDR.F.nlm4_holder_svid, in: 0..<t.count) == nil)
        #expect(t.find(path: [NLM4XDR.F.nlm4_testres_stat, NLM4XDR.F.nlm4_testrply_holder,
                              NLM4XDR.F.nlm4_holder_svid]) == 5)
        #expect(t.find(path: [NLM4XDR.F.nlm4_testres_stat, NLM4XDR.F.nlm4_holder_svid]) == nil)
        #expect(t[5].signedValue == 99)
        #expect(t[6].kind == .opaque && t[6].byteRange == ByteRange(offset: 24, count: 1))
    }

    @Test func findPathStepsIntoTheFirstElementOfAnArray() {
        let b = XDRBytes().bool(true).string("/export").bool(true).string("10.0.0.0/8").bool(false).bool(false)
        let d = decode(100_005, 3, 5, reply: true, b)
        typealias F = Mount3XDR.F
        let at = d.tape.find(path: [F.MOUNTPROC3_EXPORT_exports, F.exportnode_ex_groups, F.groupnode_gr_name])
        #expect(at.map { d.tape[$0].byteRange } == ByteRange(offset: 24, count: 10))
        #expect(d.tape.find(path: [F.MOUNTPROC3_EXPORT_exports, F.exportnode_ex_dir]) == 2)
        let empty = decode(100_005, 3, 5, reply: true, XDRBytes().bool(false))
        #expect(empty.tape.find(path: [F.MOUNTPROC3_EXPORT_exports, F.exportnode_ex_dir]) == nil)
    }

    @Test func theBufferIsReusedFromMessageToMessage() {
        let big = XDRBytes()
        for _ in 0..<50 { big.bool(true).string("host").string("/dir") }
        big.bool(false)
        var tape = Tape(capacity: 4)
        var capacities: [Int] = []
        for bytes in [big.bytes, XDRBytes().string("/export").bytes, big.bytes] {
            bytes.withUnsafeBytes { raw in
                var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .rpc)
                let procedure: UInt32 = bytes.count > 100 ? 2 : 1
                _ = try? RPCPrograms.decodeBody(program: 100_005, version: 3, procedure: procedure,
                                                isReply: procedure == 2, reader: &r, into: &tape)
            }
            capacities.append(tape.entries.capacity)
        }
        #expect(tape.count == 202)     // 50 × (begin, two strings, end), and the array's begin and end
        #expect(capacities[0] >= 202 && capacities[1] == capacities[0] && capacities[2] == capacities[0])
    }

    @Test func depthIsCheckedBeforeEachBegin() throws {
        var tape = Tape()
        let bytes: [UInt8] = [0, 0, 0, 0]
        bytes.withUnsafeBytes { raw in
            var r = XDRReader(raw, range: ByteRange(offset: 0, count: 4), layer: .nlm)
            var failure: DecodeError?
            for _ in 0..<(XDRLimits.maximumDepth + 1) {
                do throws(DecodeError) {
                    try tape.begin(1, .structBegin, count: 0, &r)
                } catch {
                    failure = error
                }
            }
            #expect(failure == DecodeError(.tooDeep, layer: .nlm, offset: 0))
            tape.markIncomplete(failure!)
        }
        #expect(tape.count == 2 * XDRLimits.maximumDepth)
        #expect(tape.incomplete)
        #expect(tape[0].value == UInt64(tape.count - 1))
    }

    @Test func crc32IsZlibs() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xcbf4_3926)
        #expect([UInt8]().withUnsafeBytes { CRC32.checksum($0) } == 0)
        // nfs.fh.hash of the MOUNT reply in the lab capture (frame 215)
        let fh: [UInt8] = Array(hex: "430000011244be1803a5a2a7da2d015180f700fde6daaf00")
        #expect(fh.withUnsafeBytes { CRC32.checksum($0) } == 0x8dfb_25e1)
    }

    func parse(_ s: String) -> (String, UInt16)? {
        let b = Array(s.utf8)
        return b.withUnsafeBytes { raw in
            UniversalAddress.parse(raw, ByteRange(offset: 0, count: raw.count)).map {
                (String(decoding: b[$0.host.offset..<$0.host.end], as: UTF8.self), $0.port)
            }
        }
    }

    @Test func universalAddresses() {
        #expect(parse("10.77.0.1.8.1")! == ("10.77.0.1", 2049))
        #expect(parse("139.25.22.102.4.24")! == ("139.25.22.102", 1048))
        #expect(parse("fd77::1.0.111")! == ("fd77::1", 111))
        #expect(parse("::.0.111")! == ("::", 111))
        #expect(parse("0.0.0.0.0.0")! == ("0.0.0.0", 0))
        for bad in ["", "10.77.0.1", ".8.1", "10.0.0.1.256.1", "10.0.0.1.1.1000", "/run/rpcbind.sock", "host.8.1", "1.2.3.4.8.",
                    "1.2.3.8.1", "1.2.3.4.5.8.1", "1..3.4.8.1", "1.2.3.1234.8.1"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }

    // MARK: port learning

    @Test func portmapGetportRequestAndReply() {
        let call = decode(100_000, 2, 3, reply: false, XDRBytes().u32(100_005).u32(3).u32(6).u32(0))
        let request = call.bytes.withUnsafeBytes {
            RPCPrograms.mappingRequest(program: 100_000, version: 2, procedure: 3, tape: call.tape, bytes: $0)
        }
        #expect(request == PortMappingRequest(program: 100_005, version: 3, transportProtocol: 6))
        for (port, expected): (UInt32, UInt16?) in [(20048, 20048), (0, nil), (70000, nil)] {
            let reply = decode(100_000, 2, 3, reply: true, XDRBytes().u32(port))
            #expect(reply.bytes.withUnsafeBytes {
                RPCPrograms.mappedPort(program: 100_000, version: 2, procedure: 3, tape: reply.tape, bytes: $0)
            } == expected)
        }
        // SET carries a mapping too, but asks for nothing
        #expect(call.bytes.withUnsafeBytes {
            RPCPrograms.mappingRequest(program: 100_000, version: 2, procedure: 1, tape: call.tape, bytes: $0)
        } == nil)
        let icmp = decode(100_000, 2, 3, reply: false, XDRBytes().u32(100_005).u32(3).u32(1).u32(0))
        #expect(icmp.bytes.withUnsafeBytes {
            RPCPrograms.mappingRequest(program: 100_000, version: 2, procedure: 3, tape: icmp.tape, bytes: $0)
        } == nil)
    }

    @Test func rpcbindGetaddrRequestAndReply() {
        for (netid, proto): (String, UInt8?) in [("tcp", 6), ("udp", 17), ("tcp6", 6), ("udp6", 17), ("local", nil),
                                                 ("tcp4", nil), ("rdma", nil)] {
            for (version, procedure): (UInt32, UInt32) in [(3, 3), (4, 3), (4, 9)] {
                let call = decode(100_000, version, procedure, reply: false,
                                  XDRBytes().u32(100_021).u32(4).string(netid).string("").string(""))
                let request = call.bytes.withUnsafeBytes {
                    RPCPrograms.mappingRequest(program: 100_000, version: version, procedure: procedure, tape: call.tape, bytes: $0)
                }
                #expect(request == proto.map { PortMappingRequest(program: 100_021, version: 4, transportProtocol: $0) },
                        "\(netid) v\(version) proc \(procedure)")
            }
        }
        for (uaddr, expected): (String, UInt16?) in [("10.77.0.1.8.1", 2049), ("fd77::1.3.32", 800), ("", nil),
                                                     ("10.77.0.1.0.0", nil), ("/var/run/rpcbind.sock", nil)] {
            for (version, procedure): (UInt32, UInt32) in [(3, 3), (4, 3), (4, 9)] {
                let reply = decode(100_000, version, procedure, reply: true, XDRBytes().string(uaddr))
                #expect(reply.bytes.withUnsafeBytes {
                    RPCPrograms.mappedPort(program: 100_000, version: version, procedure: procedure, tape: reply.tape, bytes: $0)
                } == expected, "\(uaddr)")
            }
        }
    }

    @Test func portLearningOnRealMessages() throws {
        let messages = try XDRFixtures.messages()
        func message(_ capture: String, _ frame: Int) throws -> XDRFixtures.Message {
            try #require(messages.first { $0.capture.hasSuffix(capture) && $0.frame == frame })
        }
        // lab: libnfs asks the port mapper for MOUNT v3 over TCP (frames 184/185)
        // suricata nfs3-01: RPCBIND v3 GETADDR for MOUNT v3 over UDP (frames 1/2)
        for (capture, call, reply, request, port) in [
            ("mount-portmap-rpcbind.pcap", 184, 185, PortMappingRequest(program: 100_005, version: 3, transportProtocol: 6), UInt16(20048)),
            ("pcap-big-endian.pcap", 1, 2, PortMappingRequest(program: 100_005, version: 3, transportProtocol: 17), UInt16(1048)),
            ("mount-portmap-rpcbind.pcap", 4, 6, PortMappingRequest(program: 100_000, version: 2, transportProtocol: 6), UInt16(111)),
        ] {
            for (frame, isReply) in [(call, false), (reply, true)] {
                let m = try message(capture, frame)
                let d = decode(m.program, m.version, m.procedure, reply: isReply, [UInt8](hex: m.body))
                d.bytes.withUnsafeBytes { raw in
                    if isReply {
                        #expect(RPCPrograms.mappedPort(program: m.program, version: m.version, procedure: m.procedure,
                                                       tape: d.tape, bytes: raw) == port)
                    } else {
                        #expect(RPCPrograms.mappingRequest(program: m.program, version: m.version, procedure: m.procedure,
                                                           tape: d.tape, bytes: raw) == request)
                    }
                }
            }
        }
    }
}

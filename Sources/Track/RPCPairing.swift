import Decode

/// Pairs each RPC reply with its call and decodes the program's body: the call's program,
/// version and procedure are what a reply is decoded by (RFC 5531 section 9: a reply does not
/// say what it answers). Learns the ports PORTMAP/RPCBIND replies hand out.
struct RPCPairing {
    var xids: XIDTable
    var ports: LearnedPorts
    /// The current message's program body (PORTMAP, MOUNT, NLM, NSM…), when it was decoded.
    var tape = Tape()
    /// Decode the programs' bodies; without, messages are found, their headers decoded and
    /// paired, and the bodies left alone.
    var decodesBodies = true
    /// The direction the current message travelled (nil before the first).
    var messageFlow: FlowKey?
    /// The call the current reply answers, as the xid table held it (nil for a call or an
    /// orphan reply).
    var pairedCall: CallRecord?

    init(xids: XIDTable.Limits, learnedPorts: Int) {
        self.xids = XIDTable(limits: xids)
        ports = LearnedPorts(maximum: learnedPorts)
    }

    /// Pairs the message (header decoded into `p.rpc`, bytes `b`) with its call, decodes the
    /// program's body, learns mapped ports. `origin.key` is the direction the message travelled.
    mutating func finish(_ p: inout Packet, message b: UnsafeRawBufferPointer, truncated: Bool, index: Int,
                         origin: MessageOrigin) {
        let flow = origin.key
        messageFlow = flow
        pairedCall = nil
        if p.rpc.isCall {
            var call = CallRecord()
            decodeBody(&p, bytes: b, truncated: truncated)
            // What is called counts too: a reused xid for another procedure is a new call.
            call.bodyHash = Self.digest(b, p.rpc.body)
                ^ (UInt64(p.rpc.program) << 32 | UInt64(p.rpc.version) << 24 ^ UInt64(p.rpc.procedure))
                &* 0x9e37_79b9_7f4a_7c15
            p.rpc.minorVersion = RPCPrograms.minorVersion(tape)
            call.minorVersion = p.rpc.minorVersion
            if let mapping = RPCPrograms.mappingRequest(program: p.rpc.program, version: p.rpc.version,
                                                        procedure: p.rpc.procedure, tape: tape, bytes: b) {
                call.mappingProgram = mapping.program
                call.mappingVersion = mapping.version
                call.mappingProtocol = mapping.transportProtocol
            }
            pairCall(&p, call, flow: flow, origin: origin, index: index)
        } else if let call = pairReply(&p, flow: flow, time: origin.time), p.rpc.isSuccess {
            decodeBody(&p, bytes: b, truncated: truncated)
            if call.mappingProtocol != 0,
               let port = RPCPrograms.mappedPort(program: p.rpc.program, version: p.rpc.version,
                                                 procedure: p.rpc.procedure, tape: tape, bytes: b) {
                // The reply comes from the port mapper's host: the program listens there.
                ports.learn(flow.src, port: port, proto: call.mappingProtocol, program: call.mappingProgram)
            }
        }
    }

    /// FNV-1a over the first 64 bytes of a call's arguments and their length (mixed with what
    /// is called): enough to tell a retransmission from a reused xid.
    static func digest(_ b: UnsafeRawBufferPointer, _ body: ByteRange) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: body.count)
        let end = min(body.offset + 64, body.end, b.count)
        var i = max(0, body.offset)
        // Eight bytes at a time (XDR keeps everything in 4-byte units anyway).
        while i + 8 <= end {
            h = (h ^ b.u64(i)) &* 0x100_0000_01b3
            i += 8
        }
        while i < end {
            h = (h ^ UInt64(b.u8(i))) &* 0x100_0000_01b3
            i += 1
        }
        return h
    }

    private mutating func pairCall(_ p: inout Packet, _ call: CallRecord, flow: FlowKey, origin: MessageOrigin,
                                   index: Int) {
        var call = call
        call.program = p.rpc.program
        call.version = p.rpc.version
        call.procedure = p.rpc.procedure
        call.time = origin.time
        call.frame = origin.frame
        call.index = index
        call.fileIndex = origin.fileIndex
        call.credentialFlavor = p.rpc.credential.flavor
        call.uid = p.rpc.credential.uid
        call.gid = p.rpc.credential.gid
        call.gssProcedure = p.rpc.credential.gssProcedure
        call.gssService = p.rpc.credential.gssService
        p.rpc.retransmission = xids.call(CallKey(flow: flow, xid: p.rpc.xid), call)
    }

    /// Pairs a reply with its call (`flow` is the reply's direction); the call, when seen.
    private mutating func pairReply(_ p: inout Packet, flow: FlowKey, time: Int64) -> CallRecord? {
        guard let (call, duplicate) = xids.reply(CallKey(flow: flow.reversed, xid: p.rpc.xid), time: time) else {
            return nil
        }
        pairedCall = call
        p.rpc.callSeen = true
        p.rpc.duplicateReply = duplicate
        p.rpc.program = call.program
        p.rpc.version = call.version
        p.rpc.procedure = call.procedure
        p.rpc.latency = SaturatingTime.elapsed(from: call.time, to: time)
        p.rpc.callFrame = call.frame
        p.rpc.callIndex = call.index
        p.rpc.callFileIndex = call.fileIndex
        p.rpc.minorVersion = call.minorVersion
        p.rpc.credential.flavor = call.credentialFlavor
        p.rpc.credential.gssProcedure = call.gssProcedure
        p.rpc.credential.gssService = call.gssService
        return call
    }

    /// Decodes the program's part of the message onto `tape`, adding the program's layer.
    /// A malformed body is an error on this message only: the stream stays in sync.
    private mutating func decodeBody(_ p: inout Packet, bytes: UnsafeRawBufferPointer, truncated: Bool) {
        guard decodesBodies else { return }
        var range = p.rpc.body
        if p.rpc.credential.flavor == RPCConstants.rpcsecGSS {
            // RFC 2203 section 5.3: only DATA carries the program's arguments and results;
            // with privacy they are encrypted (the message is still paired and timed).
            guard p.rpc.credential.gssProcedure == 0 else { return }
            switch p.rpc.credential.gssService {
            case 2:
                // rpc_gss_integ_data: opaque databody_integ<> (seq_num, then the body), checksum.
                var integrity = XDRReader(bytes, range: range, layer: .rpc, truncated: truncated)
                do throws(DecodeError) {
                    let databody = try integrity.opaque()
                    guard databody.count >= 4 else { throw DecodeError(.shortData, layer: .rpc, offset: databody.offset) }
                    p.rpc.gssIntegritySequence = Int64(bytes.u32(databody.offset))
                    range = ByteRange(offset: databody.offset + 4, count: databody.count - 4)
                } catch {
                    // A body cut by the snaplen still decodes as far as it goes.
                    guard error.code == .truncated, range.count >= 8 else {
                        p.error = error
                        return
                    }
                    p.rpc.gssIntegritySequence = Int64(bytes.u32(range.offset + 4))
                    range = ByteRange(offset: range.offset + 8, count: range.count - 8)
                }
            case 3:
                return
            default:
                break
            }
        }
        var reader = XDRReader(bytes, range: range, layer: .rpc, truncated: truncated)
        do throws(DecodeError) {
            if let layer = try RPCPrograms.decodeBody(program: p.rpc.program, version: p.rpc.version,
                                                      procedure: p.rpc.procedure, isReply: !p.rpc.isCall,
                                                      reader: &reader, into: &tape) {
                p.layers.add(layer)
            }
        } catch {
            if reader.layer != .rpc { p.layers.add(reader.layer) }
            p.error = error
        }
    }
}

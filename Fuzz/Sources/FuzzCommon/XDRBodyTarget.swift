import Decode
import PacketTrace

// One program body (`XDRBodySelector`: program, version, procedure, call or reply) through its
// XDR decoder, then the tape through every display that walks tapes: the summary, the compound
// op list and each op's summary, tape JSON, and the packet line and JSON with an RPC layer.
extension FuzzTarget {
    static func xdrBody(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let s = XDRBodySelector(&input)
        let body = ByteRange(offset: input.offset, count: input.remaining)
        var reader = XDRReader(bytes, range: body, layer: .rpc, truncated: s.truncated)
        let layer = try? RPCPrograms.decodeBody(program: s.program, version: s.version, procedure: s.procedure,
                                                isReply: s.isReply, reader: &reader, into: &XDRBodyState.tape)
        let tape = XDRBodyState.tape
        var out = TextBuffer(descriptor: -1)
        TapeSummary.append(tape, bytes: bytes, program: s.program, version: s.version, procedure: s.procedure,
                           isReply: s.isReply, to: &out)
        TapeSummary.appendOperations(tape, program: s.program, version: s.version, procedure: s.procedure,
                                     isReply: s.isReply, to: &out)
        // the compound analysis, then each op as the NFSv4 line shows it
        if let compound = NFSCompoundAnalysis.analyse(tape: tape, program: s.program, version: s.version,
                                                      procedure: s.procedure, isReply: s.isReply) {
            _ = compound.status(tape)
            _ = compound.fileHandles(tape)
            for index in 0..<compound.elementCount {
                TapeSummary.appendOperation(tape, bytes: bytes, compound: compound, index: index, to: &out)
            }
        }
        TapeJSON.append(tape, bytes: bytes, fullFileHandles: s.procedure & 1 == 0, to: &out)
        _ = RPCPrograms.minorVersion(tape)
        if s.isReply {
            _ = RPCPrograms.mappedPort(program: s.program, version: s.version, procedure: s.procedure, tape: tape,
                                       bytes: bytes)
        } else {
            _ = RPCPrograms.mappingRequest(program: s.program, version: s.version, procedure: s.procedure,
                                           tape: tape, bytes: bytes)
        }
        var p = XDRBodyState.packet(s, body: body, layer: layer)
        var record = PacketRecord()
        record.lengthIncluded = bytes.count
        record.lengthOriginal = bytes.count
        XDRBodyState.line.append(record, p, message: bytes, tape: tape, to: &out)
        XDRBodyState.json.append(record, p, file: "fuzz", message: bytes, tape: tape, to: &out)
        p.reset()
    }
}

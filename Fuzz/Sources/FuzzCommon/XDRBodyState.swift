import Decode
import PacketTrace

/// What the XDR body target reuses from one input to the next, as the decoder does per worker.
enum XDRBodyState {
    nonisolated(unsafe) static var tape = Tape()
    nonisolated(unsafe) static var line = OneLineFormatter()
    nonisolated(unsafe) static var json = JSONPacketFormatter()

    /// A UDP packet whose RPC layer is the selected call or successful reply, its body `body`
    /// of the message, so the displays show the body as they would on the wire.
    static func packet(_ s: XDRBodySelector, body: ByteRange, layer: Layer?) -> Packet {
        var p = Packet()
        p.layers.add(.ipv4)
        p.layers.add(.udp)
        p.layers.add(.rpc)
        if let layer { p.layers.add(layer) }
        p.rpc.messageType = s.isReply ? RPCConstants.reply : RPCConstants.call
        p.rpc.rpcVersion = 2
        p.rpc.program = s.program
        p.rpc.version = s.version
        p.rpc.procedure = s.procedure
        p.rpc.callSeen = s.isReply
        p.rpc.body = body
        p.rpc.message = ByteRange(offset: 0, count: body.offset + body.count)
        p.truncated = s.truncated
        return p
    }
}

import Decode
import PcapIO

/// Turns a capture's TCP segments and UDP datagrams into the stream target's script
/// (`SegmentHeader`): connections become flows (NFS on even flows, the others on odd ones, as
/// `SegmentHeader.serverPort` has it), sequence numbers become offsets from where each
/// direction is up to.
struct SegmentScriptWriter {
    var writer = SeedWriter()
    var packet = Packet()
    struct Direction { var base: UInt32 = 0; var expected: UInt32 = 0; var seen = false }
    var flows: [String: (flow: UInt8, client: String)] = [:]
    var nextFlow: [UInt8] = [0, 1]
    var directions = [Direction](repeating: Direction(), count: SegmentHeader.flows * 2)
    var lastSeconds: Int64?

    mutating func add(_ r: CaptureRecord) {
        PacketDecoder.decode(r.data, linkType: r.linkType, originalLength: r.originalLength, into: &packet)
        guard packet.error == nil, !packet.isIPFragment, packet.has(.tcp) || packet.has(.udp) else { return }
        let src = "\(packet.ipSource):\(packet.sourcePort)", dst = "\(packet.ipDestination):\(packet.destinationPort)"
        let key = src < dst ? src + dst : dst + src
        if flows[key] == nil {
            let nfs = packet.sourcePort == 2049 || packet.destinationPort == 2049
            let parity = nfs ? 0 : 1
            flows[key] = (nextFlow[parity] & 7, src)
            nextFlow[parity] &+= 2
        }
        let (flow, client) = flows[key]!
        var h = SegmentHeader()
        h.flow = flow
        h.fromServer = src != client
        h.udp = packet.has(.udp)
        let payload = packet.payload
        let missing = max(0, min(r.originalLength - r.capturedLength, 255))
        h.length = UInt16(min(payload.count + missing, 0xffff))
        if missing > 0 { h.cut = true; h.cutBytes = UInt8(missing) }
        let seconds = r.seconds
        h.seconds = UInt8(max(0, min(seconds - (lastSeconds ?? seconds), 255)))
        lastSeconds = seconds
        if !h.udp {
            let f = packet.tcp.flags
            h.flags = f & TCP.RST != 0 ? 3 : f & TCP.SYN != 0 ? 1 : f & TCP.FIN != 0 ? 2 : 0
            let mine = Int(flow) * 2 + (h.fromServer ? 1 : 0), peer = Int(flow) * 2 + (h.fromServer ? 0 : 1)
            if !directions[mine].seen { directions[mine] = Direction(base: packet.tcp.seqRaw, expected: 0, seen: true) }
            let rel = packet.tcp.seqRaw &- directions[mine].base
            h.sequenceDelta = Int16(clamping: Int32(bitPattern: rel &- directions[mine].expected))
            let seq = directions[mine].expected &+ UInt32(bitPattern: Int32(h.sequenceDelta))
            directions[mine].expected = seq &+ UInt32(h.length) &+ (h.tcpFlags & 0x03 != 0 ? 1 : 0)
            if directions[peer].seen {
                let ack = packet.tcp.ackRaw &- directions[peer].base
                h.ackDelta = Int8(clamping: Int32(bitPattern: ack &- directions[peer].expected))
            }
        }
        h.write(to: &writer)
        writer.append(UnsafeRawBufferPointer(rebasing: r.data[payload.offset..<payload.offset + payload.count]))
        if missing > 0 { writer.append([UInt8](repeating: 0, count: Int(h.length) - payload.count)) }
    }
}

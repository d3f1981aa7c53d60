import Testing
import Decode
@testable import Track

@Suite("The flow hash the daemon shards by")
struct FlowHashTests {
    func hash(_ frame: [UInt8], linkType: UInt32 = LinkType.ethernet) -> UInt64 {
        var p = Packet()
        frame.withUnsafeBytes { PacketDecoder.decode($0, linkType: linkType, originalLength: frame.count, into: &p) }
        return FlowHash.of(&p)
    }

    @Test("Both directions of a TCP connection hash alike; other connections of the same hosts differ")
    func tcpSymmetric() {
        var distinct = Set<UInt64>()
        for port in UInt16(600)..<UInt16(700) {
            let call = tcpFrame(fromClient: true, clientPort: port, seq: 1, ack: 1, flags: 0x18, payload: [1, 2, 3, 4])
            let reply = tcpFrame(fromClient: false, clientPort: port, seq: 1, ack: 5, flags: 0x18, payload: [5, 6, 7, 8])
            #expect(hash(call) == hash(reply))
            distinct.insert(hash(call))
        }
        #expect(distinct.count == 100)
    }

    @Test("UDP and IP fragments by addresses: a fragmented reply meets its unfragmented call")
    func udpAndFragments() {
        let call = RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 1, procedure: 6), clientPort: 800)
        let reply = RPCBytes.udp(fromClient: false, payload: RPCBytes.reply(xid: 1), clientPort: 800)
        #expect(hash(call) == hash(reply))
        let other = RPCBytes.udp(fromClient: true, payload: RPCBytes.call(xid: 2, procedure: 6), clientPort: 900)
        #expect(hash(other) == hash(call))
        // Fragments (raw IPv4): the first has the UDP header, the second none; addresses only.
        let d = udpDatagram(count: 3000)
        let first = fragment(id: 4, offset: 0, more: true, payload: Array(d[0..<1480]), src: 0x0a00_0001)
        let second = fragment(id: 4, offset: 1480, more: false, payload: Array(d[1480...]), src: 0x0a00_0001)
        #expect(hash(first.1, linkType: LinkType.raw) == hash(second.1, linkType: LinkType.raw))
        // fragment() sends 10.0.0.1 -> 10.0.0.2: the server's reply to the client's call above.
        #expect(hash(second.1, linkType: LinkType.raw) == hash(call))
    }
}

/// The RPC stream target's input: a script of TCP segments and UDP datagrams between a few
/// clients and servers, each made into an Ethernet/IPv4 frame. Per segment, an 8-byte header:
///
///     0     flow (bits 0-2), from the server (bit 3), UDP (bit 4), cut by the snaplen (bit 5),
///           TCP flags (bits 6-7: ACK|PSH, SYN (SYN|ACK from the server), FIN|ACK, RST)
///     1-2   sequence number, signed, relative to where the direction's stream is up to
///     3-4   payload length (the input may end sooner)
///     5     acknowledgment, signed, relative to where the peer's stream is up to
///     6     seconds since the previous segment
///     7     bytes cut off the end of the captured frame, when bit 5 is set
///
/// then the payload. Small relative numbers make retransmissions, overlaps, holes and
/// out-of-order segments; eight flows against a table of six directions make it evict.
public struct SegmentHeader: Equatable {
    public var flow: UInt8 = 0
    public var fromServer = false
    public var udp = false
    public var cut = false
    public var flags: UInt8 = 0
    public var sequenceDelta: Int16 = 0
    public var length: UInt16 = 0
    public var ackDelta: Int8 = 0
    public var seconds: UInt8 = 0
    public var cutBytes: UInt8 = 0

    public static let size = 8
    public static let flows = 8

    public init() {}

    public init(_ input: inout FuzzInput) {
        let b = input.u8()
        flow = b & 7
        fromServer = b & 8 != 0
        udp = b & 0x10 != 0
        cut = b & 0x20 != 0
        flags = b >> 6
        sequenceDelta = Int16(bitPattern: input.u16())
        length = input.u16()
        ackDelta = Int8(bitPattern: input.u8())
        seconds = input.u8()
        cutBytes = input.u8()
    }

    public func write(to w: inout SeedWriter) {
        w.u8(flow & 7 | (fromServer ? 8 : 0) | (udp ? 0x10 : 0) | (cut ? 0x20 : 0) | flags << 6)
        w.u16(UInt16(bitPattern: sequenceDelta))
        w.u16(length)
        w.u8(UInt8(bitPattern: ackDelta))
        w.u8(seconds)
        w.u8(cutBytes)
    }

    /// TCP flag bits for `flags` (RFC 9293 section 3.1).
    public var tcpFlags: UInt8 {
        switch flags {
        case 0: 0x18                       // ACK|PSH
        case 1: fromServer ? 0x12 : 0x02   // SYN|ACK, SYN
        case 2: 0x11                       // FIN|ACK
        default: 0x04                      // RST
        }
    }

    /// The client's port per flow; even flows talk to NFS (2049), odd ones to PORTMAP (111), so
    /// that mapped ports are learned and used.
    public static func clientPort(flow: UInt8) -> UInt16 { 800 + UInt16(flow) }
    public static func serverPort(flow: UInt8) -> UInt16 { flow & 1 == 0 ? 2049 : 111 }
}

/// Makes Ethernet II + IPv4 + TCP/UDP frames for the segments of a script.
public struct SegmentFramer {
    /// Where each direction's stream is up to: [flow][0 client, 1 server].
    var nextSeq = [UInt32](repeating: 0, count: SegmentHeader.flows * 2)
    public private(set) var frame: [UInt8] = []
    public private(set) var time: Int64 = 1_700_000_000_000_000_000

    public init() {
        for i in nextSeq.indices { nextSeq[i] = UInt32(truncatingIfNeeded: i &* 0x1000_0001) }
    }

    /// Builds the frame of `h` carrying `payload`; returns (captured bytes, original length).
    public mutating func build(_ h: SegmentHeader, payload: UnsafeRawBufferPointer) -> (count: Int, original: Int) {
        let flow = Int(h.flow & 7)
        let mine = flow * 2 + (h.fromServer ? 1 : 0), peer = flow * 2 + (h.fromServer ? 0 : 1)
        let seq = nextSeq[mine] &+ UInt32(bitPattern: Int32(h.sequenceDelta))
        let ack = nextSeq[peer] &+ UInt32(bitPattern: Int32(h.ackDelta))
        var advance = UInt32(payload.count)
        if h.tcpFlags & 0x03 != 0 { advance &+= 1 }  // SYN and FIN take a sequence number
        nextSeq[mine] = seq &+ advance
        time &+= Int64(h.seconds) * 1_000_000_000 &+ 1000

        let client: UInt32 = 0x0a00_0001 + UInt32(flow), server: UInt32 = 0x0a00_0101 + UInt32(flow >> 2)
        let cport = SegmentHeader.clientPort(flow: h.flow), sport = SegmentHeader.serverPort(flow: h.flow)
        let (src, dst) = h.fromServer ? (server, client) : (client, server)
        let (srcPort, dstPort) = h.fromServer ? (sport, cport) : (cport, sport)
        let transport = h.udp ? 8 : 20
        let ipLength = 20 + transport + payload.count
        frame.removeAll(keepingCapacity: true)
        // Ethernet II
        frame += [2, 0, 0, 0, 0, UInt8(flow), 2, 0, 0, 0, 1, UInt8(flow), 0x08, 0x00]
        // IPv4, no options
        frame += [0x45, 0, UInt8(ipLength >> 8 & 0xff), UInt8(ipLength & 0xff), 0, 0, 0x40, 0, 64,
                  h.udp ? 17 : 6, 0, 0]
        append32(src); append32(dst)
        append16(srcPort); append16(dstPort)
        if h.udp {
            append16(UInt16(truncatingIfNeeded: 8 + payload.count)); append16(0)
        } else {
            append32(seq); append32(ack)
            frame += [0x50, h.tcpFlags, 0xff, 0xff, 0, 0, 0, 0]
        }
        frame.append(contentsOf: payload)
        let original = frame.count
        if h.cut { frame.removeLast(min(Int(h.cutBytes), frame.count)) }
        return (frame.count, original)
    }

    mutating func append16(_ v: UInt16) { frame += [UInt8(v >> 8), UInt8(v & 0xff)] }
    mutating func append32(_ v: UInt32) { append16(UInt16(v >> 16)); append16(UInt16(v & 0xffff)) }
}

import Decode

/// Builds frames byte by byte, the way the RFCs draw the headers.
struct Frame {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xffff)) }
    mutating func raw(_ v: [UInt8]) { bytes += v }

    mutating func ethernet(type: UInt16, dst: [UInt8] = [2, 0, 0, 0, 0, 2], src: [UInt8] = [2, 0, 0, 0, 0, 1]) {
        raw(dst); raw(src); u16(type)
    }

    /// An IPv4 header of 20 bytes plus `options`; `payload` bytes follow it on the wire.
    mutating func ipv4(proto: UInt8, payload: Int, id: UInt16 = 0x1234, flags: UInt16 = 0x4000,
                       src: UInt32 = 0x0a00_0001, dst: UInt32 = 0x0a00_0002, options: [UInt8] = []) {
        u8(0x45 + UInt8(options.count / 4)); u8(0)
        u16(UInt16(20 + options.count + payload)); u16(id); u16(flags)
        u8(64); u8(proto); u16(0xbeef); u32(src); u32(dst); raw(options)
    }

    mutating func ipv6(next: UInt8, payload: Int, src: [UInt8], dst: [UInt8]) {
        u32(0x6000_0000 | 0x12345); u16(UInt16(payload)); u8(next); u8(64); raw(src); raw(dst)
    }

    mutating func tcp(src: UInt16, dst: UInt16, seq: UInt32, ack: UInt32, flags: UInt16,
                      options: [UInt8] = []) {
        u16(src); u16(dst); u32(seq); u32(ack)
        u16(UInt16((20 + options.count) / 4) << 12 | flags); u16(65535); u16(0xabcd); u16(0)
        raw(options)
    }

    mutating func udp(src: UInt16, dst: UInt16, payload: Int) {
        u16(src); u16(dst); u16(UInt16(8 + payload)); u16(0)
    }

    func decode(linkType: UInt32 = LinkType.ethernet, originalLength: Int? = nil) -> Packet {
        var p = Packet()
        bytes.withUnsafeBytes {
            PacketDecoder.decode($0, linkType: linkType, originalLength: originalLength ?? bytes.count, into: &p)
        }
        return p
    }
}

let v6a: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
let v6b: [UInt8] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]

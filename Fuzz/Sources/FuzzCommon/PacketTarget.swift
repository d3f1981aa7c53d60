import Decode

// Frames of one link type (`FrameList`) through the link, IP, TCP and UDP decoders, IP
// reassembly and RPC tracking, each packet then shown as a line and as JSON.
extension FuzzTarget {
    static func packet(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let linkType = FrameList.linkTypes[Int(input.u8()) % FrameList.linkTypes.count]
        var pipeline = FramePipeline()
        var frame = 1
        while !input.isEmpty && frame <= FrameList.maximumFrames {
            let length = Int(input.u16()), extra = Int(input.u8())
            let bytes = input.take(length)
            pipeline.take(bytes, linkType: linkType, originalLength: bytes.count + extra,
                          time: 1_700_000_000_000_000_000 + Int64(frame) * 1_000_000, frameNumber: frame)
            frame += 1
        }
    }
}


// A script of TCP segments and UDP datagrams (`SegmentHeader`) between eight client/server
// pairs, through the RPC stream machine, record marking and call/reply pairing with small tables.
extension FuzzTarget {
    static func rpcStream(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        var pipeline = FramePipeline()
        var framer = SegmentFramer()
        var frame = 1
        while input.remaining >= SegmentHeader.size {
            let header = SegmentHeader(&input)
            let payload = input.take(Int(header.length))
            let (_, original) = framer.build(header, payload: payload)
            framer.frame.withUnsafeBytes {
                pipeline.take($0, linkType: 1, originalLength: original, time: framer.time, frameNumber: frame)
            }
            frame += 1
        }
    }
}

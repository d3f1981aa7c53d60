import Testing
import Dispatch
import PacketTrace
import PcapIO

/// What a pipeline made of one RPC message, independent of which pipeline made it.
private func describe(_ p: borrowing PacketPipeline) -> String? {
    let packet = p.packet
    guard packet.has(.rpc) else { return nil }
    let r = packet.rpc
    return "\(p.record.fileIndex):\(p.record.frame) xid \(r.xid) \(r.isCall ? "call" : "reply") \(r.program)/\(r.version)/"
        + "\(r.procedure) seen \(r.callSeen) latency \(r.latency) retrans \(r.retransmission) dup \(r.duplicateReply)"
        + " layers \(packet.layers.rawValue) error \(packet.error.map { "\($0.layer)" } ?? "-")"
}

/// A worker: one pipeline, used only on its serial queue.
private final class Worker: @unchecked Sendable {
    let queue: DispatchQueue
    var pipeline = PacketPipeline()
    var seen: [String] = []
    init(_ n: Int) { queue = DispatchQueue(label: "pktt.test.worker.\(n)") }
}

@Suite("Pipelines fed in batches on worker threads, sharded by the flow hash")
struct ShardedPipelineTests {
    static let captures = ["nfs4/lab-nfsv41.pcap", "nfs3/lab-nfs-errors.pcap", "streams/ip-fragments-udp.pcap",
                           "nfs3/nfsv2-udp.pcap", "streams/shared-xid.pcap", "streams/gap.pcap",
                           "rpc/mount-portmap-rpcbind.pcap", "rdma/ib-erf-nfs4.pcap", "rdma/rocev2-nfs4.pcap"]

    func single(_ path: String) throws -> [String] {
        let reader = try MergedCaptureReader(paths: [path])
        var pipeline = PacketPipeline()
        var out: [String] = []
        while let r = try reader.next() {
            pipeline.take(r.data, linkType: r.linkType, record: PacketRecord(r))
            if let d = describe(pipeline) { out.append(d) }
            while pipeline.nextMessage(r.data) { if let d = describe(pipeline) { out.append(d) } }
        }
        return out
    }

    func sharded(_ path: String, workers n: Int, batchSize: Int) throws -> [String] {
        let reader = try MergedCaptureReader(paths: [path])
        let workers = (0..<n).map(Worker.init)
        var batches = (0..<n).map { _ in RecordBatch() }
        var probe = Packet()
        let group = DispatchGroup()
        func send(_ w: Int) {
            let batch = batches[w], worker = workers[w]
            batches[w] = RecordBatch()
            worker.queue.async(group: group) {
                worker.pipeline.run(batch) { p, _ in if let d = describe(p) { worker.seen.append(d) } }
            }
        }
        while let r = try reader.next() {
            PacketDecoder.decode(r.data, linkType: r.linkType, originalLength: r.originalLength, into: &probe)
            let w = Int(FlowHash.of(&probe) % UInt64(n))
            batches[w].append(r.data, linkType: r.linkType, record: PacketRecord(r))
            if batches[w].count == batchSize { send(w) }
        }
        for w in 0..<n where !batches[w].isEmpty { send(w) }
        group.wait()
        return workers.flatMap(\.seen)
    }

    @Test("The same RPC messages, pairing and latency for 1 to 4 workers", arguments: captures)
    func sameWhateverTheWorkers(capture: String) throws {
        let expected = try single(Fixtures.path(capture))
        #expect(expected.count >= 5)
        for n in 1...4 {
            let got = try sharded(Fixtures.path(capture), workers: n, batchSize: 7)
            #expect(got.sorted() == expected.sorted(), "\(n) workers")
        }
    }
}

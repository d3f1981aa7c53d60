import ArgumentParser
import PacketTrace

/// `pktt show FILE...`: every packet, one line each (or JSON, or just the counts).
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the packets of one or more capture files.",
        discussion: """
            Files given together are merged in timestamp order. pcap (either byte order, µs or ns), \
            pcapng, snoop and gzip-compressed files are read directly.
            """)

    @Flag(help: "One JSON object per packet, one key per layer.")
    var json = false

    @Flag(help: "Decode everything and print one line of counts.")
    var count = false

    @Flag(help: "Show the frame number before the index (frame,index).")
    var frame = false

    @Option(name: .shortAndLong, help: ArgumentHelp(
        "Display level: 1, NFStest's one-line display (nfstest_pkt's default); 2, the same with what pktt knows beyond it.",
        discussion: "At 2 each line ends with pktt's annotations: [truncated], [malformed: …], [retransmission], [duplicate reply], [from frame N]."))
    var verbose = 1

    @Option(help: "How far to decode: transport (link, IP, TCP/UDP), rpc (also RPC, paired), all.")
    var depth: DecodeDepth = .all

    @Option(help: "Progress bar on stderr: auto (on a terminal, when stdout is not one), always, never.")
    var progress: ProgressMode = .auto

    @Option(name: .shortAndLong, help: "Show only the packets that match this expression (as pktt match).")
    var match: String?

    @Argument(help: "Capture files.")
    var files: [String]

    func validate() throws {
        if json && count { throw ValidationError("--json and --count do not go together.") }
        if files.isEmpty { throw ValidationError("Name at least one capture file.") }
        try PacketOutput.checkVerbose(verbose)
    }

    func run() throws {
        if let match {
            let filter = try MatchOutputOptions.compile(match)
            let printer = MatchPrinter(json: json, count: count, frame: frame, verbose: verbose)
            // as deep as asked, or as the expression needs if that is deeper
            let needed = filter.depth.decodeDepth
            let order = DecodeDepth.allCases
            let deeper = order.firstIndex(of: needed)! > order.firstIndex(of: depth)! ? needed : depth
            return try printer.run(filter: filter, files: files, depth: deeper)
        }
        var output = try PacketOutput(files: files, depth: depth, counting: count, json: json, frame: frame,
                                      verbose: verbose)
        let trace = output.trace
        var bar = ProgressBar(mode: progress, files: files, forCounting: count)
        // Property wrappers are not free: read the flags once, not per packet.
        let count = self.count
        while output.next() {
            if !count && !output.show() { break }
            if trace.packetCount & 0xffff == 0 { bar.update(trace.statistics) }
        }
        bar.finish()
        if count {
            output.out.append(trace.statistics.summary)
            output.out.append(Self.rpcSummary(trace))
            output.out.endLine()
        }
        try output.finish()
    }
}

extension Show {
    /// RPC pairing and stream counters, appended to the counts line.
    static func rpcSummary(_ trace: Pktt) -> String {
        let x = trace.xidStatistics, s = trace.rpcStreams
        let parts: [(String, Int)] = [
            ("rpc_calls", x.calls), ("rpc_replies", x.replies), ("rpc_paired", x.paired),
            ("rpc_orphan_replies", x.orphanReplies), ("rpc_retransmissions", x.retransmissions),
            ("rpc_duplicate_replies", x.duplicateReplies), ("rpc_unanswered", trace.unansweredCalls),
            ("rpc_expired", x.expiredUnanswered), ("rpc_evicted", x.evictedForSpace),
            ("rpc_records", s.records), ("rpc_multi_fragment", s.multiFragmentRecords),
            ("tcp_retransmitted_segments", s.retransmittedSegments), ("tcp_out_of_order", s.outOfOrderSegments),
            ("rpc_gaps", s.gaps), ("rpc_gap_bytes", s.gapBytes), ("rpc_resyncs", s.resyncs),
            ("rpc_skipped_bytes", s.skippedBytes), ("rpc_truncated_records", s.truncatedRecords),
            ("rpc_clipped_records", s.clippedRecords), ("rpc_dropped_records", s.droppedRecords),
            // Every table's evictions (Track's `Limits` names each bound).
            ("rpc_budget_evictions", trace.pipeline.rpc.budgetEvictions),
            ("rpc_direction_evictions", trace.pipeline.rpc.directionEvictions),
            ("rpc_learned_port_evictions", trace.pipeline.rpc.learnedPortEvictions),
            ("fragment_too_many_pieces", trace.pipeline.fragmentStatistics.tooManyFragments),
            ("tcp_connection_evictions", trace.pipeline.tcpConnectionEvictions),
        ]
        var line = parts.map { " \($0.0) \($0.1)" }.joined()
        // RPC over RDMA, when the trace had any.
        let r = trace.rdmaStatistics
        if r.sends > 0 || r.writeBytesKept > 0 || r.orphanSendPackets > 0 {
            let rdma: [(String, Int)] = [
                ("rdma_sends", r.sends), ("rdma_reassembled_sends", r.reassembledSends),
                ("rdma_inline_messages", r.inlineMessages), ("rdma_reply_chunk_messages", r.replyChunkMessages),
                ("rdma_undecoded_messages", r.undecodedMessages), ("rdma_control_messages", r.controlMessages),
                ("rdma_not_rpcordma", r.notRPCoRDMA), ("rdma_orphan_packets", r.orphanSendPackets),
                ("rdma_oversized", r.oversizedSends), ("rdma_evicted", r.evictedSends),
            ]
            line += rdma.map { " \($0.0) \($0.1)" }.joined()
        }
        return line
    }
}

extension DecodeDepth: ExpressibleByArgument {}

enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

enum Diagnostics {
    static func error(_ message: String) {
        var err = TextBuffer(descriptor: 2)
        err.append("pktt: ")
        err.append(message)
        err.endLine()
        err.flush()
    }
}

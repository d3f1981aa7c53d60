import Foundation
import Monitor
import PacketTrace
import Testing

/// The rules these tests run: one of each phase, a transaction rule that needs the call's body
/// and the reply's, a no-reply rule, and a suppressed one.
func sampleRules() throws -> [Rule] {
    [
        try Rule(argument: "nfs-error: NFS.status != 0"),
        try Rule(name: "slow", text: "RPC.latency > 0.0002"),
        try Rule(name: "lookup-or-open-failed", text: "(NFS.argop == 3 or NFS.argop == 15 or NFS.argop == 18) and NFS.status != 0"),
        try Rule(name: "nfs-call", text: "RPC.program == 100003", phase: .call,
                 suppression: RuleSuppression(keys: [.clientIP], interval: 1_000_000)),
        try Rule(name: "orphan-reply", text: "RPC.call_seen == 0", phase: .reply),
        try Rule(name: "retransmission", text: "RPC.retransmission == 1", phase: .call),
        try Rule(name: "no-reply", text: "", noReplyAfter: 500_000),
        try Rule(name: "syn", text: "TCP.flags.SYN == 1 and TCP.flags.ACK == 0", phase: .packet),
    ]
}

@Suite("pktt run's pipeline: rules, events, workers")
struct MonitorRunTests {
    /// The events of a run minus its lifecycle and statistics lines (wall-clock times).
    func alerts(_ lines: [EventLine]) -> [String] {
        lines.filter { $0.kind == "alert" || $0.kind == "event" }.map(\.text)
    }

    @Test("1 and 4 workers write the same events, line for line, on every fixture capture",
          arguments: MonitorFixtures.captures)
    func sameEventsWhateverTheWorkers(capture: String) throws {
        let rules = try sampleRules()
        let one = try runMonitor(.files([MonitorFixtures.path(capture)]), rules: rules, workers: 1, transactions: true)
        let four = try runMonitor(.files([MonitorFixtures.path(capture)]), rules: rules, workers: 4, transactions: true)
        #expect(alerts(one.lines) == alerts(four.lines))
        #expect(one.summary.hitsPerRule == four.summary.hitsPerRule)
        #expect(one.summary.counters.packets == four.summary.counters.packets)
    }

    @Test("Call and reply rules fire on exactly the packets pktt match selects")
    func phasesAgreeWithMatch() throws {
        for capture in ["nfs3/lab-nfs-errors.pcap", "nfs4/lab-nfsv41.pcap", "streams/ip-fragments-udp.pcap"] {
            let path = MonitorFixtures.path(capture)
            let rules = [try Rule(name: "reply-error", text: "NFS.status != 0", phase: .reply),
                         try Rule(name: "call-v4", text: "RPC.version == 4 and RPC.type == 0", phase: .call),
                         try Rule(name: "orphan", text: "RPC.call_seen == 0", phase: .reply)]
            let run = try runMonitor(.files([path]), rules: rules, workers: 2)
            for (i, rule) in rules.enumerated() {
                let expression = rule.phase == .reply ? "RPC.type == 1 and (\(rule.text))" : rule.text
                let expected = try countMatches(path, expression)
                #expect(run.summary.hitsPerRule[i] == expected, "\(capture) \(rule.name)")
                #expect(run.lines.filter { $0.rule == rule.name }.count == expected)
            }
        }
    }

    @Test("A transaction rule sees the call's arguments and the reply's status together")
    func transactionJoinsCallAndReply() throws {
        let path = MonitorFixtures.path("nfs3/lab-nfs-errors.pcap")
        // NFSv4 OPEN (op 18) is in calls only, the status in replies only
        let rule = try Rule(name: "open-failed", text: "NFS.argop == 18 and NFS.status != 0")
        let run = try runMonitor(.files([path]), rules: [rule])
        let hits = run.lines.filter { $0.rule == "open-failed" }
        // what they should be: replies to OPEN calls whose status is not NFS4_OK
        let trace = try Pktt(files: [path])
        let open = try MatchExpression("NFS.argop == 18"), failed = try MatchExpression("NFS.status != 0")
        var scratch = MatchScratch()
        var openCalls = Set<Int>(), expected: [Int] = []
        while try trace.next() {
            let rpc = trace.packet.rpc
            guard trace.packet.has(.rpc) else { continue }
            if rpc.isCall, trace.matches(open, scratch: &scratch) { openCalls.insert(trace.record.index) }
            if !rpc.isCall, rpc.callSeen, openCalls.contains(rpc.callIndex), trace.matches(failed, scratch: &scratch) {
                expected.append(trace.record.frame)
            }
        }
        #expect(!expected.isEmpty)
        #expect(hits.map { $0["pktt.frame"] as? Int ?? 0 } == expected)
        for hit in hits {
            #expect(hit["nfs.ops"] as? [String] != nil)
            #expect(hit["event.outcome"] as? String == "failure")
            #expect((hit["event.duration"] as? Int ?? -1) >= 0)
            #expect(hit["client.ip"] as? String == "10.77.0.2")
            #expect(hit["server.port"] as? Int == 2049)
            // the file the OPEN worked on, from its call (the reply does not show it)
            #expect((hit["nfs.fh.hash"] as? String)?.count == 8)
        }
        // the call's fields alone, or the reply's alone, do not make the rule fire on their own
        let alone = try runMonitor(.files([path]), rules: [try Rule(name: "x", text: "NFS.argop == 18 and NFS.status != 0", phase: .reply)])
        #expect(alone.lines.filter { $0.rule == "x" }.isEmpty)
    }

    @Test("Unanswered calls, retransmissions and orphan replies each fire their rule")
    func noReplyRetransmissionOrphan() throws {
        let noReply = try runMonitor(.files([MonitorFixtures.path("streams/many-records-per-segment.pcap")]),
                                     rules: [try Rule(name: "no-reply", text: "RPC.program == 100003", noReplyAfter: 1_000)])
        let fired = noReply.lines.filter { $0.rule == "no-reply" }
        #expect(!fired.isEmpty)
        #expect(fired.count <= noReply.summary.counters.rpcCalls - noReply.summary.counters.pairs)
        for e in fired {
            #expect(e["event.reason"] as? String == "no reply")
            #expect(e["rpc.type"] as? String == "call")
        }
        let retrans = try runMonitor(.files([MonitorFixtures.path("decode/linux-sll-v1.pcap")]),
                                     rules: [try Rule(name: "retransmission", text: "RPC.retransmission == 1", phase: .call)])
        #expect(retrans.lines.filter { $0.rule == "retransmission" }.count == retrans.summary.counters.retransmissions)
        #expect(retrans.summary.counters.retransmissions > 0)
        let orphan = try runMonitor(.files([MonitorFixtures.path("streams/ip-fragments-udp.pcap")]),
                                    rules: [try Rule(name: "orphan", text: "RPC.call_seen == 0", phase: .reply)])
        #expect(orphan.lines.filter { $0.rule == "orphan" }.count == orphan.summary.counters.orphanReplies)
        #expect(orphan.summary.counters.orphanReplies > 0)
    }

    @Test("A late reply fires the no-reply rule once, at the deadline, whatever the workers")
    func lateReplyFiresOnce() throws {
        let path = MonitorFixtures.path("nfs3/lab-nfs-errors.pcap")
        // every call answered later than 50 µs: the rule fires for it from the reply or a sweep
        let rule = try Rule(name: "late", text: "", noReplyAfter: 50_000)
        let run = try runMonitor(.files([path]), rules: [rule], workers: 3, transactions: true)
        let late = run.lines.filter { $0.rule == "late" }
        let slow = run.lines.filter { $0.kind == "event" && ($0["event.duration"] as? Int ?? 0) > 50_000 }
        #expect(late.count == slow.count)
        #expect(late.count > 5)
        #expect(Set(late.map { $0["event.id"] as? String ?? "" }).count == late.count)
    }

    @Test("Suppression keeps one event per key per interval; the next says how many were held")
    func suppression() throws {
        let path = MonitorFixtures.path("nfs4/lab-nfsv41.pcap")
        let every = try runMonitor(.files([path]), rules: [try Rule(name: "c", text: "RPC.program == 100003", phase: .call)])
        let suppressed = try runMonitor(.files([path]), rules: [try Rule(
            name: "c", text: "RPC.program == 100003", phase: .call,
            suppression: RuleSuppression(keys: [.clientIP], interval: 3_600_000_000_000))], workers: 2)
        let all = every.lines.filter { $0.rule == "c" }
        let kept = suppressed.lines.filter { $0.rule == "c" }
        let clients = Set(all.map { $0["client.ip"] as? String ?? "" })
        #expect(all.count > 10)
        #expect(kept.count == clients.count)
        #expect(suppressed.summary.counters.eventsSuppressed == all.count - kept.count)
        #expect(kept.first?.text == all.first.map { String($0.text) })
    }

    @Test("Event ids are the same in every run and differ between events")
    func eventIDs() throws {
        let rules = try sampleRules()
        let path = MonitorFixtures.path("nfs3/lab-nfs-errors.pcap")
        let a = try runMonitor(.files([path]), rules: rules, workers: 1).lines.compactMap { $0["event.id"] as? String }
        let b = try runMonitor(.files([path]), rules: rules, workers: 2).lines.compactMap { $0["event.id"] as? String }
        #expect(a == b)
        #expect(Set(a).count == a.count)
        #expect(a.count > 50)
    }
}

/// Packets of `path` that `expression` selects, read with the library (one thread).
func countMatches(_ path: String, _ expression: String) throws -> Int {
    let trace = try Pktt(files: [path])
    let e = try MatchExpression(expression)
    var scratch = MatchScratch()
    var n = 0
    while try trace.next() { if trace.matches(e, scratch: &scratch) { n += 1 } }
    return n
}

@Suite("pktt run's no-reply rules on sparse traffic")
struct MonitorNoReplyTests {
    static let sadmind = MonitorFixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus/zeek/rpc-portmap-sadmind.pcap").path

    @Test("Calls unanswered for longer than the pairing table waits still fire their rule, for any number of workers",
          .enabled(if: FileManager.default.fileExists(atPath: sadmind), "needs ../shared/corpus"))
    func expiredCallsFire() throws {
        // 18 calls over more than 300 s of capture time, 8 never answered: a batch spans the
        // table's 300 s, which expires the calls before a sweep at the batch's end sees them
        for workers in [1, 2, 4, 8] {
            let run = try runMonitor(.files([Self.sadmind]), rules: [try Rule(name: "no-reply", text: "", noReplyAfter: 2_000_000_000)],
                                     workers: workers)
            #expect(run.summary.counters.noReplies == 8, "\(workers) workers")
            #expect(run.summary.counters.watchedCallsLost == 0)
            #expect(run.lines.filter { $0.rule == "no-reply" }.count == 8)
        }
    }
}

import ArgumentParser
import Dispatch
import Foundation
import Monitor
import PcapIO

/// `pktt run`: the monitor. Reads captures (finished, growing, rotating, stdin) or an interface,
/// pairs calls and replies on a pipeline of workers, and writes a JSON line when a rule fires.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch captures or an interface and write a JSON line when a rule fires.",
        discussion: """
            One source: --read FILE... (finished files, merged by time; '-' is standard input, as in \
            tcpdump -U -w - | pktt run -r - ...), --follow PATH (a file tcpdump is still writing, or its \
            -C / -C -W / -G rotation set), or --interface IF (a live capture through libpcap). \
            Rules: --rule 'NAME: EXPRESSION' (judged on each transaction: the call's and the reply's \
            fields, RPC.latency included) or --rules FILE (YAML: name, match, on: packet|call|reply|\
            transaction, severity, no_reply_after, suppress). Events are ECS-aligned JSON lines: alerts, \
            transactions (--transactions), statistics and lifecycle.
            """)

    @Option(name: [.customShort("r"), .customLong("read")], parsing: .upToNextOption,
            help: "Finished capture files, merged by time ('-': standard input); the run ends at their end.")
    var read: [String] = []

    @Option(help: "A capture file tcpdump is writing, or a rotation set (tcpdump -C, -C -W, or a -G strftime pattern).")
    var follow: String?

    @Flag(name: .customLong("from-end"), help: "With --follow: start at the end of the newest file, not at the oldest file on disk.")
    var fromEnd = false

    @Flag(help: "With --follow: look for new data every 0.2 s instead of waiting on inotify (network file systems).")
    var poll = false

    @Option(name: [.customShort("i"), .long], help: "Capture live on this interface (libpcap, immediate mode).")
    var interface: String?

    @Option(help: "With --interface: a BPF capture filter (tcpdump's syntax).")
    var filter: String?

    @Option(help: "With --interface: bytes kept of each packet.")
    var snaplen = 262_144

    @Option(name: .customLong("buffer-size"), help: "With --interface: the kernel capture buffer, in MiB.")
    var bufferSize: Int?

    @Option(help: "With --interface: drop privileges to this user once the interface is open.")
    var user: String?

    @Option(name: .customLong("rule"), help: "A rule, 'NAME: EXPRESSION' (repeatable).")
    var rules: [String] = []

    @Option(name: .customLong("rules"), help: "A rules file (YAML; repeatable).")
    var rulesFiles: [String] = []

    @Flag(help: "Also write one event per RPC transaction (call and reply joined).")
    var transactions = false

    @Option(help: "Worker threads (default: the number of cores).")
    var workers: Int?

    @Option(name: [.customShort("o"), .long], help: "Where events go: '-' (standard output), FILE (appended; reopened on SIGHUP), or unix:PATH (a stream socket).")
    var output = "-"

    @Option(name: .customLong("stats-interval"), help: "Time between statistics events (e.g. 30s, 5m; 0: only at the end).")
    var statsInterval = "60s"

    func validate() throws {
        let sources = (read.isEmpty ? 0 : 1) + (follow == nil ? 0 : 1) + (interface == nil ? 0 : 1)
        guard sources == 1 else { throw ValidationError("Give one source: --read FILE..., --follow PATH or --interface IF.") }
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers is 1 to 256.") }
        if interface == nil && (filter != nil || user != nil || bufferSize != nil) {
            throw ValidationError("--filter, --user and --buffer-size go with --interface.")
        }
        if follow == nil && (fromEnd || poll) { throw ValidationError("--from-end and --poll go with --follow.") }
        if read.contains("-") && read.count > 1 { throw ValidationError("'-' (standard input) is read alone.") }
        if !(64...(1 << 20)).contains(snaplen) { throw ValidationError("--snaplen is 64 to 1048576.") }
        if let bufferSize, !(1...4096).contains(bufferSize) { throw ValidationError("--buffer-size is 1 to 4096 MiB.") }
    }

    func run() throws {
        var all: [Rule] = []
        do {
            for text in rules { all.append(try Rule(argument: text)) }
            for path in rulesFiles { all += try RulesFile.load(path: path) }
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(2)
        }
        let source: MonitorSource
        if read == ["-"] {
            source = .standardInput
        } else if !read.isEmpty {
            source = .files(read)
        } else if let follow {
            source = .follow(path: follow, fromEnd: fromEnd, polling: poll)
        } else {
            source = .interface(name: interface!, filter: filter, snapLength: snaplen,
                                bufferSize: bufferSize.map { $0 << 20 }, user: user)
        }
        var configuration = MonitorConfiguration(source: source)
        configuration.rules = all
        configuration.transactions = transactions
        configuration.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
        configuration.output = output
        do {
            let interval = try DurationText.nanoseconds(statsInterval)
            guard interval == 0 || interval >= 1_000_000_000 else {
                throw RuleError("at least 1s (or 0: only the final statistics)")
            }
            configuration.statisticsInterval = interval > 0 ? Double(interval) / 1e9 : nil
        } catch {
            throw ValidationError("--stats-interval: \(error)")
        }
        EventOutput.ignoreSIGPIPE()
        let monitor: Monitor
        do {
            monitor = try Monitor(configuration)
        } catch let error as RuleError {
            Diagnostics.error("\(error)")
            throw ExitCode(2)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        if let user {
            do {
                try Privileges.drop(toUser: user)
            } catch {
                Diagnostics.error("\(error)")
                throw ExitCode(1)
            }
        }
        let signals = RunSignals(monitor)
        let summary = monitor.run()
        signals.cancel()
        var failed = false
        for failure in summary.failures {
            Diagnostics.error(failure)
            failed = true
        }
        if summary.counters.outputErrors > 0 || summary.counters.outputLinesDropped > 0 {
            Diagnostics.error("\(summary.counters.outputLinesDropped) event lines could not be written to \(output)")
            failed = true
        }
        if failed { throw ExitCode(1) }
    }
}

/// SIGTERM and SIGINT stop the run (it drains and writes its final statistics); SIGHUP reopens
/// the output file.
final class RunSignals {
    private var sources: [DispatchSourceSignal] = []

    init(_ monitor: Monitor) {
        // a parent may have started pktt with these blocked (they are inherited)
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for (signal, action) in [(SIGTERM, true), (SIGINT, true), (SIGHUP, false)] {
            Foundation.signal(signal, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            s.setEventHandler { action ? monitor.stop() : monitor.reopenOutput() }
            s.resume()
            sources.append(s)
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}

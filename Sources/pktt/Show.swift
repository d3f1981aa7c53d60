import ArgumentParser
import PacketTrace
#if canImport(Glibc)
import Glibc
#endif

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

    @Option(help: "Progress bar on stderr: auto (on a terminal, when stdout is not one), always, never.")
    var progress: ProgressMode = .auto

    @Argument(help: "Capture files.")
    var files: [String]

    func validate() throws {
        if json && count { throw ValidationError("--json and --count do not go together.") }
        if files.isEmpty { throw ValidationError("Name at least one capture file.") }
    }

    func run() throws {
        let trace: Pktt
        do {
            trace = try Pktt(files: files)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        var out = TextBuffer()
        var line = OneLineFormatter(showFrame: frame)
        var jsonLine = JSONPacketFormatter()
        var bar = ProgressBar(mode: progress, files: files, forCounting: count)
        var failed = false
        // Property wrappers are not free: read the flags once, not per packet.
        let count = self.count, json = self.json
        while true {
            do {
                guard try trace.next() else { break }
            } catch {
                out.flush()
                Diagnostics.error("\(error)")
                failed = true
                continue
            }
            if count {
                // nothing to print per packet
            } else if json {
                jsonLine.append(trace, to: &out)
            } else {
                line.append(trace, to: &out)
            }
            if !out.bytes.isEmpty && out.bytes.count >= 1 << 16 && !out.flush() { break }
            if trace.packetCount & 0xffff == 0 { bar.update(trace.statistics) }
        }
        bar.finish()
        if count { out.append(trace.statistics.summary); out.endLine() }
        out.flush()
        for tail in trace.truncatedTails {
            Diagnostics.error("\(tail)")
            failed = true
        }
        if failed { throw ExitCode(1) }
    }
}

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

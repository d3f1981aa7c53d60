import ArgumentParser
import PacketTrace
#if canImport(Glibc)
import Glibc
#endif

/// What `show` and `match` share: the trace opened (a missing file exits 1 before any output),
/// packets read on past a damaged file (its error said once, the exit status 1 at the end),
/// and written as one line or one JSON object each — on a terminal every line goes out at once,
/// so that what was shown stays shown whatever happens next.
struct PacketOutput {
    let trace: Pktt
    var out: TextBuffer
    private let flushAt: Int
    private let json: Bool
    private var line: OneLineFormatter
    private var jsonLine = JSONPacketFormatter()
    /// A file turned out damaged or cut short.
    private(set) var failed = false

    /// The display levels `-v` takes (`show` and `match`): 1, NFStest's line; 2, with pktt's additions.
    static func checkVerbose(_ level: Int) throws {
        if level < 1 || level > 2 { throw ValidationError("--verbose is 1 (NFStest's line) or 2 (with pktt's annotations).") }
    }

    /// Counting shows no sequence numbers: they are not made relative then.
    init(files: [String], depth: DecodeDepth, counting: Bool, json: Bool, frame: Bool, verbose: Int = 1) throws {
        do {
            trace = try Pktt(files: files, depth: depth, relativeSequenceNumbers: !counting, rewindable: false)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        flushAt = isatty(1) != 0 ? 1 : 1 << 16
        out = TextBuffer(flushAt: flushAt)
        self.json = json
        line = OneLineFormatter(showFrame: frame, annotate: verbose >= 2)
    }

    /// The next packet; false at the end. A damaged file's error is reported and reading goes on.
    mutating func next() -> Bool {
        while true {
            do {
                return try trace.next()
            } catch {
                out.flush()
                Diagnostics.error("\(error)")
                failed = true
            }
        }
    }

    /// Writes the current packet; false when standard output has gone away.
    mutating func show() -> Bool {
        if json {
            jsonLine.append(trace, to: &out)
        } else {
            line.append(trace, to: &out)
        }
        return out.bytes.count < flushAt || out.flush()
    }

    /// Flushes, reports the files cut short, and exits 1 if any file was damaged or cut, or if
    /// the output could not be written (a full disk). A reader that went away (`| head`) is no
    /// error: it asked for no more.
    mutating func finish() throws {
        out.flush()
        if let e = out.writeError, e != EPIPE {
            Diagnostics.error("standard output: write failed: \(String(cString: strerror(e))) (errno \(e))")
            failed = true
        }
        for tail in trace.truncatedTails {
            Diagnostics.error("\(tail)")
            failed = true
        }
        if failed { throw ExitCode(1) }
    }
}

import ArgumentParser
import PacketTrace

/// `pktt match EXPR FILE...`: the packets a match expression selects, shown as `pktt show`
/// shows them.
struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Show the packets that match an expression.",
        discussion: """
            The expression is the seed's language: layer-qualified fields (TCP.flags.SYN, IP.src, \
            RPC.xid, RPC.latency, NFS.argop, NFS.status, NFS.opputfh.status), == != < <= > >= in, \
            not in, and or not, | ^ & << >>, re('…'), re.search(r'…', FIELD), crc32(), crc16(). \
            Example: pktt match 'NFS.status != 0 and RPC.latency > 0.1' trace.pcap. A bad expression \
            exits 2 and shows nothing. An expression that starts with '-' goes after '--': \
            pktt match -- '-1 in NFS.attributes' trace.pcap.
            """)

    @Argument(help: "The match expression.")
    var expression: String

    @Option(name: [.customShort("e"), .customLong("expression")],
            help: "Another expression (repeatable), judged on every packet too, as the daemon's rules are: a packet is shown when any matches; --count prints a count per expression.")
    var more: [String] = []

    @Argument(help: "Capture files (merged in timestamp order).")
    var files: [String]

    @OptionGroup var output: MatchOutputOptions

    func validate() throws {
        try output.validate()
    }

    func run() throws {
        var filters: [MatchExpression] = []
        for text in [expression] + more { filters.append(try MatchOutputOptions.compile(text)) }
        try output.printer.run(filters: filters, files: files, depth: nil)
    }
}

/// How matched packets are shown; shared by `pktt match` and `pktt show -m`.
struct MatchOutputOptions: ParsableArguments {
    @Flag(help: "One JSON object per packet, as show --json.")
    var json = false

    @Flag(help: "Print only the number of matching packets.")
    var count = false

    @Flag(help: "Also show the replies of the calls that matched.")
    var reply = false

    @Option(name: .customLong("max-index"), help: "Stop at this packet index.")
    var maxIndex: Int?

    @Flag(help: "Show the frame number before the index (frame,index).")
    var frame = false

    @Option(name: .shortAndLong, help: "Display level: 1, NFStest's one-line display; 2, with pktt's annotations.")
    var verbose = 1

    func validate() throws {
        try PacketOutput.checkVerbose(verbose)
        if json && count { throw ValidationError("--json and --count do not go together.") }
        if let maxIndex, maxIndex < 0 { throw ValidationError("--max-index is a packet index, 0 or more.") }
    }

    /// The expression compiled; a bad one is reported with its column, and pktt exits 2.
    static func compile(_ text: String) throws -> MatchExpression {
        do {
            return try MatchExpression(text)
        } catch {
            Diagnostics.error("expression: \(error)")
            throw ExitCode(2)
        }
    }

    var printer: MatchPrinter {
        MatchPrinter(json: json, count: count, reply: reply, maxIndex: maxIndex, frame: frame, verbose: verbose)
    }
}

/// Shows the packets of a trace that an expression selects.
struct MatchPrinter {
    var json = false, count = false, reply = false
    var maxIndex: Int?
    var frame = false
    var verbose = 1

    /// Reads `files`, showing what `filter` selects. `depth`: how far to decode (nil: as far as
    /// the display, or for --count the expression, needs).
    func run(filter: MatchExpression, files: [String], depth: DecodeDepth?) throws {
        try run(filters: [filter], files: files, depth: depth)
    }

    /// Every expression is judged on every packet (none stops the others early), as rules are.
    func run(filters: [MatchExpression], files: [String], depth: DecodeDepth?) throws {
        let deepest = filters.map(\.depth).max() ?? .transport
        let depth = depth ?? (count ? deepest.decodeDepth : .all)
        var output = try PacketOutput(files: files, depth: depth, counting: count, json: json, frame: frame, verbose: verbose)
        let trace = output.trace
        let rules = MatchRuleSet(filters)
        var scratch = MatchScratch()
        var replies = MatchedCalls()
        var matched = 0
        var counts = [Int](repeating: 0, count: filters.count)
        let count = self.count, reply = self.reply, maxIndex = self.maxIndex ?? .max
        while output.next() {
            if maxIndex != .max && trace.record.index >= maxIndex { break }
            var selected = false
            trace.matches(rules, scratch: &scratch) { i, _ in
                counts[i] += 1
                selected = true
            }
            if reply {
                let rpc = trace.packet.rpc
                if trace.packet.has(.rpc) {
                    if rpc.isCall {
                        if selected { replies.insert(trace.record.index) }
                    } else if rpc.callSeen, replies.remove(rpc.callIndex) {
                        selected = true
                    }
                }
            }
            guard selected else { continue }
            matched += 1
            if !count && !output.show() { break }
        }
        if count && filters.count == 1 {
            output.out.append(matched)
            output.out.endLine()
        } else if count {
            for (n, filter) in zip(counts, filters) {
                output.out.append(n)
                output.out.append("\t")
                output.out.append(filter.text)
                output.out.endLine()
            }
        }
        if replies.dropped > 0 {
            Diagnostics.error("--reply: \(replies.dropped) matched calls were forgotten before their replies (more than \(MatchedCalls.capacity) waiting)")
        }
        try output.finish()
    }
}

/// The packet indexes of matched calls whose replies are still to come (`--reply`): bounded,
/// the oldest forgotten first and counted.
struct MatchedCalls {
    static let capacity = 1 << 20
    private var waiting = Set<Int>()
    private var order: [Int] = []
    private var head = 0
    private(set) var dropped = 0

    mutating func insert(_ index: Int) {
        if waiting.count >= Self.capacity {
            while head < order.count, waiting.remove(order[head]) == nil { head += 1 }
            head += 1
            dropped += 1
        }
        waiting.insert(index)
        order.append(index)
        if head > 1 << 16 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    mutating func remove(_ index: Int) -> Bool { waiting.remove(index) != nil }
}

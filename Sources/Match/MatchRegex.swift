// A linear-time regular-expression engine for `re('…')` / `re.search(…)` in match expressions.
//
// The pattern (Python `re` syntax, bytes semantics: ASCII classes and case folding; see
// MatchRegexParser.swift) compiles to a Thompson NFA program, run by set simulation: at each
// subject position the live byte-consuming instructions are kept in a list, each instruction is
// marked with a per-position stamp when first reached (so it is visited at most once per
// position), and epsilon closures are followed with an explicit stack, never by recursion.
// When nothing is alive, positions whose byte cannot start a match are skipped.
// A search therefore costs O(subject length × program size) whatever the pattern: no
// backtracking, so `(a+)+$` or `(a|aa)*b` cannot blow up. Only yes/no is answered (Python's
// `re.search(…) is not None`), so greedy and lazy repeats are the same and no captures are kept.
//
// The compiled program is a few arrays of plain values (`Sendable`); the thread lists live in a
// `Scratch` the caller keeps, grown on first use and then reused, so a search allocates nothing.

/// A compiled regular expression: Python `re` syntax (the linear-time subset), matched against
/// bytes.
public struct MatchRegex: Sendable {
    enum Op: UInt8, Sendable {
        /// Consume the byte `a`.
        case byte
        /// Consume a byte in set number `a`.
        case set
        /// Continue at `a` and at `b`.
        case split
        /// Continue at `a`.
        case jump
        /// Continue at the next instruction when `Assertion(rawValue: a)` holds here.
        case assert
        /// The pattern has matched.
        case match
    }

    struct Instruction: Sendable {
        var op: Op
        var a: Int32
        var b: Int32
    }

    let program: [Instruction]
    /// The byte sets of `.set` instructions, four words each.
    let setWords: [UInt64]
    /// Bytes a match can start with, when the pattern cannot match the empty string: positions
    /// where nothing is alive and the byte is not one of these are skipped.
    let firstBytes: ByteSet?
    /// The match must start at position 0 (`\A…`, `^…`, or `anchored`).
    let anchoredStart: Bool

    /// The bytes the pattern is, when it is nothing else (`abc`, `^10\.`): searched as bytes,
    /// without the machine.
    let literal: [UInt8]?

    /// The number of instructions (for tests and diagnostics).
    public var programSize: Int { program.count }

    /// Compiles a pattern in Python `re` syntax. Throws `MatchError` whose `column` is the
    /// 1-based byte offset in `pattern` of what was wrong (Python's `error.pos` + 1 for the
    /// errors Python also reports).
    public init(_ pattern: [UInt8]) throws(MatchError) {
        try self.init(pattern, anchored: false)
    }

    /// `anchored`: the match must start at the beginning of the subject (Python's `re.match`),
    /// without rewriting the pattern, so `(?i)` stays at its start and error columns stay true.
    public init(_ pattern: [UInt8], anchored: Bool) throws(MatchError) {
        var parser = try Parser(pattern)
        let root = try parser.parse()
        var compiler = Compiler()
        compiler.emit(root.node)
        compiler.program.append(Instruction(op: .match, a: 0, b: 0))
        if compiler.program.count > Limits.maximumProgram {
            // Sizes are checked while parsing; this only guards the invariant.
            throw MatchError(column: 1, "pattern too complex (more than \(Limits.maximumProgram) instructions)")
        }
        program = compiler.program
        setWords = compiler.setWords
        if !Self.validate(program, setCount: setWords.count / 4) {
            throw MatchError(column: 1, "internal error: malformed regular-expression program")
        }
        let first = program[0]
        anchoredStart = anchored || (first.op == .assert && first.a == Assertion.begin.rawValue)
        firstBytes = Self.startBytes(program, setWords)
        literal = Self.literal(program)
    }

    /// The bytes of a program that is only byte steps (after a start anchor) and the match.
    static func literal(_ program: [Instruction]) -> [UInt8]? {
        var bytes: [UInt8] = []
        for (pc, inst) in program.enumerated() {
            switch inst.op {
            case .byte: bytes.append(UInt8(truncatingIfNeeded: inst.a))
            case .assert where pc == 0 && inst.a == Assertion.begin.rawValue: continue
            case .match: return pc == program.count - 1 ? bytes : nil
            default: return nil
            }
        }
        return nil
    }

    /// Checks what `search` relies on to index without bounds checks: every successor of every
    /// instruction is an instruction, every set number names a set, and the program ends with
    /// `match`.
    static func validate(_ program: [Instruction], setCount: Int) -> Bool {
        guard let last = program.last, last.op == .match else { return false }
        let count = program.count
        for (pc, inst) in program.enumerated() {
            switch inst.op {
            case .byte: if pc + 1 >= count || inst.a < 0 || inst.a > 255 { return false }
            case .set: if pc + 1 >= count || inst.a < 0 || Int(inst.a) >= setCount { return false }
            case .assert: if pc + 1 >= count || Assertion(rawValue: inst.a) == nil { return false }
            case .jump: if inst.a < 0 || Int(inst.a) >= count { return false }
            case .split:
                if inst.a < 0 || Int(inst.a) >= count || inst.b < 0 || Int(inst.b) >= count { return false }
            case .match: break
            }
        }
        return true
    }

    /// The union of the byte steps reachable from the start without consuming anything (treating
    /// every assertion as true), or nil when the end is reachable that way or any byte can start.
    static func startBytes(_ program: [Instruction], _ words: [UInt64]) -> ByteSet? {
        var seen = [Bool](repeating: false, count: program.count)
        var stack = [0]
        seen[0] = true
        var bytes = ByteSet()
        while let pc = stack.popLast() {
            let inst = program[pc]
            var next: [Int] = []
            switch inst.op {
            case .byte: bytes.insert(UInt8(truncatingIfNeeded: inst.a))
            case .set:
                let k = Int(inst.a) * 4
                var s = ByteSet()
                s.w0 = words[k]; s.w1 = words[k + 1]; s.w2 = words[k + 2]; s.w3 = words[k + 3]
                bytes.formUnion(s)
            case .split: next = [Int(inst.a), Int(inst.b)]
            case .jump: next = [Int(inst.a)]
            case .assert: next = [pc + 1]
            case .match: return nil
            }
            for n in next where !seen[n] {
                seen[n] = true
                stack.append(n)
            }
        }
        return bytes.isFull ? nil : bytes
    }

    struct Compiler {
        var program: [Instruction] = []
        var setWords: [UInt64] = []
        var setIndex: [ByteSet: Int32] = [:]

        mutating func append(_ op: Op, _ a: Int, _ b: Int = 0) {
            program.append(Instruction(op: op, a: Int32(a), b: Int32(b)))
        }

        /// Recursion follows the node tree, whose depth the parser bounds by group nesting.
        mutating func emit(_ node: Node) {
            switch node {
            case .empty:
                break
            case .set(let s):
                if let b = s.single {
                    append(.byte, Int(b))
                } else {
                    let index: Int32
                    if let known = setIndex[s] {
                        index = known
                    } else {
                        index = Int32(setWords.count / 4)
                        setWords += [s.w0, s.w1, s.w2, s.w3]
                        setIndex[s] = index
                    }
                    append(.set, Int(index))
                }
            case .assertion(let a):
                append(.assert, Int(a.rawValue))
            case .concat(let nodes):
                for n in nodes { emit(n) }
            case .group(let n):
                emit(n)
            case .alternate(let nodes):
                // split L1, next; L1: n0; jump end; next: split L2, next'; … last: nk; end:
                var jumps: [Int] = []
                for (k, n) in nodes.enumerated() {
                    if k == nodes.count - 1 {
                        emit(n)
                    } else {
                        let split = program.count
                        append(.split, split + 1, 0)
                        emit(n)
                        jumps.append(program.count)
                        append(.jump, 0)
                        program[split].b = Int32(program.count)
                    }
                }
                for j in jumps { program[j].a = Int32(program.count) }
            case .repetition(let n, let minimum, let maximum):
                if let maximum {
                    for _ in 0..<minimum { emit(n) }
                    // (n)? nested: split L, end; L: n; split L', end; L': n; … end:
                    var splits: [Int] = []
                    for _ in 0..<max(0, maximum - minimum) {
                        splits.append(program.count)
                        append(.split, program.count + 1, 0)
                        emit(n)
                    }
                    for s in splits { program[s].b = Int32(program.count) }
                } else if minimum == 0 {
                    // L: split L+1, end; n; jump L; end:
                    let loop = program.count
                    append(.split, loop + 1, 0)
                    emit(n)
                    append(.jump, loop)
                    program[loop].b = Int32(program.count)
                } else {
                    for _ in 0..<(minimum - 1) { emit(n) }
                    // L: n; split L, end
                    let loop = program.count
                    emit(n)
                    append(.split, loop, program.count + 1)
                }
            }
        }
    }

    /// Thread lists for `search`, kept by the caller and reused (one per thread; one Scratch
    /// may serve any number of expressions): grown to the largest program it has served, then
    /// never reallocated.
    public struct Scratch: Sendable {
        /// `marks[pc] == stamp`: instruction `pc` was already reached at the position whose
        /// stamp that is. Stamps only grow (across searches and expressions), so nothing is ever
        /// cleared.
        var marks: [UInt64] = []
        var stamp: UInt64 = 1
        /// Byte-consuming instructions alive at the current position, and at the next.
        var current: [Int32] = []
        var next: [Int32] = []
        /// The epsilon-closure work list.
        var stack: [Int32] = []

        public init() {}

        mutating func reserve(_ count: Int) {
            if marks.count < count {
                marks = [UInt64](repeating: 0, count: count)
                current = [Int32](repeating: 0, count: count)
                next = [Int32](repeating: 0, count: count)
                stack = [Int32](repeating: 0, count: count)
                stamp = 1
            }
        }
    }

    /// Python's `re.search(pattern, subject) is not None`. Allocation-free once `scratch` has
    /// grown to this program's size.
    public func search(_ subject: UnsafeRawBufferPointer, scratch: inout Scratch) -> Bool {
        if let literal {
            return literal.withUnsafeBytes { literal in
                anchoredStart ? subject.starts(with: literal) : MatchValue.contains(subject, literal)
            }
        }
        scratch.reserve(program.count)
        let n = subject.count
        // Stamps base + 0 … base + n are used; start over (clearing the marks) before they
        // could wrap.
        if scratch.stamp > UInt64.max / 2 - UInt64(n) {
            for k in scratch.marks.indices { scratch.marks[k] = 0 }
            scratch.stamp = 1
        }
        let base = scratch.stamp
        scratch.stamp = base + UInt64(n) + 1
        return program.withUnsafeBufferPointer { program in
            setWords.withUnsafeBufferPointer { setWords in
                scratch.marks.withUnsafeMutableBufferPointer { marks in
                    scratch.current.withUnsafeMutableBufferPointer { current in
                        scratch.next.withUnsafeMutableBufferPointer { next in
                            scratch.stack.withUnsafeMutableBufferPointer { stack in
                                var machine = Machine(program: program, setWords: setWords, subject: subject,
                                                      marks: marks, current: current, next: next, stack: stack,
                                                      base: base)
                                return machine.run(firstBytes: firstBytes, anchoredStart: anchoredStart)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Python's `re.search(pattern, subject) is not None` (allocates its scratch).
    public func search(_ subject: [UInt8]) -> Bool {
        var scratch = Scratch()
        return subject.withUnsafeBytes { search($0, scratch: &scratch) }
    }

    /// One search over buffers whose sizes `init` and `Scratch.reserve` guarantee: every
    /// instruction number (jump targets, `pc + 1` after a step or an assertion) is below
    /// `program.count` (checked once by `validate`), each of `current`, `next`, `stack` and
    /// `marks` holds `program.count` entries, and an instruction enters a list or the stack only
    /// when it is first marked at a position, so none can overflow.
    struct Machine {
        let program: UnsafeBufferPointer<Instruction>
        let setWords: UnsafeBufferPointer<UInt64>
        let subject: UnsafeRawBufferPointer
        let marks: UnsafeMutableBufferPointer<UInt64>
        var current: UnsafeMutableBufferPointer<Int32>
        var next: UnsafeMutableBufferPointer<Int32>
        let stack: UnsafeMutableBufferPointer<Int32>
        let base: UInt64
        var currentCount = 0
        var nextCount = 0

        init(program: UnsafeBufferPointer<Instruction>, setWords: UnsafeBufferPointer<UInt64>,
             subject: UnsafeRawBufferPointer, marks: UnsafeMutableBufferPointer<UInt64>,
             current: UnsafeMutableBufferPointer<Int32>, next: UnsafeMutableBufferPointer<Int32>,
             stack: UnsafeMutableBufferPointer<Int32>, base: UInt64) {
            self.program = program
            self.setWords = setWords
            self.subject = subject
            self.marks = marks
            self.current = current
            self.next = next
            self.stack = stack
            self.base = base
        }

        @inline(__always) func isWord(_ i: Int) -> Bool {
            i >= 0 && i < subject.count && ByteSet.word.contains(subject[i])
        }

        func holds(_ raw: Int32, at i: Int) -> Bool {
            let n = subject.count
            switch Assertion(rawValue: raw) {
            case .begin: return i == 0
            case .end: return i == n
            case .endOrFinalNewline: return i == n || (i == n - 1 && subject[i] == 0x0A)
            case .lineBegin: return i == 0 || (i <= n && subject[i - 1] == 0x0A)
            case .lineEnd: return i == n || (i < n && subject[i] == 0x0A)
            case .wordBoundary: return n > 0 && isWord(i - 1) != isWord(i)
            // Python before 3.14: `\B` never matches an empty subject.
            case .notWordBoundary: return n > 0 && isWord(i - 1) == isWord(i)
            case nil: return false
            }
        }

        /// Adds `start` and everything reachable from it without consuming, at subject position
        /// `i`, to the `current` list (or the `next` one); true when that reaches `match`.
        @inline(__always)
        mutating func addClosure(_ start: Int, at i: Int, toNext: Bool) -> Bool {
            let stamp = base &+ UInt64(i)
            if marks[start] == stamp { return false }
            marks[start] = stamp
            var sp = 0
            var pc = start
            while true {
                let inst = program[pc]
                var a = -1, b = -1
                switch inst.op {
                case .byte, .set:
                    if toNext {
                        next[nextCount] = Int32(pc)
                        nextCount &+= 1
                    } else {
                        current[currentCount] = Int32(pc)
                        currentCount &+= 1
                    }
                case .match: return true
                case .jump: a = Int(inst.a)
                case .split: a = Int(inst.a); b = Int(inst.b)
                case .assert: if holds(inst.a, at: i) { a = pc &+ 1 }
                }
                if a >= 0 && marks[a] != stamp {
                    marks[a] = stamp
                    stack[sp] = Int32(a)
                    sp &+= 1
                }
                if b >= 0 && marks[b] != stamp {
                    marks[b] = stamp
                    stack[sp] = Int32(b)
                    sp &+= 1
                }
                if sp == 0 { return false }
                sp &-= 1
                pc = Int(stack[sp])
            }
        }

        mutating func run(firstBytes: ByteSet?, anchoredStart: Bool) -> Bool {
            let n = subject.count
            currentCount = 0
            var i = 0
            while true {
                if currentCount == 0 {
                    if anchoredStart {
                        if i > 0 { return false }
                    } else if let firstBytes {
                        while i < n && !firstBytes.contains(subject[i]) { i &+= 1 }
                        if i == n { return false }
                    }
                }
                if !(anchoredStart && i > 0) {
                    if addClosure(0, at: i, toNext: false) { return true }
                }
                if i >= n { return false }
                let c = subject[i]
                let word = Int(c >> 6), bit = UInt64(c & 63)
                nextCount = 0
                var k = 0
                while k < currentCount {
                    let pc = Int(current[k])
                    k &+= 1
                    let inst = program[pc]
                    let accepts = inst.op == .byte
                        ? UInt8(truncatingIfNeeded: inst.a) == c
                        : (setWords[Int(inst.a) &* 4 &+ word] >> bit) & 1 != 0
                    if accepts && addClosure(pc &+ 1, at: i &+ 1, toNext: true) { return true }
                }
                swap(&current, &next)
                currentCount = nextCount
                i &+= 1
            }
        }
    }
}

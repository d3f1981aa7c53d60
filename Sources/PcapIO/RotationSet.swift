#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files one tcpdump run writes when told to rotate, found in their directory and put in
/// the order it wrote them.
///
/// tcpdump 4.99 names them so (`MakeFilename` in tcpdump.c, checked against the real program):
/// - `-w f -C n`: `f`, then `f1`, `f2`, … (the count appended, unpadded; each file grows past
///   n × 1,000,000 bytes by the one record that crossed it);
/// - `-w f -C n -W k`: a ring `f0` … `f{k-1}`, every count zero-padded to the digits of k − 1
///   (`-W 3`: `f0 f1 f2`; `-W 10`: `f0`…`f9`; `-W 11`: `f00`…`f10`); the writer comes back to
///   `f0` after the last slot and truncates it in place (same inode). `-W 1` keeps the one file
///   `f`, truncated again each time;
/// - `-w pattern -G s`: the pattern through strftime(3), in local time, at each rotation; with
///   `-C` too the count is appended after the first file of each period (`…pcap`, `…pcap1`, …),
///   with `-C -W` every file of the period gets it padded (`…pcap0`, `…pcap1`, …).
///
/// A numbered set is told apart from a plain growing file only by the files that appear: a
/// plain file is a `-C` set whose `f1` never comes.
struct RotationSet {
    enum Naming {
        /// `-C` or `-C -W`: the last path component; members are it followed by digits.
        case numbered(base: [UInt8])
        /// `-G`: a strftime pattern for the last path component.
        case strftime(StrftimePattern)
    }

    /// One file of the set as the directory showed it.
    struct Member {
        var name: String
        var path: String
        /// Numbered sets: the count in the name (0 for the bare `f` of `-C`). `-G`: the `-C`
        /// count after the name, 0 without one.
        var slot: Int
        /// `-G`: the time the name tells, comparable (`StrftimePattern.Match.timeKey`), or the
        /// mtime when the pattern has no date. Numbered sets: 0.
        var timeKey: Int64
        var state: FileState
    }

    /// The directory of the set, as given (`.` when the path has none).
    let directory: String
    let naming: Naming
    /// Numbered sets: how many digits a ring's slot numbers have (`-W`), or 0 for `-C` alone
    /// (the bare name, then unpadded numbers). Told by `detectWidth` from the names present.
    var width = 0

    /// `path` as `CaptureFollower` takes it: a `%` in the last component makes a `-G` pattern.
    init(path: String) throws(CaptureError) {
        if path == ByteSource.standardInputPath {
            throw CaptureError(.unsupportedFormat, path: path, offset: nil,
                               "standard input cannot be followed (read it with CaptureReader)")
        }
        let bytes = Array(path.utf8)
        guard let last = bytes.last, last != UInt8(ascii: "/") else {
            throw CaptureError(.io, path: path, offset: nil, "names no file: the path is empty or ends in /")
        }
        let component: [UInt8]
        if let slash = bytes.lastIndex(of: UInt8(ascii: "/")) {
            directory = slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
            component = Array(bytes[(slash + 1)...])
        } else {
            directory = "."
            component = bytes
        }
        guard component.contains(UInt8(ascii: "%")) else {
            naming = .numbered(base: component)
            return
        }
        // tcpdump passes the whole path through strftime, but a follower watches one directory.
        if directory.utf8.contains(UInt8(ascii: "%")) {
            throw CaptureError(.unsupportedFormat, path: path, offset: nil,
                               "strftime fields in directory names are not followed: only the file name may carry them")
        }
        naming = .strftime(StrftimePattern(component))
    }

    /// The full path of a file of the directory.
    func path(of name: String) -> String {
        directory == "/" ? "/" + name : directory + "/" + name
    }

    // MARK: Numbered sets

    /// The name of count `slot` with the current width; nil when the ring cannot have it.
    func slotName(_ slot: Int) -> String? {
        guard case .numbered(let base) = naming, slot >= 0 else { return nil }
        let baseName = String(decoding: base, as: UTF8.self)
        if width == 0 { return slot == 0 ? baseName : baseName + String(slot) }
        let digits = String(slot)
        guard digits.count <= width else { return nil }
        return baseName + String(repeating: "0", count: width - digits.count) + digits
    }

    /// What a name's digits after the base say: the count, how many digits, and whether they
    /// start with a zero (only a ring pads); nil when the name is no numbered member at all.
    static func numberedParts(of name: UnsafeBufferPointer<UInt8>, base: [UInt8]) -> (slot: Int, digits: Int, padded: Bool)? {
        guard name.count >= base.count, name.count - base.count <= 18 else { return nil }
        for index in 0..<base.count where name[index] != base[index] { return nil }
        var value = 0
        for index in base.count..<name.count {
            let byte = name[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        let digits = name.count - base.count
        return (value, digits, digits > 0 && name[base.count] == UInt8(ascii: "0"))
    }

    /// The count a name has in a set of `width`, or nil when it is not a member.
    static func slot(of parts: (slot: Int, digits: Int, padded: Bool), width: Int) -> Int? {
        if width == 0 {
            if parts.digits == 0 { return 0 }
            return parts.padded ? nil : parts.slot
        }
        return parts.digits == width ? parts.slot : nil
    }

    // MARK: Listing

    /// The members in the directory now. A numbered set with `detectingWidth` first decides
    /// its width from the names present (the newest ring or `-C` start wins). `wanted` sees
    /// each member's slot (`-G`: its count) and, for a `-G` set ordered by its names, its time
    /// key before it is stat'ed, so that a scan for the files after the current one costs one
    /// `stat` per such file, not one per file of the directory. Memory is O(members).
    mutating func scan(detectingWidth: Bool = false, wanted: (_ slot: Int, _ timeKey: Int64?) -> Bool = { _, _ in true })
        -> (members: [Member], readable: Bool)
    {
        guard let stream = opendir(directory) else { return ([], false) }
        defer { closedir(stream) }
        let directoryDescriptor = dirfd(stream)
        let naming = self.naming
        let width = self.width
        var found: [Member] = []
        // Numbered names seen while the width is still to be decided.
        var numbered: [(name: String, parts: (slot: Int, digits: Int, padded: Bool), state: FileState)] = []
        while let entry = readdir(stream) {
            // Names are parsed as bytes where they lie; a String is made only for a member.
            let candidate: (name: String, slot: Int, timeKey: Int64?, parts: (slot: Int, digits: Int, padded: Bool)?)? =
                withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                    let bytes = raw.bindMemory(to: UInt8.self)
                    let nameBytes = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: 0) ?? bytes.count)])
                    switch naming {
                    case .numbered(let base):
                        guard let parts = Self.numberedParts(of: nameBytes, base: base) else { return nil }
                        if detectingWidth { return (String(decoding: nameBytes, as: UTF8.self), parts.slot, nil, parts) }
                        guard let slot = Self.slot(of: parts, width: width), wanted(slot, nil) else { return nil }
                        return (String(decoding: nameBytes, as: UTF8.self), slot, nil, nil)
                    case .strftime(let pattern):
                        guard let match = pattern.match(nameBytes) else { return nil }
                        if pattern.ordersByTime, !wanted(match.suffix, match.timeKey) { return nil }
                        return (String(decoding: nameBytes, as: UTF8.self), match.suffix,
                                pattern.ordersByTime ? match.timeKey : nil, nil)
                    }
                }
            guard let candidate,
                  let state = FileState.of(directoryDescriptor: directoryDescriptor, name: candidate.name) else { continue }
            if let parts = candidate.parts {
                numbered.append((candidate.name, parts, state))
                continue
            }
            // A -G pattern without a date is ordered by mtime, known only now.
            let timeKey = candidate.timeKey ?? (isStrftime ? state.modified : 0)
            if candidate.timeKey == nil, isStrftime, !wanted(candidate.slot, timeKey) { continue }
            found.append(Member(name: candidate.name, path: path(of: candidate.name), slot: candidate.slot,
                                timeKey: timeKey, state: state))
        }
        if detectingWidth {
            self.width = Self.detectWidth(numbered.map { ($0.parts, $0.state.modified) })
            for entry in numbered {
                guard let slot = Self.slot(of: entry.parts, width: self.width), wanted(slot, nil) else { continue }
                found.append(Member(name: entry.name, path: path(of: entry.name), slot: slot, timeKey: 0, state: entry.state))
            }
        }
        return (found, true)
    }

    var isStrftime: Bool {
        if case .strftime = naming { return true }
        return false
    }

    /// Ring or not: the most recently written name that only a ring makes (digits starting
    /// with 0: `f0`, `f00`, `f01`) gives the width, unless the bare name of `-C` is newer.
    static func detectWidth(_ names: [(parts: (slot: Int, digits: Int, padded: Bool), modified: Int64)]) -> Int {
        var newestBare: Int64?
        var newestPadded: (modified: Int64, digits: Int)?
        for (parts, modified) in names {
            if parts.digits == 0 {
                newestBare = max(newestBare ?? .min, modified)
            } else if parts.padded, newestPadded.map({ modified > $0.modified }) ?? true {
                newestPadded = (modified, parts.digits)
            }
        }
        guard let newestPadded else { return 0 }
        if let newestBare, newestBare > newestPadded.modified { return 0 }
        return newestPadded.digits
    }

    /// The state of the set's directory, to tell whether names may have changed since a scan.
    var directoryState: FileState? { FileState.of(path: directory, regularOnly: false) }
}

/// What `stat(2)` says about a file: enough to tell a file that was replaced (another inode),
/// cut short (smaller) or written again (another size or mtime) since it was last looked at.
struct FileState: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    /// Modification time in nanoseconds since the epoch (saturated: a file's times are data).
    var modified: Int64
    /// Status change time, nanoseconds: also moves when a file is truncated or renamed.
    var changed: Int64

    init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64 = 0) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    private init?(_ info: stat, regularOnly: Bool) {
        if regularOnly, (info.st_mode & S_IFMT) != S_IFREG { return nil }
        device = UInt64(truncatingIfNeeded: info.st_dev)
        inode = UInt64(truncatingIfNeeded: info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modified = Self.nanoseconds(info.st_mtimespec)
        changed = Self.nanoseconds(info.st_ctimespec)
        #else
        modified = Self.nanoseconds(info.st_mtim)
        changed = Self.nanoseconds(info.st_ctim)
        #endif
    }

    private static func nanoseconds(_ time: timespec) -> Int64 {
        let (scaled, overflow) = Int64(time.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return time.tv_sec < 0 ? .min : .max }
        return scaled.addingReportingOverflow(Int64(time.tv_nsec)).overflow ? .max : scaled + Int64(time.tv_nsec)
    }

    /// A regular file's state (nil: missing, unreadable, or not a regular file).
    static func of(path: String, regularOnly: Bool = true) -> FileState? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileState(info, regularOnly: regularOnly)
    }

    static func of(descriptor: Int32) -> FileState? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return FileState(info, regularOnly: false)
    }

    /// A name in an open directory, without resolving the directory's path again.
    static func of(directoryDescriptor: Int32, name: String) -> FileState? {
        var info = stat()
        guard fstatat(directoryDescriptor, name, &info, 0) == 0 else { return nil }
        return FileState(info, regularOnly: true)
    }

    func isSameFile(as other: FileState) -> Bool {
        device == other.device && inode == other.inode
    }

    /// Feeds a polling signature: every field that moves when the file does.
    func combine(into hasher: inout Hasher) {
        hasher.combine(device)
        hasher.combine(inode)
        hasher.combine(size)
        hasher.combine(modified)
        hasher.combine(changed)
    }
}

/// A tcpdump `-G` file name pattern (the strftime(3) format given to `-w`), turned into a
/// matcher for the names it makes and a key that orders them by the time they tell.
///
/// `%Y` is 4 digits, `%m %d %H %M %S %y` 2, `%j` 3, `%s` any digits (seconds since the epoch),
/// `%F` and `%T` their parts, `%%` a `%`; any other conversion (month names, `%Z`, modifiers)
/// matches any run of characters. After the pattern, digits may follow: the `-C` count.
struct StrftimePattern: Sendable {
    enum Field: Int, Sendable {
        case year, shortYear, month, day, yearDay, hour, minute, second
    }

    enum Token: Equatable, Sendable {
        case literal(UInt8)
        case field(Field, digits: Int)
        case epoch
        case anything
    }

    /// What a name says: a comparable time and the `-C` count after the pattern.
    struct Match: Equatable {
        /// Seconds since the epoch for `%s`; else the date and time fields as the decimal
        /// number YYYY MMDD(or 0DDD) HHMMSS, in the writer's local time.
        var timeKey: Int64
        var suffix: Int
    }

    let tokens: [Token]
    /// Whether the names order the files in time: they carry `%s` or a year. Without one
    /// (`cap-%H%M.pcap`) the names repeat every day and the files are ordered by mtime.
    let ordersByTime: Bool
    /// The longest name looked at (NAME_MAX): bounds the matcher's table.
    static let maximumNameLength = 255
    /// A pattern of more conversions and characters than this matches no name (a name has at
    /// most 255 bytes); the bound keeps the matcher's table small.
    static let maximumTokens = 512
    /// False for a pattern over `maximumTokens`.
    let usable: Bool

    init(_ component: [UInt8]) {
        var tokens: [Token] = []
        var index = 0
        func add(_ fields: [(Field, Int)]) {
            for (field, digits) in fields { tokens.append(.field(field, digits: digits)) }
        }
        while index < component.count {
            let byte = component[index]
            guard byte == UInt8(ascii: "%"), index + 1 < component.count else {
                tokens.append(.literal(byte))
                index += 1
                continue
            }
            var conversion = component[index + 1]
            index += 2
            // glibc flags and E/O modifiers change the text: what follows matches anything.
            var modified = false
            while "_-0^#EO".utf8.contains(conversion), index < component.count {
                modified = true
                conversion = component[index]
                index += 1
            }
            if modified {
                if tokens.last != .anything { tokens.append(.anything) }
                continue
            }
            switch conversion {
            case UInt8(ascii: "%"): tokens.append(.literal(UInt8(ascii: "%")))
            case UInt8(ascii: "Y"): add([(.year, 4)])
            case UInt8(ascii: "y"): add([(.shortYear, 2)])
            case UInt8(ascii: "m"): add([(.month, 2)])
            case UInt8(ascii: "d"): add([(.day, 2)])
            case UInt8(ascii: "j"): add([(.yearDay, 3)])
            case UInt8(ascii: "H"): add([(.hour, 2)])
            case UInt8(ascii: "M"): add([(.minute, 2)])
            case UInt8(ascii: "S"): add([(.second, 2)])
            case UInt8(ascii: "s"): tokens.append(.epoch)
            case UInt8(ascii: "F"):
                add([(.year, 4)]); tokens.append(.literal(UInt8(ascii: "-")))
                add([(.month, 2)]); tokens.append(.literal(UInt8(ascii: "-")))
                add([(.day, 2)])
            case UInt8(ascii: "T"):
                add([(.hour, 2)]); tokens.append(.literal(UInt8(ascii: ":")))
                add([(.minute, 2)]); tokens.append(.literal(UInt8(ascii: ":")))
                add([(.second, 2)])
            default:
                if tokens.last != .anything { tokens.append(.anything) }
            }
        }
        usable = tokens.count <= Self.maximumTokens
        if !usable { tokens.removeAll() }
        self.tokens = tokens
        ordersByTime = tokens.contains { token in
            switch token {
            case .epoch, .field(.year, _), .field(.shortYear, _): true
            default: false
            }
        }
    }

    init(_ component: String) { self.init(Array(component.utf8)) }

    /// The time and count a name tells, or nil when the pattern cannot have made it.
    func match(_ name: UnsafeBufferPointer<UInt8>) -> Match? {
        guard usable, name.count <= Self.maximumNameLength else { return nil }
        // A quick refusal on the literal start, before any state is allocated.
        for (index, token) in tokens.enumerated() {
            guard case .literal(let byte) = token else { break }
            guard index < name.count, name[index] == byte else { return nil }
        }
        var matcher = Matcher(tokens: tokens, name: name)
        guard matcher.match(token: 0, at: 0) else { return nil }
        return Match(timeKey: matcher.timeKey(), suffix: matcher.suffix)
    }

    /// Backtracking over the tokens with every failed (token, position) remembered, so a
    /// pattern of many `anything`s costs at most tokens × name length steps.
    private struct Matcher {
        let tokens: [Token]
        let name: UnsafeBufferPointer<UInt8>
        var failed: [Bool]
        /// Each token's value on the matching path (fields and `%s`).
        var values: [Int64]
        var suffix = 0

        init(tokens: [Token], name: UnsafeBufferPointer<UInt8>) {
            self.tokens = tokens
            self.name = name
            failed = Array(repeating: false, count: (tokens.count + 1) * (name.count + 1))
            values = Array(repeating: 0, count: tokens.count)
        }

        func digitRun(from position: Int, limit: Int) -> Int {
            var end = position
            while end < name.count, end - position < limit, name[end] >= UInt8(ascii: "0"), name[end] <= UInt8(ascii: "9") {
                end += 1
            }
            return end - position
        }

        func number(at position: Int, count: Int) -> Int64 {
            var value: Int64 = 0
            for index in position..<(position + count) { value = value * 10 + Int64(name[index] - UInt8(ascii: "0")) }
            return value
        }

        mutating func match(token: Int, at position: Int) -> Bool {
            let state = token * (name.count + 1) + position
            if failed[state] { return false }
            let matched = attempt(token: token, at: position)
            if !matched { failed[state] = true }
            return matched
        }

        private mutating func attempt(token: Int, at position: Int) -> Bool {
            guard token < tokens.count else {
                // After the pattern: nothing, or the -C count (at most 9 digits).
                let run = digitRun(from: position, limit: 10)
                guard position + run == name.count, run <= 9 else { return false }
                suffix = Int(number(at: position, count: run))
                return true
            }
            switch tokens[token] {
            case .literal(let byte):
                return position < name.count && name[position] == byte && match(token: token + 1, at: position + 1)
            case .field(_, let digits):
                guard digitRun(from: position, limit: digits) == digits else { return false }
                values[token] = number(at: position, count: digits)
                return match(token: token + 1, at: position + digits)
            case .epoch:
                // Longest first: "f-%s" followed by a -C count is ambiguous; the count loses.
                var run = digitRun(from: position, limit: 18)
                while run > 0 {
                    values[token] = number(at: position, count: run)
                    if match(token: token + 1, at: position + run) { return true }
                    run -= 1
                }
                return false
            case .anything:
                var end = position
                while true {
                    if match(token: token + 1, at: end) { return true }
                    guard end < name.count else { return false }
                    end += 1
                }
            }
        }

        /// The comparable time of the matched name (see `Match.timeKey`).
        func timeKey() -> Int64 {
            var fields = [Int64](repeating: 0, count: 8)
            var epoch: Int64?
            for (index, token) in tokens.enumerated() {
                switch token {
                case .field(let field, _): fields[field.rawValue] = values[index]
                case .epoch: epoch = values[index]
                default: break
                }
            }
            if let epoch { return epoch }
            var year = fields[Field.year.rawValue]
            if !tokens.contains(.field(.year, digits: 4)), tokens.contains(.field(.shortYear, digits: 2)) {
                // POSIX strptime's %y: 69–99 are 1969–1999, 00–68 are 2000–2068.
                let short = fields[Field.shortYear.rawValue]
                year = short >= 69 ? 1900 + short : 2000 + short
            }
            let date = fields[Field.yearDay.rawValue] != 0
                ? fields[Field.yearDay.rawValue]
                : fields[Field.month.rawValue] * 100 + fields[Field.day.rawValue]
            return year * 10_000_000_000 + date * 1_000_000
                + fields[Field.hour.rawValue] * 10_000 + fields[Field.minute.rawValue] * 100 + fields[Field.second.rawValue]
        }
    }
}

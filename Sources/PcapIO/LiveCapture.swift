import CPcap
import Glibc
import Synchronization

/// Packets from a network interface, as they arrive, through libpcap.
///
/// ```swift
/// let capture = try LiveCapture(interface: "eth0", filter: "port 2049")
/// try Privileges.drop(toUser: "pktt")        // the handle stays open
/// while running {
///     guard let record = try capture.next() else { continue }   // read timeout or breakLoop()
///     decode(record.data)                    // valid until the next call to next()
/// }
/// ```
///
/// Immediate mode is on, so each packet is handed over as soon as the kernel has it, not when a
/// buffer fills: a monitor must see a slow reply when it happens. Records are borrowed like a
/// `CaptureReader`'s: no allocation per packet. Read from one thread; `breakLoop()` (or
/// `breaker`, which is `Sendable`) stops it from another.
///
/// The handle is non-blocking and `next()` does its own waiting (`poll` on libpcap's socket
/// and a wake-up pipe), because libpcap's read timeout is not kept on Linux: with libpcap
/// 1.10.3 a blocking `pcap_next_ex` polls again after each timeout and never returns 0, so
/// neither a quiet interface nor (before 1.10) `pcap_breakloop` would bring it back.
public final class LiveCapture {
    /// How long a `next()` waits for a packet before it returns nil, when none is given: short
    /// enough that a reader loop notices a stop request promptly without `breakLoop()`.
    public static let defaultReadTimeout: Duration = .milliseconds(100)

    /// How long `next()` waits for a packet before it returns nil.
    public let readTimeout: Duration
    /// The interface as given (`eth0`, `any`, `lo`).
    public let interface: String
    /// The link-layer header type of every record, as a LINKTYPE_* value (what capture files
    /// hold and `Decode` expects), mapped from libpcap's platform DLT_* value.
    public let linkType: UInt32
    /// The snapshot length libpcap settled on (it replaces 0 or values above its maximum).
    public let snapLength: Int
    /// Nanoseconds when the kernel and libpcap give them, else microseconds.
    public let timestampResolution: TimestampResolution
    /// What libpcap warned about when it activated the capture (promiscuous mode unsupported,
    /// timestamp type unsupported, …), and pktt's own notes (nanosecond times unavailable, a
    /// DLT without a LINKTYPE). The capture works; a daemon should log these.
    public private(set) var warnings: [String] = []
    /// Packets delivered so far; the last record's `frame`.
    public private(set) var recordCount = 0
    /// Records whose time could not be represented and was clamped into `CaptureTime`'s window.
    public private(set) var clampedTimes = 0
    /// Records whose lengths libpcap reported inconsistently (captured more than the wire
    /// length, more than `CaptureReader.maximumRecordLength`, or bytes without a pointer), and
    /// that were corrected rather than trusted.
    public private(set) var correctedLengths = 0

    let handle: PcapHandle
    /// libpcap's socket, to wait on while its ring is empty.
    private let captureDescriptor: Int32
    /// Units of `pcap_pkthdr.ts.tv_usec` in a second: 10^9 with nanosecond precision, else 10^6.
    private let unitsPerSecond: Int
    /// Running 64-bit totals behind `statistics()`, and libpcap's last 32-bit counts.
    private var totals: (received: UInt64, dropped: UInt64, interfaceDropped: UInt64) = (0, 0, 0)
    private var lastCounts: (received: UInt32, dropped: UInt32, interfaceDropped: UInt32) = (0, 0, 0)

    /// Opens `interface` for capture and, with `filter`, installs a BPF filter in the kernel.
    ///
    /// Needs root or `CAP_NET_RAW` (and `CAP_NET_ADMIN` for promiscuous mode or a larger
    /// buffer); drop privileges afterwards (`Privileges.drop(toUser:)`): the open handle keeps
    /// working.
    ///
    /// - Parameters:
    ///   - filter: a tcpdump-style BPF expression; nil captures everything. Compiled with the
    ///     netmask unknown (so `ip broadcast` is refused) and optimised.
    ///   - snapLength: bytes kept of each packet; libpcap's maximum is 262,144.
    ///   - bufferSize: the kernel ring buffer in bytes; nil keeps libpcap's default (2 MiB).
    ///     A busy link needs more: a full buffer drops packets (`statistics().dropped`).
    ///   - promiscuous: also capture traffic not addressed to this host.
    ///   - readTimeout: how long `next()` waits before returning nil (at least 1 ms).
    public init(interface: String, filter: String? = nil, snapLength: Int = 262_144, bufferSize: Int? = nil,
                promiscuous: Bool = false, readTimeout: Duration = LiveCapture.defaultReadTimeout) throws(CaptureError) {
        self.interface = interface
        func failure(_ message: String, code: CaptureError.Code = .capture) -> CaptureError {
            CaptureError(code, path: interface, offset: nil, message)
        }
        guard !interface.isEmpty, !interface.utf8.contains(0) else {
            throw failure("an interface name must be non-empty and contain no NUL byte")
        }
        guard let snap = Int32(exactly: snapLength), snap > 0 else {
            throw failure("snap length \(snapLength) is out of range (1 to \(Int32.max))")
        }
        var bufferBytes: Int32?
        if let bufferSize {
            guard let bytes = Int32(exactly: bufferSize), bytes > 0 else {
                throw failure("buffer size \(bufferSize) is out of range (1 to \(Int32.max) bytes)")
            }
            bufferBytes = bytes
        }
        guard let timeout = Self.milliseconds(readTimeout) else {
            throw failure("read timeout \(readTimeout) is out of range (1 ms to \(Int32.max) ms)")
        }
        if let filter, filter.utf8.contains(0) {
            throw failure("bad filter \(Self.quoted(filter)): it contains a NUL byte", code: .filter)
        }

        self.readTimeout = readTimeout
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let pointer = pcap_create(interface, &errbuf) else {
            throw failure("cannot open the interface for capture: \(Self.text(errbuf))")
        }
        guard let wakeup = PcapHandle.wakeupPipe() else {
            let reason = String(cString: strerror(errno))
            pcap_close(pointer)
            throw failure("cannot make the pipe that wakes a waiting read: \(reason)")
        }
        // From here on the handle closes itself, on every path out of init.
        handle = PcapHandle(pointer, wakeup: wakeup)

        func setting(_ what: String, _ status: Int32) throws(CaptureError) {
            guard status == 0 else {
                throw failure("cannot set \(what): \(Self.describe(status: status, handle: pointer))")
            }
        }
        try setting("the snap length to \(snap)", pcap_set_snaplen(pointer, snap))
        try setting("promiscuous mode \(promiscuous ? "on" : "off")", pcap_set_promisc(pointer, promiscuous ? 1 : 0))
        try setting("immediate mode", pcap_set_immediate_mode(pointer, 1))
        // Unused while non-blocking (next() waits itself), but it bounds a kernel ring block's
        // age should libpcap fall back from immediate mode.
        try setting("the read timeout to \(timeout) ms", pcap_set_timeout(pointer, timeout))
        if let bufferBytes {
            try setting("the buffer size to \(bufferBytes) bytes", pcap_set_buffer_size(pointer, bufferBytes))
        }
        // Nanosecond times where the platform has them; the file readers keep nanoseconds too.
        var notes: [String] = []
        if pcap_set_tstamp_precision(pointer, Int32(PCAP_TSTAMP_PRECISION_NANO)) != 0 {
            notes.append("nanosecond timestamps are not supported here; times have microsecond precision")
        }

        let activated = pcap_activate(pointer)
        if activated < 0 {
            var message = "cannot open the interface for capture: \(Self.describe(status: activated, handle: pointer))"
            if activated == PCAP_ERROR_PERM_DENIED || activated == PCAP_ERROR_PROMISC_PERM_DENIED {
                message += " (capturing needs root or the CAP_NET_RAW capability"
                    + (promiscuous ? ", and CAP_NET_ADMIN for promiscuous mode)" : ")")
            }
            throw failure(message)
        }
        if activated > 0 {
            warnings.append(Self.describe(status: activated, handle: pointer))
        }
        warnings += notes

        switch pcap_get_tstamp_precision(pointer) {
        case Int32(PCAP_TSTAMP_PRECISION_NANO):
            (unitsPerSecond, timestampResolution) = (1_000_000_000, .nanoseconds)
        default:
            (unitsPerSecond, timestampResolution) = (1_000_000, .microseconds)
        }
        guard pcap_setnonblock(pointer, 1, &errbuf) == 0 else {
            throw failure("cannot make the capture non-blocking: \(Self.text(errbuf))")
        }
        captureDescriptor = pcap_get_selectable_fd(pointer)
        guard captureDescriptor >= 0 else {
            throw failure("libpcap gives no descriptor to wait on for this interface")
        }
        let snapshot = pcap_snapshot(pointer)
        self.snapLength = snapshot > 0 ? Int(snapshot) : Int(snap)

        let dlt = pcap_datalink(pointer)
        guard dlt >= 0 else {
            throw failure("cannot read the interface's link-layer type: \(Self.describe(status: dlt, handle: pointer))")
        }
        if let mapped = Self.linkType(fromDLT: dlt) {
            linkType = mapped
        } else {
            linkType = UInt32(dlt)
            warnings.append("link-layer type DLT \(dlt) has no LINKTYPE value; records carry the DLT value")
        }

        if let filter {
            try Self.withCompiled(filter, on: pointer, path: interface) { (program) throws(CaptureError) in
                guard pcap_setfilter(pointer, &program) == 0 else {
                    throw failure("cannot install filter \(Self.quoted(filter)): \(Self.text(pcap_geterr(pointer)))",
                                  code: .filter)
                }
            }
        }
    }

    /// The next packet, or nil when `readTimeout` passed with none or `breakLoop()` was called.
    /// The record's `data` is valid until the next call to `next()`.
    ///
    /// Frames count from 1; `fileIndex` and `fileOffset` are 0 (there is no file). Lengths and
    /// times from libpcap are checked like a file's: inconsistent lengths are corrected
    /// (`correctedLengths`), times outside `CaptureTime`'s window clamped (`clampedTimes`).
    /// An interface taken down only stops the packets; one that goes away (or any other error
    /// libpcap reports) throws. Several breaks before a `next()` sees them make one nil.
    public func next() throws(CaptureError) -> CaptureRecord? {
        var deadline: ContinuousClock.Instant?
        var unexplainedErrors = 0
        while true {
            if handle.breakRequested.load(ordering: .relaxed) {
                handle.breakRequested.store(false, ordering: .relaxed)
                handle.drainWakeups()
                return nil
            }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var bytes: UnsafePointer<UInt8>?
            let status = pcap_next_ex(handle.pointer, &header, &bytes)
            if status == 1 { return try record(header, bytes) }
            guard status == 0 else {
                if status == PCAP_ERROR_BREAK { return nil }
                throw CaptureError(.capture, path: interface, offset: nil,
                                   "reading packets failed: \(Self.describe(status: status, handle: handle.pointer))")
            }
            // The ring is empty: wait for the socket, a break, or the deadline.
            let now = ContinuousClock.now
            let end = deadline ?? now + readTimeout
            deadline = end
            guard now < end else { return nil }
            // A tuple, not an array: no allocation each time the ring runs dry.
            var waits = (pollfd(fd: captureDescriptor, events: Int16(POLLIN), revents: 0),
                         pollfd(fd: handle.wakeupRead, events: Int16(POLLIN), revents: 0))
            let milliseconds = Self.pollMilliseconds(end - now)
            let ready = withUnsafeMutablePointer(to: &waits) {
                $0.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, 2, milliseconds) }
            }
            if ready < 0 {
                if errno == EINTR { continue }
                throw CaptureError(.capture, path: interface, offset: nil,
                                   "waiting for packets failed: \(String(cString: strerror(errno)))")
            }
            if waits.1.revents != 0 { handle.drainWakeups() }
            let trouble = Int32(waits.0.revents) & (POLLERR | POLLHUP | POLLNVAL)
            if trouble != 0 {
                // libpcap reads the socket's error on its next call and reports it; a condition
                // it does not explain twice over would make this loop spin, so it ends here.
                unexplainedErrors += 1
                if trouble & POLLNVAL != 0 || unexplainedErrors > 1 {
                    throw CaptureError(.capture, path: interface, offset: nil,
                                       "the capture socket reports a condition libpcap does not explain (poll revents 0x\(String(waits.0.revents, radix: 16)))")
                }
            }
        }
    }

    /// A record from what `pcap_next_ex` returned, with every value checked.
    @inline(__always)
    private func record(_ header: UnsafeMutablePointer<pcap_pkthdr>?, _ bytes: UnsafePointer<UInt8>?)
        throws(CaptureError) -> CaptureRecord {
        guard let header else {
            throw CaptureError(.capture, path: interface, offset: nil, "libpcap returned a packet without a header")
        }
        let lengths = Self.checkedLengths(captured: header.pointee.caplen, original: header.pointee.len,
                                          hasData: bytes != nil)
        if lengths.corrected { correctedLengths += 1 }
        let time = Self.wireTime(seconds: header.pointee.ts.tv_sec, fraction: header.pointee.ts.tv_usec,
                                 unitsPerSecond: unitsPerSecond)
        if time.clamped { clampedTimes += 1 }
        recordCount += 1
        return CaptureRecord(
            data: UnsafeRawBufferPointer(start: lengths.captured > 0 ? bytes : nil, count: lengths.captured),
            seconds: time.seconds, nanoseconds: time.nanoseconds, capturedLength: lengths.captured,
            originalLength: lengths.original, linkType: linkType, frame: recordCount, fileOffset: 0, fileIndex: 0)
    }

    /// Makes a `next()` waiting on another thread return nil soon, or the next call return nil
    /// at once. Thread-safe: it touches only an atomic flag and a pipe. `LiveCapture` is not
    /// `Sendable` (its reads and counters belong to one thread), so a stopper that should hold
    /// nothing else takes `breaker`.
    public func breakLoop() {
        handle.requestBreak()
    }

    /// What another thread (a signal handler's queue, a shutdown task) holds to stop a waiting
    /// `next()`. It keeps the libpcap handle and the wake-up pipe open, so it stays safe to
    /// call after this `LiveCapture` is gone.
    public var breaker: Breaker { Breaker(handle: handle) }

    /// Stops a waiting `next()` from any thread, or from a signal handler: an atomic flag and
    /// one byte written to a non-blocking pipe, both async-signal-safe.
    public struct Breaker: Sendable {
        let handle: PcapHandle
        public func breakLoop() {
            handle.requestBreak()
        }
    }

    /// Counts since the capture opened: packets the kernel received (on Linux, those that
    /// passed the filter), packets it dropped for lack of buffer space, and packets the
    /// interface or its driver dropped. Nil when libpcap cannot tell.
    ///
    /// libpcap counts in 32 bits and wraps; these are 64-bit running totals, exact as long as
    /// fewer than 2^32 packets arrive between two calls (call it with each statistics period).
    public func statistics() -> (received: UInt64, dropped: UInt64, interfaceDropped: UInt64)? {
        var counts = pcap_stat()
        guard pcap_stats(handle.pointer, &counts) == 0 else { return nil }
        totals.received &+= UInt64(counts.ps_recv &- lastCounts.received)
        totals.dropped &+= UInt64(counts.ps_drop &- lastCounts.dropped)
        totals.interfaceDropped &+= UInt64(counts.ps_ifdrop &- lastCounts.interfaceDropped)
        lastCounts = (counts.ps_recv, counts.ps_drop, counts.ps_ifdrop)
        return totals
    }

    /// Compiles `filter` for `linkType` (a LINKTYPE_* value) without opening an interface, so a
    /// configuration checker can refuse a bad filter before the daemon starts. Throws a
    /// `CaptureError` (`.filter`) with libpcap's reason.
    public static func checkFilter(_ filter: String, linkType: UInt32 = 1, snapLength: Int = 262_144) throws(CaptureError) {
        guard !filter.utf8.contains(0) else {
            throw CaptureError(.filter, path: "", offset: nil, "bad filter \(quoted(filter)): it contains a NUL byte")
        }
        guard let snap = Int32(exactly: snapLength), snap > 0 else {
            throw CaptureError(.filter, path: "", offset: nil, "snap length \(snapLength) is out of range (1 to \(Int32.max))")
        }
        guard let dlt = dlt(fromLinkType: linkType) else {
            throw CaptureError(.filter, path: "", offset: nil, "link-layer type \(linkType) is out of range")
        }
        guard let pointer = pcap_open_dead(dlt, snap) else {
            throw CaptureError(.filter, path: "", offset: nil,
                               "cannot check filter \(quoted(filter)): libpcap could not make a handle for link-layer type \(linkType)")
        }
        defer { pcap_close(pointer) }
        try withCompiled(filter, on: pointer, path: "") { _ throws(CaptureError) in }
    }
}

/// Owns a `pcap_t` and the pipe that wakes a waiting `next()`, and closes them when the last
/// owner (the capture or a `Breaker`) lets go. Sendable because other threads only touch the
/// atomic flag and the pipe's write end.
final class PcapHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let wakeupRead: Int32
    let wakeupWrite: Int32
    let breakRequested = Atomic<Bool>(false)

    init(_ pointer: OpaquePointer, wakeup: (read: Int32, write: Int32)) {
        self.pointer = pointer
        (wakeupRead, wakeupWrite) = wakeup
    }

    deinit {
        pcap_close(pointer)
        close(wakeupRead)
        close(wakeupWrite)
    }

    /// A pipe with both ends non-blocking (a full pipe already holds a wake-up; a drain stops
    /// when it is empty) and closed on exec; nil with `errno` set when it cannot be made.
    static func wakeupPipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            guard fcntl(end, F_SETFL, O_NONBLOCK) == 0, fcntl(end, F_SETFD, FD_CLOEXEC) == 0 else {
                let saved = errno
                close(ends[0])
                close(ends[1])
                errno = saved
                return nil
            }
        }
        return (ends[0], ends[1])
    }

    /// The flag first, then the byte: a reader that wakes for the byte finds the flag set.
    func requestBreak() {
        breakRequested.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(wakeupWrite, &byte, 1)
    }

    func drainWakeups() {
        var bytes: (UInt64, UInt64) = (0, 0)
        while withUnsafeMutableBytes(of: &bytes, { read(wakeupRead, $0.baseAddress, $0.count) }) > 0 {}
    }
}

/// libpcap before 1.8 compiled filters through global parser state; compiling is rare, so one
/// lock makes it safe whatever libpcap the machine has.
private let filterCompileLock = Mutex(())

extension LiveCapture {
    /// Compiles `filter` (optimised, netmask unknown) on `pointer`, hands the program to `body`
    /// and frees it.
    static func withCompiled(_ filter: String, on pointer: OpaquePointer, path: String,
                             _ body: (inout bpf_program) throws(CaptureError) -> Void) throws(CaptureError) {
        var program = bpf_program()
        let compiled = filterCompileLock.withLock { _ in
            let status = pcap_compile(pointer, &program, filter, 1, PCAP_NETMASK_UNKNOWN)
            return status == 0 ? nil : text(pcap_geterr(pointer))
        }
        if let reason = compiled {
            throw CaptureError(.filter, path: path, offset: nil, "bad filter \(quoted(filter)): \(reason)")
        }
        defer { pcap_freecode(&program) }
        try body(&program)
    }

    /// A read timeout in whole milliseconds, rounded up so that a sub-millisecond timeout is
    /// not 0 (which libpcap takes as "wait forever"); nil outside 1...Int32.max.
    static func milliseconds(_ duration: Duration) -> Int32? {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return nil }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return nil }
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let (sum, carry) = whole.addingReportingOverflow(fraction)
        guard !carry, let total = Int32(exactly: sum), total > 0 else { return nil }
        return total
    }

    /// Milliseconds to wait for `remaining`, rounded up so that a wait is never 0 (a busy loop)
    /// nor beyond what `poll` takes.
    static func pollMilliseconds(_ remaining: Duration) -> Int32 {
        milliseconds(remaining) ?? (remaining > .zero ? .max : 1)
    }

    /// A packet's lengths from libpcap made consistent: no more bytes than a record may have
    /// (`CaptureReader.maximumRecordLength`, as for files) or than there is a pointer for, and
    /// a wire length at least the captured length. `corrected` when anything had to change.
    @inline(__always)
    static func checkedLengths(captured: UInt32, original: UInt32, hasData: Bool)
        -> (captured: Int, original: Int, corrected: Bool) {
        var capturedLength = Int(captured)
        var originalLength = Int(original)
        var corrected = false
        if !hasData && capturedLength > 0 { (capturedLength, corrected) = (0, true) }
        if capturedLength > CaptureReader.maximumRecordLength {
            (capturedLength, corrected) = (CaptureReader.maximumRecordLength, true)
        }
        if originalLength < capturedLength { (originalLength, corrected) = (capturedLength, true) }
        return (capturedLength, originalLength, corrected)
    }

    /// A `struct timeval` from libpcap (its `tv_usec` counting nanoseconds when
    /// `unitsPerSecond` is 10^9) as seconds and nanoseconds in `CaptureTime`'s window. A
    /// fraction outside 0..<unitsPerSecond (negative, or a second or more) is carried into the
    /// seconds, exactly, in 128 bits.
    @inline(__always)
    static func wireTime(seconds: Int, fraction: Int, unitsPerSecond: Int) -> CaptureTime.Clamped {
        let nanosecondsPerUnit = 1_000_000_000 / unitsPerSecond
        if fraction >= 0 && fraction < unitsPerSecond {
            return CaptureTime.clamp(seconds: Int128(seconds), nanoseconds: UInt32(fraction * nanosecondsPerUnit))
        }
        var (carry, remainder) = fraction.quotientAndRemainder(dividingBy: unitsPerSecond)
        if remainder < 0 { (carry, remainder) = (carry - 1, remainder + unitsPerSecond) }
        return CaptureTime.clamp(seconds: Int128(seconds) + Int128(carry),
                                 nanoseconds: UInt32(remainder * nanosecondsPerUnit))
    }

    /// libpcap's DLT_* value as the LINKTYPE_* value files carry, as libpcap's own (private)
    /// `dlt_to_linktype` in pcap-common.c does: most are equal (0–10, and the "matching range"
    /// from 104 up); a few DLTs differ between platforms and map to fixed LINKTYPEs (on Linux
    /// in practice only DLT_RAW, 12 → 101). Nil for a DLT with no LINKTYPE.
    static func linkType(fromDLT dlt: Int32) -> UInt32? {
        for (platformDLT, linkType) in differingDLTs where platformDLT == dlt { return linkType }
        if (DLT_MATCHING_MIN...DLT_MATCHING_MAX).contains(dlt) { return UInt32(dlt) }
        for (platformDLT, linkType) in mappedDLTs where platformDLT == dlt { return linkType }
        return nil
    }

    /// The reverse, for `pcap_open_dead`: LINKTYPEs without their own entry are taken as DLTs,
    /// as libpcap's `linktype_to_dlt` does. Nil when the value does not fit an Int32.
    static func dlt(fromLinkType linkType: UInt32) -> Int32? {
        for (dlt, mapped) in differingDLTs where mapped == linkType { return dlt }
        if let value = Int32(exactly: linkType), (DLT_MATCHING_MIN...DLT_MATCHING_MAX).contains(value) { return value }
        for (dlt, mapped) in mappedDLTs where mapped == linkType { return dlt }
        return Int32(exactly: linkType)
    }

    /// DLTs that on some platform fall in the matching range with a value unlike their
    /// LINKTYPE (checked before the range).
    private static let differingDLTs: [(Int32, UInt32)] = [(DLT_PFSYNC, 246), (DLT_PKTAP, 258)]

    /// libpcap's table for DLTs below the matching range, with this platform's DLT values.
    private static let mappedDLTs: [(Int32, UInt32)] = [
        (DLT_NULL, 0), (DLT_EN10MB, 1), (DLT_EN3MB, 2), (DLT_AX25, 3), (DLT_PRONET, 4), (DLT_CHAOS, 5),
        (DLT_IEEE802, 6), (DLT_ARCNET, 7), (DLT_SLIP, 8), (DLT_PPP, 9), (DLT_FDDI, 10),
        (DLT_SYMANTEC_FIREWALL, 99),
        (DLT_ATM_RFC1483, 100), (DLT_RAW, 101), (DLT_SLIP_BSDOS, 102), (DLT_PPP_BSDOS, 103),
        (DLT_C_HDLC, 104), (DLT_ATM_CLIP, 106), (DLT_PPP_SERIAL, 50), (DLT_PPP_ETHER, 51),
    ]

    /// libpcap's words for a status, with its error buffer when that says more.
    static func describe(status: Int32, handle: OpaquePointer) -> String {
        let general = text(pcap_statustostr(status))
        let specific = text(pcap_geterr(handle))
        if specific.isEmpty || specific == general { return general }
        // PCAP_ERROR and PCAP_WARNING say only "Generic error"/"Generic warning".
        if status == PCAP_ERROR || status == PCAP_WARNING { return specific }
        return "\(general) (\(specific))"
    }

    /// A C string from libpcap, read no further than its error buffer's size.
    static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        let length = strnlen(pointer, Int(PCAP_ERRBUF_SIZE))
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// A filter as messages quote it.
    static func quoted(_ filter: String) -> String { "'\(filter)'" }
}

import Dispatch
import Glibc
import Testing
@testable import PcapIO

/// Live capture through libpcap, on the loopback interface of this machine: datagrams this
/// test sends come back as records at once, in order, whole; libpcap's failures read as
/// sentences a user can act on.
///
/// Opening an interface needs root; without it (or without `lo`) the live tests are skipped
/// with that reason, never passed. Serialized: each test blocks its thread in `next()`.
@Suite("Live capture through libpcap", .serialized)
struct LiveCaptureTests {
    /// Root, and libpcap can open `lo`.
    static let loopbackOpens: Bool = geteuid() == 0 && (try? LiveCapture(interface: "lo")) != nil
    static let needsLoopback = "needs root (euid 0) and a loopback interface 'lo' that libpcap can open"

    @Test("datagrams sent to 127.0.0.1 are captured at once, in order, with their length and payload",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func capturesDatagramsImmediately() throws {
        let socket = try LoopbackUDP()
        let capture = try LiveCapture(interface: "lo", filter: "udp port \(socket.port)")
        #expect(capture.linkType == 1)  // Linux gives lo an Ethernet header of zeros
        #expect(capture.timestampResolution == .nanoseconds)
        #expect(capture.snapLength == 262_144)
        #expect(capture.warnings.isEmpty)

        // One at a time: immediate mode hands each over without waiting for a buffer to fill.
        for index in 0..<3 {
            let payload = Array("pktt live datagram \(index)".utf8)
            let sent = realtimeNanoseconds()
            let clock = ContinuousClock()
            let start = clock.now
            try socket.send(payload)
            let record = try #require(try nextRecord(capture, within: .seconds(2)), "datagram \(index) not captured")
            #expect(clock.now - start < .seconds(1), "datagram \(index) took too long: immediate mode is off?")
            try expectDatagram(record, payload: payload, port: socket.port, frame: index + 1)
            #expect(abs(record.time - sent) < 5_000_000_000, "capture time far from the wall clock")
        }

        // A burst comes out in the order it was sent.
        let burst = (0..<5).map { Array("burst \($0) ".utf8) + [UInt8](repeating: UInt8($0), count: 100 * $0) }
        for payload in burst { try socket.send(payload) }
        for (index, payload) in burst.enumerated() {
            let record = try #require(try nextRecord(capture, within: .seconds(2)), "burst datagram \(index) not captured")
            try expectDatagram(record, payload: payload, port: socket.port, frame: 4 + index)
        }
        #expect(capture.recordCount == 8)
        #expect(capture.correctedLengths == 0)
        #expect(capture.clampedTimes == 0)
    }

    @Test("next() returns nil when the read timeout passes with no packet",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func readTimeoutReturnsNil() throws {
        let socket = try LoopbackUDP()
        let capture = try LiveCapture(interface: "lo", filter: "udp port \(socket.port)", readTimeout: .milliseconds(100))
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try capture.next() == nil)
        #expect(clock.now - start < .seconds(2))
    }

    @Test("breakLoop() from another thread returns a blocked next(), and reading goes on after it",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func breakLoopFromAnotherThread() throws {
        let socket = try LoopbackUDP()
        // A read timeout far longer than the test: only the break can end this next().
        let capture = try LiveCapture(interface: "lo", filter: "udp port \(socket.port)", readTimeout: .seconds(60))
        let breaker = capture.breaker
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) { breaker.breakLoop() }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try capture.next() == nil)
        let blocked = clock.now - start
        #expect(blocked >= .milliseconds(100), "next() returned before the break was sent")
        #expect(blocked < .seconds(10), "next() stayed blocked after breakLoop()")

        // The break is used up: the next datagram is read as usual.
        let payload = Array("after the break".utf8)
        try socket.send(payload)
        let record = try #require(try nextRecord(capture, within: .seconds(2)))
        try expectDatagram(record, payload: payload, port: socket.port, frame: 1)
    }

    @Test("breakLoop() before next() makes that call return nil at once, and only that one",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func breakLoopBeforeNext() throws {
        let socket = try LoopbackUDP()
        let capture = try LiveCapture(interface: "lo", filter: "udp port \(socket.port)", readTimeout: .seconds(5))
        try socket.send(Array("waiting in the ring".utf8))
        capture.breakLoop()
        capture.breakLoop()  // breaks not yet seen make one nil
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try capture.next() == nil)
        #expect(clock.now - start < .seconds(1))
        let record = try #require(try nextRecord(capture, within: .seconds(2)))
        try expectDatagram(record, payload: Array("waiting in the ring".utf8), port: socket.port, frame: 1)
    }

    @Test("statistics() counts the packets received",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func statisticsCountReceivedPackets() throws {
        let socket = try LoopbackUDP()
        let capture = try LiveCapture(interface: "lo", filter: "udp port \(socket.port)", bufferSize: 4 << 20)
        let before = try #require(capture.statistics())
        #expect(before.received == 0)
        for index in 0..<4 { try socket.send(Array("counted \(index)".utf8)) }
        for _ in 0..<4 { _ = try #require(try nextRecord(capture, within: .seconds(2))) }
        let after = try #require(capture.statistics())
        // The kernel counts what passed the filter; on lo that can include each datagram's
        // outgoing copy, which libpcap then skips.
        #expect(after.received >= 4)
        #expect(after.dropped == 0)
        let again = try #require(capture.statistics())
        #expect(again.received >= after.received, "running totals never go back")
    }

    @Test("a bad filter is refused with the filter and libpcap's reason",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func badFilterNamesFilterAndReason() {
        let error = #expect(throws: CaptureError.self) {
            _ = try LiveCapture(interface: "lo", filter: "tcp port")
        }
        #expect(error?.code == .filter)
        #expect(error?.path == "lo")
        // libpcap's own words follow the filter: "can't parse filter expression: syntax error".
        #expect(error?.description.hasPrefix("lo: bad filter 'tcp port': ") == true, "\(String(describing: error))")
        #expect(error?.message.hasSuffix("syntax error") == true, "\(String(describing: error))")
    }

    @Test("an interface that does not exist is refused clearly",
          .enabled(if: loopbackOpens, Comment(rawValue: needsLoopback)))
    func missingInterface() {
        let error = #expect(throws: CaptureError.self) {
            _ = try LiveCapture(interface: "pktt-nosuch0")
        }
        #expect(error?.code == .capture)
        #expect(error?.path == "pktt-nosuch0")
        #expect(error?.message.hasPrefix("cannot open the interface for capture: No such device exists") == true,
                "\(String(describing: error))")
    }

    @Test("options out of range are refused before libpcap is asked")
    func optionsOutOfRange() {
        let cases: [(String, () throws -> Void)] = [
            ("snap length 0", { _ = try LiveCapture(interface: "lo", snapLength: 0) }),
            ("snap length 2^40", { _ = try LiveCapture(interface: "lo", snapLength: 1 << 40) }),
            ("buffer size -1", { _ = try LiveCapture(interface: "lo", bufferSize: -1) }),
            ("read timeout 0", { _ = try LiveCapture(interface: "lo", readTimeout: .zero) }),
            ("read timeout -1 s", { _ = try LiveCapture(interface: "lo", readTimeout: .seconds(-1)) }),
            ("empty interface", { _ = try LiveCapture(interface: "") }),
            ("NUL in filter", { _ = try LiveCapture(interface: "lo", filter: "udp\0 or tcp") }),
        ]
        for (name, open) in cases {
            #expect(throws: CaptureError.self, "\(name)") { try open() }
        }
        #expect(LiveCapture.milliseconds(.microseconds(1)) == 1, "a sub-millisecond timeout must not become 0 (forever)")
        #expect(LiveCapture.milliseconds(.milliseconds(1500)) == 1500)
        #expect(LiveCapture.milliseconds(.seconds(Int64.max)) == nil)
        #expect(LiveCapture.pollMilliseconds(.seconds(Int64.max)) == .max)
    }

    @Test("checkFilter accepts good filters and refuses bad ones, without an interface or root")
    func checkFilter() throws {
        for good in ["", "udp port 2049", "tcp port 2049 and host 10.0.0.1", "tcp[tcpflags] & tcp-syn != 0",
                     "vlan and port 111"] {
            try LiveCapture.checkFilter(good)
        }
        let bad: [(filter: String, reason: String)] = [
            ("tcp port", "syntax error"),
            ("port 99999", "99999"),
            ("net 10.0.0.1/8", "non-network bits set"),
        ]
        for (filter, reason) in bad {
            let error = #expect(throws: CaptureError.self, "\(filter)") { try LiveCapture.checkFilter(filter) }
            #expect(error?.code == .filter)
            #expect(error?.description.hasPrefix("bad filter '\(filter)': ") == true, "\(String(describing: error))")
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
        }
        // The link type matters: raw IP has no Ethernet addresses to filter on.
        try LiveCapture.checkFilter("ether host 02:00:00:00:00:01")
        #expect(throws: CaptureError.self) { try LiveCapture.checkFilter("ether host 02:00:00:00:00:01", linkType: 101) }
        try LiveCapture.checkFilter("ip and udp", linkType: 101)
    }

    @Test("DLT values from libpcap become the LINKTYPE values files carry (Linux DLT values)")
    func linkTypeMapping() {
        #expect(LiveCapture.linkType(fromDLT: 1) == 1)        // DLT_EN10MB
        #expect(LiveCapture.linkType(fromDLT: 0) == 0)        // DLT_NULL
        #expect(LiveCapture.linkType(fromDLT: 12) == 101)     // DLT_RAW, the one that differs on Linux
        #expect(LiveCapture.linkType(fromDLT: 113) == 113)    // DLT_LINUX_SLL
        #expect(LiveCapture.linkType(fromDLT: 276) == 276)    // DLT_LINUX_SLL2
        #expect(LiveCapture.linkType(fromDLT: 228) == 228)    // DLT_IPV4
        #expect(LiveCapture.linkType(fromDLT: 246) == 246)    // DLT_PFSYNC
        #expect(LiveCapture.linkType(fromDLT: 30) == nil)     // no LINKTYPE
        #expect(LiveCapture.linkType(fromDLT: -1) == nil)
        #expect(LiveCapture.dlt(fromLinkType: 101) == 12)
        #expect(LiveCapture.dlt(fromLinkType: 1) == 1)
        #expect(LiveCapture.dlt(fromLinkType: 276) == 276)
        #expect(LiveCapture.dlt(fromLinkType: .max) == nil)
    }

    @Test("lengths from libpcap are corrected, never trusted into a trap")
    func lengthsAreChecked() {
        #expect(LiveCapture.checkedLengths(captured: 60, original: 1514, hasData: true) == (60, 1514, false))
        #expect(LiveCapture.checkedLengths(captured: 100, original: 60, hasData: true) == (100, 100, true))
        #expect(LiveCapture.checkedLengths(captured: .max, original: .max, hasData: true)
                == (CaptureReader.maximumRecordLength, Int(UInt32.max), true))
        #expect(LiveCapture.checkedLengths(captured: 10, original: 10, hasData: false) == (0, 10, true))
        #expect(LiveCapture.checkedLengths(captured: 0, original: 0, hasData: false) == (0, 0, false))
    }

    @Test("times from libpcap go through CaptureTime's window like a file's")
    func wireTimesAreChecked() {
        func time(_ seconds: Int, _ fraction: Int, nano: Bool) -> (Int64, UInt32, Bool) {
            let t = LiveCapture.wireTime(seconds: seconds, fraction: fraction, unitsPerSecond: nano ? 1_000_000_000 : 1_000_000)
            return (t.seconds, t.nanoseconds, t.clamped)
        }
        #expect(time(1_770_000_000, 123_456_789, nano: true) == (1_770_000_000, 123_456_789, false))
        #expect(time(1_770_000_000, 123_456, nano: false) == (1_770_000_000, 123_456_000, false))
        // A fraction of a second or more is carried; a negative one borrows.
        #expect(time(10, 2_500_000, nano: false) == (12, 500_000_000, false))
        #expect(time(10, -1, nano: false) == (9, 999_999_000, false))
        #expect(time(0, -1, nano: true) == (-1, 999_999_999, false))
        // Beyond the window: clamped to its edge and marked, whatever the fraction.
        #expect(time(.max, .max, nano: true) == (CaptureTime.limitSeconds, 0, true))
        #expect(time(.min, .min, nano: false) == (-CaptureTime.limitSeconds, 0, true))
        #expect(time(Int(CaptureTime.limitSeconds) - 1, 999_999_999, nano: true)
                == (CaptureTime.limitSeconds - 1, 999_999_999, false))
    }

    // MARK: Dropping privileges
    //
    // A real drop cannot be undone and `fork` is not safe in a Swift test process, so here only
    // the refusals that happen before anything changes are tested; the drop itself is tested
    // through the CLI (`pktt run --user`), in a process of its own.

    @Test("dropping to a user that does not exist is refused, naming the user")
    func dropToUnknownUser() {
        let error = #expect(throws: PrivilegeError.self) {
            try Privileges.drop(toUser: "pktt-no-such-user-4711")
        }
        #expect(error?.user == "pktt-no-such-user-4711")
        #expect(error?.description == "cannot drop privileges to user 'pktt-no-such-user-4711': no such user")
        #expect(geteuid() == getuid(), "nothing changed")
    }

    @Test("dropping to a uid-0 user, an empty name or a name with NUL is refused before any change")
    func dropToRootIsRefused() {
        let uid = geteuid()
        let root = #expect(throws: PrivilegeError.self) { try Privileges.drop(toUser: "root") }
        #expect(root?.message.contains("uid 0") == true, "\(String(describing: root))")
        #expect(throws: PrivilegeError.self) { try Privileges.drop(toUser: "") }
        #expect(throws: PrivilegeError.self) { try Privileges.drop(toUser: "nobody\0root") }
        #expect(geteuid() == uid, "nothing changed")
    }
}

// MARK: - Helpers

/// The next record within `limit`, copied out of libpcap's buffer; nil if none came.
private func nextRecord(_ capture: LiveCapture, within limit: Duration) throws -> ReadRecord? {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if let record = try capture.next() { return ReadRecord(record) }
    }
    return nil
}

/// Checks a captured frame is Ethernet / IPv4 / UDP to `port` carrying exactly `payload`.
private func expectDatagram(_ record: ReadRecord, payload: [UInt8], port: UInt16, frame: Int,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
    let bytes = record.data
    #expect(record.frame == frame, sourceLocation: sourceLocation)
    #expect(record.fileIndex == 0 && record.fileOffset == 0, sourceLocation: sourceLocation)
    #expect(record.linkType == 1, sourceLocation: sourceLocation)
    #expect(record.nanoseconds < 1_000_000_000, sourceLocation: sourceLocation)
    try #require(bytes.count >= 14 + 20 + 8, "frame too short: \(record)", sourceLocation: sourceLocation)
    #expect(bytes[12] == 0x08 && bytes[13] == 0x00, "not IPv4", sourceLocation: sourceLocation)
    let ipHeaderLength = Int(bytes[14] & 0x0F) * 4
    #expect(bytes[14 + 9] == 17, "not UDP", sourceLocation: sourceLocation)
    let udp = 14 + ipHeaderLength
    try #require(bytes.count >= udp + 8, sourceLocation: sourceLocation)
    #expect(UInt16(bytes[udp + 2]) << 8 | UInt16(bytes[udp + 3]) == port, sourceLocation: sourceLocation)
    let expectedLength = udp + 8 + payload.count
    #expect(record.capturedLength == expectedLength, sourceLocation: sourceLocation)
    #expect(record.originalLength == expectedLength, sourceLocation: sourceLocation)
    #expect(Array(bytes[(udp + 8)...]) == payload, sourceLocation: sourceLocation)
}

/// Nanoseconds since the epoch now, by the clock libpcap's timestamps follow.
private func realtimeNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

extension ReadRecord {
    /// Nanoseconds since the epoch.
    fileprivate var time: Int64 { CaptureTime.nanoseconds(seconds: seconds, nanoseconds: nanoseconds) }
}

/// A UDP socket bound to 127.0.0.1 on a port the kernel chose, sending to itself: the port is
/// this test's alone, so the filter `udp port <port>` sees only its datagrams.
private final class LoopbackUDP {
    let descriptor: Int32
    let port: UInt16

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw Failure(description: "bind/getsockname: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(descriptor) }

    func send(_ payload: [UInt8]) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = port.bigEndian
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == payload.count else { throw Failure(description: "sendto: \(String(cString: strerror(errno)))") }
    }
}

/// The window every record's time is kept in, and the arithmetic that keeps it there.
///
/// A capture's timestamps are data from the file: a pcapng timestamp can be 2^64 − 1 units of
/// one second, and `if_tsoffset` any 64-bit number of seconds. pktt counts time in Int64
/// nanoseconds (`seconds × 10^9 + nanoseconds`) and subtracts such times (latency, ages). Both
/// stay exact only if every time lies within ±2^62 ns, so that a difference of two is below
/// 2^63. Records whose time falls outside are clamped to the window's edge and marked.
public enum CaptureTime {
    /// Seconds from the epoch to the window's edge: ⌊2^62 ns / 10^9⌋ = 4,611,686,018, less
    /// one so that `limitSeconds × 10^9 + 999,999,999` stays below 2^62 (about 2116-02-20;
    /// the negative edge about 1823-11-12). pcap and snoop, with unsigned 32-bit seconds,
    /// end in 2106: inside.
    ///
    /// The window is open: a time whose seconds lie strictly between `-limitSeconds` and
    /// `limitSeconds` is kept as it is. Any other becomes exactly the nearer edge (whole
    /// seconds, 0 ns), so a time at an edge *is* a clamped time, whatever copies it on.
    public static let limitSeconds: Int64 = 4_611_686_017

    /// Seconds and nanoseconds, within the window; `clamped` when they had to be moved there.
    public struct Clamped: Equatable, Sendable {
        public var seconds: Int64
        public var nanoseconds: UInt32
        public var clamped: Bool { CaptureTime.isClamped(seconds: seconds, nanoseconds: nanoseconds) }
    }

    /// Whether a time lies on the window's edge, where only clamping puts it.
    @inline(__always)
    public static func isClamped(seconds: Int64, nanoseconds: UInt32) -> Bool {
        nanoseconds == 0 && (seconds == limitSeconds || seconds == -limitSeconds)
    }

    /// `seconds` (any, exactly) plus `nanoseconds` (below 10^9) clamped into the window.
    @inline(__always)
    static func clamp(seconds: Int128, nanoseconds: UInt32) -> Clamped {
        if seconds >= Int128(limitSeconds) { return Clamped(seconds: limitSeconds, nanoseconds: 0) }
        if seconds <= Int128(-limitSeconds) { return Clamped(seconds: -limitSeconds, nanoseconds: 0) }
        return Clamped(seconds: Int64(seconds), nanoseconds: nanoseconds)
    }

    /// Nanoseconds since the epoch. Exact for every time in the window; saturates outside it
    /// (a time built by hand), never wraps.
    @inline(__always)
    public static func nanoseconds(seconds: Int64, nanoseconds: UInt32) -> Int64 {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, carry) = product.addingReportingOverflow(Int64(nanoseconds))
        return carry ? .max : sum
    }
}

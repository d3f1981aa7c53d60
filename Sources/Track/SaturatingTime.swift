/// Capture times are nanoseconds since the epoch, read from files and so from anyone: the
/// readers clamp them into a window where differences fit (PcapIO's `CaptureTime`), but Track
/// is a library and takes times from its callers too, so its time arithmetic saturates instead
/// of trapping.
public enum SaturatingTime {
    /// `later - earlier`, saturated to Int64's range.
    @inline(__always)
    public static func elapsed(from earlier: Int64, to later: Int64) -> Int64 {
        let (d, overflow) = later.subtractingReportingOverflow(earlier)
        guard overflow else { return d }
        return later > earlier ? .max : .min
    }

    /// `time + duration`, saturated to Int64's range.
    @inline(__always)
    public static func add(_ time: Int64, _ duration: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(duration)
        guard overflow else { return sum }
        return duration > 0 ? .max : .min
    }

    /// `seconds × 10^9 + nanoseconds`, saturated to Int64's range.
    @inline(__always)
    static func nanoseconds(seconds: Int64, nanoseconds: UInt32) -> Int64 {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, carry) = product.addingReportingOverflow(Int64(nanoseconds))
        return carry ? .max : sum
    }
}

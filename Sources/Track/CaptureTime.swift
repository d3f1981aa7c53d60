/// Capture times are nanoseconds since the epoch, read from files and so from anyone: the
/// readers clamp them into a window where differences fit, but Track is a library and takes
/// times from its callers too, so every difference it takes saturates instead of trapping.
enum CaptureTime {
    /// `later - earlier`, saturated to Int64's range.
    @inline(__always)
    static func elapsed(from earlier: Int64, to later: Int64) -> Int64 {
        let (d, overflow) = later.subtractingReportingOverflow(earlier)
        guard overflow else { return d }
        return later > earlier ? .max : .min
    }
}

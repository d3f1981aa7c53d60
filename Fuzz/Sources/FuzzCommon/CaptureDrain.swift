import PcapIO

/// Reads capture readers to their end, touching every record's bytes so ASan sees each one.
public enum CaptureDrain {
    /// After a reader throws it is not read on (a corrupt record header ends a file); a merged
    /// reader goes on with its other files, so it is read on a few times more.
    static let maximumErrors = 8

    /// Reads `reader` to its end, then rewinds and seeks to its middle frame (the index it kept).
    public static func drain(_ reader: CaptureReader) {
        let count = readAll { () throws(CaptureError) in try reader.next() }
        guard reader.keepIndex else { return }
        do {
            try reader.rewind()
            _ = try reader.next()
            if count > 1 {
                try reader.seek(toFrame: count / 2 + 1)
                _ = readAll { () throws(CaptureError) in try reader.next() }
            }
        } catch {
            // a bad seek or record is reported, which is all it should do
        }
        _ = reader.truncatedTail
        _ = reader.description
    }

    public static func drain(_ reader: MergedCaptureReader) {
        _ = readAll(errors: maximumErrors) { () throws(CaptureError) in try reader.next() }
        _ = reader.errors.count
        for tail in reader.truncatedTails { _ = tail.description }
    }

    /// Records read until the end or the `errors`-th error.
    static func readAll(errors: Int = 1, _ next: () throws(CaptureError) -> CaptureRecord?) -> Int {
        var count = 0, failures = 0
        while true {
            do {
                guard let r = try next() else { return count }
                touch(r)
                count += 1
            } catch {
                _ = error.description
                failures += 1
                if failures >= errors { return count }
            }
        }
    }

    static func touch(_ r: CaptureRecord) {
        guard !r.data.isEmpty else { return }
        sink &+= r.data[0] &+ r.data[r.data.count - 1]
    }

    nonisolated(unsafe) static var sink: UInt8 = 0
}

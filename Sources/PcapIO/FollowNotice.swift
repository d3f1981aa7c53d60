/// What happened to the files a `CaptureFollower` follows, in the order it happened.
///
/// Every `.opened` is closed by one `.finished` when the follower moves on to another file;
/// `.lost` and `.error` about that file come between them, `.torn` right after its `.finished`.
public enum FollowNotice: Sendable, Equatable {
    case opened(path: String, fileIndex: Int, device: UInt64, inode: UInt64)
    /// `records`: frames in the file (those skipped by `fromEnd` included); `bytes`: the offset
    /// just past the last whole record.
    case finished(path: String, fileIndex: Int, records: Int, bytes: Int64)
    /// The writer moved to the next file leaving a partial last record in this one (it crashed
    /// or was killed): reported once the next file appears.
    case torn(path: String, offset: Int64, bytesPresent: Int, bytesNeeded: Int)
    /// Data lost: a ring slot overwritten before it was read (detected by inode change / size
    /// shrink), a file removed before it was read, a gap in the numbering.
    case lost(path: String, reason: String)
    /// A file could not be read (corrupt record etc.); the follower goes on with the next file
    /// of the set.
    case error(path: String, message: String)
}

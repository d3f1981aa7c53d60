#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file a follower is on, with the descriptor that pins its inode.
final class FollowedFile {
    enum Status {
        /// Open; its file header is not whole yet.
        case awaitingHeader
        case reading
        /// A corrupt record or header: nothing more is read from it.
        case failed
        /// Cut short or written again under us: left for the file that follows.
        case overwritten
        /// Not opened: removed, unreadable, or skipped as overwritten before its turn.
        case gone
    }

    let member: RotationSet.Member
    var status: Status
    /// Found at the start and not the newest: its writer had left it, so any change is loss.
    let isFinal: Bool
    /// -1 when not opened.
    let descriptor: Int32
    /// The file as opened.
    let identity: FileState?
    let fileIndex: Int
    var reader: CaptureReader?
    /// The file at the last look that found it intact.
    var lastState: FileState?

    init(member: RotationSet.Member, status: Status, isFinal: Bool, descriptor: Int32 = -1,
         identity: FileState? = nil, fileIndex: Int = -1) {
        self.member = member
        self.status = status
        self.isFinal = isFinal
        self.descriptor = descriptor
        self.identity = identity
        self.fileIndex = fileIndex
        lastState = identity
    }

    deinit {
        // The reader has its own descriptor (opened through /dev/fd); it closes that itself.
        if descriptor >= 0 { close(descriptor) }
    }
}

/// `open(2)` for reading, outside the class whose `open` methods would hide it.
func openForReading(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

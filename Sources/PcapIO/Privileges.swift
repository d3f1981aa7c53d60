import Glibc

/// Giving up root once the capture handle is open.
///
/// Opening an interface needs root (or `CAP_NET_RAW`); reading from the open handle does not.
/// A daemon that parses hostile packets for months should hold no more than it needs, so
/// `pktt run` opens its `LiveCapture` first and then calls `drop(toUser:)`, before the first
/// packet is decoded. Under systemd the unit can instead start pktt as its user with only
/// `AmbientCapabilities=CAP_NET_RAW`; `drop(toUser:)` with that same user then only checks.
public enum Privileges {
    /// Becomes `name` for good: its supplementary groups (`initgroups`, as tcpdump's `-Z` does),
    /// its group (`setgid`), then its user (`setuid`), in that order, since after `setuid` the
    /// process may no longer change its groups. Then checks that `setuid(0)` and `setgid(0)`
    /// fail, so the privileges cannot be taken back.
    ///
    /// glibc applies `setuid`/`setgid`/`setgroups` to every thread of the process, so threads
    /// that Dispatch or the Swift runtime already started are dropped too.
    ///
    /// Refuses a user with uid 0 (that would drop nothing). When the process already runs as
    /// `name`, only the checks are made. An error after the first change leaves the process
    /// partly dropped: the caller should exit, not carry on.
    public static func drop(toUser name: String) throws(PrivilegeError) {
        let account = try lookUp(name)
        guard account.uid != 0 else {
            throw PrivilegeError(user: name, "the user has uid 0: running as it would keep every privilege")
        }
        let alreadyThatUser = getuid() == account.uid && geteuid() == account.uid
            && getgid() == account.gid && getegid() == account.gid
        if !alreadyThatUser {
            guard geteuid() == 0 else {
                throw PrivilegeError(user: name, "running as uid \(geteuid()), not root: only root can become another user")
            }
            guard initgroups(name, account.gid) == 0 else {
                throw PrivilegeError(user: name, "initgroups (supplementary groups of gid \(account.gid)) failed", errno: errno)
            }
            guard setgid(account.gid) == 0 else {
                throw PrivilegeError(user: name, "setgid(\(account.gid)) failed", errno: errno)
            }
            guard setuid(account.uid) == 0 else {
                throw PrivilegeError(user: name, "setuid(\(account.uid)) failed", errno: errno)
            }
        }
        guard getuid() == account.uid, geteuid() == account.uid, getgid() == account.gid, getegid() == account.gid else {
            throw PrivilegeError(user: name, "after the change the process runs as uid \(getuid())/\(geteuid()), gid \(getgid())/\(getegid()), not uid \(account.uid), gid \(account.gid)")
        }
        // Success here means a capability (CAP_SETUID/CAP_SETGID) survived the drop.
        guard setuid(0) != 0 else {
            throw PrivilegeError(user: name, "setuid(0) succeeded after dropping: root can be regained")
        }
        guard setgid(0) != 0 else {
            _ = setgid(account.gid)
            throw PrivilegeError(user: name, "setgid(0) succeeded after dropping: group root can be regained")
        }
    }

    /// The account's uid and gid from the password database (files, LDAP, … through NSS).
    static func lookUp(_ name: String) throws(PrivilegeError) -> (uid: uid_t, gid: gid_t) {
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw PrivilegeError(user: name, "a user name must be non-empty and contain no NUL byte")
        }
        let suggested = sysconf(Int32(_SC_GETPW_R_SIZE_MAX))
        var size = suggested > 0 ? suggested : 16_384
        // ERANGE asks for a larger buffer; an entry beyond 1 MiB is not a real account.
        while true {
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            let status = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                getpwnam_r(name, &entry, buffer.baseAddress!, size, &found)
            }
            if status == ERANGE && size < 1 << 20 {
                size *= 2
                continue
            }
            guard status == 0 else {
                throw PrivilegeError(user: name, "looking the user up failed", errno: status)
            }
            guard found != nil else {
                throw PrivilegeError(user: name, "no such user")
            }
            return (entry.pw_uid, entry.pw_gid)
        }
    }
}

/// Why privileges could not be dropped: the user, what failed, and the system's reason.
public struct PrivilegeError: Error, CustomStringConvertible, Sendable {
    /// The user name asked for.
    public var user: String
    /// What went wrong.
    public var message: String
    /// The `errno` of the failed call, when there was one.
    public var errno: Int32?
    /// Where in pktt the error was raised, for bug reports.
    public var sourceLocation: String

    public init(user: String, _ message: String, errno: Int32? = nil, file: String = #fileID, line: Int = #line) {
        self.user = user
        self.message = message
        self.errno = errno
        self.sourceLocation = "\(file):\(line)"
    }

    public var description: String {
        var text = "cannot drop privileges to user '\(user)': \(message)"
        if let errno { text += ": \(String(cString: strerror(errno)))" }
        return text
    }
}

/// ONC RPC v2 message header (RFC 5531): call or reply, with its credential and verifier.
/// A plain value: variable parts (machine name, GSS handle, verifier body, the program's
/// arguments or results) are byte ranges into the message.
public struct RPC: Sendable {
    public var xid: UInt32 = 0
    /// 0 call, 1 reply.
    public var messageType: UInt32 = 0
    public var isCall: Bool { messageType == RPCConstants.call }

    // Call header; on a reply, program/version/procedure come from its call when it was seen.
    public var rpcVersion: UInt32 = 0
    public var program: UInt32 = 0
    public var version: UInt32 = 0
    public var procedure: UInt32 = 0

    public var credential = RPCCredential()
    public var verifierFlavor: UInt32 = 0
    public var verifier = ByteRange.empty

    // Reply header.
    /// 0 MSG_ACCEPTED, 1 MSG_DENIED.
    public var replyStatus: UInt32 = 0
    /// accept_stat when accepted: 0 SUCCESS … 5 SYSTEM_ERR.
    public var acceptStatus: UInt32 = 0
    /// reject_stat when denied: 0 RPC_MISMATCH, 1 AUTH_ERROR.
    public var rejectStatus: UInt32 = 0
    /// auth_stat when denied with AUTH_ERROR.
    public var authStatus: UInt32 = 0
    /// The supported range of a PROG_MISMATCH or RPC_MISMATCH.
    public var mismatchLow: UInt32 = 0
    public var mismatchHigh: UInt32 = 0

    /// The call's arguments or the reply's results: the program's part of the message.
    public var body = ByteRange.empty
    /// The whole message (after record marking), and how it travelled.
    public var message = ByteRange.empty
    /// TCP record marking: fragments the record came in, and its length; 0 over UDP.
    public var fragments = 0
    public var recordLength = 0
    /// Bytes of the message missing from the capture (snaplen cut or a stream gap).
    public var missingBytes = 0
    /// The frame that held the message's last captured byte, when it is not the packet's own:
    /// segments that waited behind a hole are given out in the frame whose acknowledgment gave
    /// the hole up, a frame of the other direction (0 otherwise). The message is timed by it.
    public var frame = 0
    /// The message travelled the other way than this frame (`frame` is of the other direction):
    /// the one-line display shows its own source and destination.
    public var crossesFrame = false
    /// When `frame` is set: that frame's capture time, in nanoseconds since the epoch (the
    /// one-line display shows the message at it).
    public var frameTime: Int64 = 0
    /// NFSv4 COMPOUND (and CB_COMPOUND): the minor version the call asked for (replies carry
    /// their call's); -1 when not a compound or not known.
    public var minorVersion: Int32 = -1
    /// RPCSEC_GSS integrity: the sequence number inside the protected body (-1 when none).
    public var gssIntegritySequence: Int64 = -1

    // Pairing, filled by Track's xid table.
    /// A reply whose call was seen (false: the reply keeps only its own header).
    public var callSeen = false
    /// A call with the xid of a call still unanswered on the same connection.
    public var retransmission = false
    /// A reply to a call that already had one.
    public var duplicateReply = false
    /// Reply time minus call time, nanoseconds (replies whose call was seen).
    public var latency: Int64 = 0
    /// The call's frame number and packet index (replies whose call was seen).
    public var callFrame = 0
    public var callIndex = 0
    public var callFileIndex = 0

    public init() {}

    /// Clears every field for the next message, in place (a fresh `RPC()` would be built and
    /// copied: this is on the per-message path).
    @inlinable
    public mutating func reset() {
        xid = 0; messageType = 0
        rpcVersion = 0; program = 0; version = 0; procedure = 0
        credential.reset()
        verifierFlavor = 0; verifier = .empty
        replyStatus = 0; acceptStatus = 0; rejectStatus = 0; authStatus = 0
        mismatchLow = 0; mismatchHigh = 0
        body = .empty; message = .empty
        fragments = 0; recordLength = 0; missingBytes = 0; frame = 0; minorVersion = -1; crossesFrame = false; frameTime = 0
        gssIntegritySequence = -1
        callSeen = false; retransmission = false; duplicateReply = false
        latency = 0; callFrame = 0; callIndex = 0; callFileIndex = 0
    }

    /// An accepted reply with SUCCESS: the only kind that carries results.
    public var isSuccess: Bool {
        messageType == RPCConstants.reply && replyStatus == 0 && acceptStatus == 0
    }
}

/// The credential of a call (RFC 5531 section 8.2, RFC 2203 section 5 for RPCSEC_GSS).
public struct RPCCredential: Sendable {
    public var flavor: UInt32 = 0
    public var body = ByteRange.empty
    // AUTH_SYS (authsys_parms)
    public var stamp: UInt32 = 0
    public var machineName = ByteRange.empty
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var gidCount = 0
    public var gids = InlineArray<16, UInt32>(repeating: 0)
    // RPCSEC_GSS (rpc_gss_cred_vers_1_t; v2 and v3 keep the layout)
    public var gssVersion: UInt32 = 0
    public var gssProcedure: UInt32 = 0
    public var gssSequence: UInt32 = 0
    public var gssService: UInt32 = 0
    public var gssHandle = ByteRange.empty
    public init() {}

    /// Clears the credential in place; `gids` past `gidCount` are never read.
    @inlinable
    public mutating func reset() {
        flavor = 0; body = .empty
        stamp = 0; machineName = .empty; uid = 0; gid = 0; gidCount = 0
        gssVersion = 0; gssProcedure = 0; gssSequence = 0; gssService = 0; gssHandle = .empty
    }
}

public enum RPCConstants {
    public static let call: UInt32 = 0
    public static let reply: UInt32 = 1
    /// RFC 5531 section 8.2: MAX_AUTH_BYTES.
    public static let maximumAuthBytes = 400
    /// authsys_parms: machinename<255>, gids<16>.
    public static let maximumMachineName = 255
    public static let maximumGids = 16
    /// A GSS context handle; RFC 2203 gives no bound, real ones are 8–32 bytes.
    public static let maximumGSSHandle = 400

    // auth_flavor
    public static let authNone: UInt32 = 0
    public static let authSys: UInt32 = 1
    public static let authShort: UInt32 = 2
    public static let authDH: UInt32 = 3
    public static let rpcsecGSS: UInt32 = 6
    /// RFC 9289: the AUTH_TLS probe that starts RPC-with-TLS.
    public static let authTLS: UInt32 = 7

    /// Flavors a real call carries. Unknown flavors make a header implausible.
    @inline(__always)
    public static func isKnownFlavor(_ f: UInt32) -> Bool { f <= 3 || f == 6 || f == 7 }

    public static func flavorName(_ f: UInt32) -> String {
        switch f {
        case authNone: "AUTH_NONE"
        case authSys: "AUTH_SYS"
        case authShort: "AUTH_SHORT"
        case authDH: "AUTH_DH"
        case rpcsecGSS: "RPCSEC_GSS"
        case authTLS: "AUTH_TLS"
        default: "flavor \(f)"
        }
    }

    public static func acceptStatusName(_ s: UInt32) -> String {
        switch s {
        case 0: "SUCCESS"
        case 1: "PROG_UNAVAIL"
        case 2: "PROG_MISMATCH"
        case 3: "PROC_UNAVAIL"
        case 4: "GARBAGE_ARGS"
        case 5: "SYSTEM_ERR"
        default: "accept_stat \(s)"
        }
    }

    public static func rejectStatusName(_ s: UInt32) -> String {
        s == 0 ? "RPC_MISMATCH" : s == 1 ? "AUTH_ERROR" : "reject_stat \(s)"
    }

    public static func authStatusName(_ s: UInt32) -> String {
        switch s {
        case 0: "AUTH_OK"
        case 1: "AUTH_BADCRED"
        case 2: "AUTH_REJECTEDCRED"
        case 3: "AUTH_BADVERF"
        case 4: "AUTH_REJECTEDVERF"
        case 5: "AUTH_TOOWEAK"
        case 6: "AUTH_INVALIDRESP"
        case 7: "AUTH_FAILED"
        case 8: "AUTH_KERB_GENERIC"
        case 9: "AUTH_TIMEEXPIRE"
        case 10: "AUTH_TKT_FILE"
        case 11: "AUTH_DECODE"
        case 12: "AUTH_NET_ADDR"
        case 13: "RPCSEC_GSS_CREDPROBLEM"
        case 14: "RPCSEC_GSS_CTXPROBLEM"
        default: "auth_stat \(s)"
        }
    }

    public static func gssProcedureName(_ p: UInt32) -> String {
        switch p {
        case 0: "DATA"
        case 1: "INIT"
        case 2: "CONTINUE_INIT"
        case 3: "DESTROY"
        case 4: "BIND_CHANNEL"
        case 5: "CREATE"
        case 6: "LIST"
        default: "gss_proc \(p)"
        }
    }

    public static func gssServiceName(_ s: UInt32) -> String {
        switch s {
        case 1: "none"
        case 2: "integrity"
        case 3: "privacy"
        default: "service \(s)"
        }
    }
}

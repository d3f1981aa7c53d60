extension RPCConstants {
    /// A reply's outcome in words: SUCCESS, PROG_MISMATCH, AUTH_ERROR:AUTH_TOOWEAK… (the JSON
    /// `rpc.status`, the one-line summary's status, the catalogue's `rpc.status`).
    public static func statusText(_ rpc: RPC) -> String {
        if rpc.replyStatus == 0 { return acceptStatusName(rpc.acceptStatus) }
        if rpc.rejectStatus == 1 {
            // built once, so a denied reply costs no allocation
            if rpc.authStatus < authErrorTexts.count { return authErrorTexts[Int(rpc.authStatus)] }
            return "AUTH_ERROR:" + authStatusName(rpc.authStatus)
        }
        return rejectStatusName(rpc.rejectStatus)
    }

    static let authErrorTexts: [String] = (0..<32).map { "AUTH_ERROR:" + authStatusName(UInt32($0)) }
}

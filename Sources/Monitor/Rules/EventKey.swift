/// The event fields a rule's suppression can be keyed on: the names they have in the event.
public enum EventKey: String, Sendable, CaseIterable {
    case clientIP = "client.ip"
    case clientPort = "client.port"
    case serverIP = "server.ip"
    case serverPort = "server.port"
    case action = "event.action"
    case program = "rpc.program"
    case version = "rpc.version"
    case procedure = "rpc.procedure"
    case uid = "rpc.cred.uid"
    case nfsStatus = "nfs.status"
    case fileHandle = "nfs.fh.hash"

    /// `name` as a key, or an error that lists the keys (and suggests the nearest).
    public static func named(_ name: String) throws(RuleError) -> EventKey {
        if let key = EventKey(rawValue: name) { return key }
        let names = allCases.map(\.rawValue)
        // the nearest name, or the nearest of the same object (client.addr: client.ip)
        let object = name.split(separator: ".").first.map(String.init) ?? ""
        let near = names.min { editDistance($0, name) < editDistance($1, name) }
        let sibling = names.filter { $0.hasPrefix(object + ".") }.min { editDistance($0, name) < editDistance($1, name) }
        var message = "unknown suppression key '\(name)'"
        if let near, editDistance(near, name) <= 3 {
            message += " (did you mean '\(near)'?)"
        } else if let sibling {
            message += " (did you mean '\(sibling)'?)"
        }
        message += "; keys: " + names.joined(separator: ", ")
        throw RuleError(message)
    }
}

/// Levenshtein distance, for suggestions (names are short).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8.prefix(80)), b = Array(b.utf8.prefix(80))
    var row = Array(0...b.count)
    for i in 1...max(1, a.count) where i <= a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...max(1, b.count) where j <= b.count {
            let saved = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = saved
        }
    }
    return row[b.count]
}

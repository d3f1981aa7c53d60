import Decode

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

/// What an event says under each `EventKey`, gathered by whoever writes the event (a packet's
/// or a no-reply call's); `key` joins the values a rule's suppression is keyed on.
struct EventKeyValues {
    var client: (address: IPAddress, port: UInt16)?
    var server: (address: IPAddress, port: UInt16)?
    var action: String?
    var program: UInt32?
    var version: UInt32?
    var procedure: UInt32?
    var uid: UInt32?
    var nfsStatus: String?
    var fileHandle: UInt32?

    func key(_ keys: [EventKey]) -> String {
        keys.map { k -> String in
            switch k {
            case .clientIP: client.map { $0.address.description } ?? ""
            case .clientPort: client.map { String($0.port) } ?? ""
            case .serverIP: server.map { $0.address.description } ?? ""
            case .serverPort: server.map { String($0.port) } ?? ""
            case .action: action ?? ""
            case .program: program.map { String($0) } ?? ""
            case .version: version.map { String($0) } ?? ""
            case .procedure: procedure.map { String($0) } ?? ""
            case .uid: uid.map { String($0) } ?? ""
            case .nfsStatus: nfsStatus ?? ""
            case .fileHandle: fileHandle.map { String($0, radix: 16) } ?? ""
            }
        }.joined(separator: "\u{1f}")
    }
}

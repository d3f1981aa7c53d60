import Decode

/// How deep a packet must be decoded for an expression to be judged: one that names only
/// link, IP, TCP and UDP fields does not pay for RPC pairing or program bodies.
public enum MatchDepth: Int, Comparable, Sendable {
    case transport, rpc, body

    public static func < (a: MatchDepth, b: MatchDepth) -> Bool { a.rawValue < b.rawValue }
}

/// What a dotted name in an expression stands for: a field of the header catalogue
/// (`HeaderCatalogue`), a program body field (`XDRNameIndex`), one of the NFS names NFStest
/// adds (`NFS.argop`, `NFS.fh`…), or a layer named alone.
enum MatchName {
    case operand(MatchOperand, MatchDepth)
    case layer([Layer], MatchDepth)
    /// A bare word (`NFS4ERR_NOENT`): a name compared with the names of the other side's values.
    case word(String)
}

enum MatchNames {
    /// The layers of the header catalogue, as JSON writes them, and what the layer alone means.
    static let headerLayers: [String: ([Layer], MatchDepth)] = [
        "record": ([], .transport), "ethernet": ([.ethernet], .transport), "vlan": ([.vlan], .transport),
        "sll": ([.sll], .transport), "null": ([.null], .transport), "ip": ([.ipv4, .ipv6], .transport),
        "tcp": ([.tcp], .transport), "udp": ([.udp], .transport), "rpc": ([.rpc], .rpc),
    ]
    static let bodyLayers: [String: Layer] = [
        "nfs": .nfs, "mount": .mount, "portmap": .portmap, "nlm": .nlm, "nsm": .nsm,
    ]
    /// NFStest's names for header fields JSON writes otherwise: its `TCP.flags` is a number with
    /// the bits as attributes, the flags byte.
    static let headerAliases: [String: HeaderField] = ["tcp.flags": .tcpFlagsRaw]
    /// NFStest's names for fields the RFCs name otherwise.
    static let aliases: [String: String] = ["nfs.attributes": "nfs.attrmask", "nfs.request": "nfs.attr_request"]

    static func resolve(_ parts: [String], column: Int) throws(MatchError) -> MatchName {
        let layer = parts[0].lowercased()
        let full = parts.joined(separator: ".")
        // messages quote at most 80 characters of a name
        let written = full.count > 80 ? String(full.prefix(80)) + "…" : full
        if parts.count == 1 {
            if let (layers, depth) = headerLayers[layer], !layers.isEmpty { return .layer(layers, depth) }
            if let l = bodyLayers[layer] { return .layer([l], .body) }
            return .word(parts[0])
        }
        if headerLayers[layer] != nil {
            let name = ([layer] + parts.dropFirst()).joined(separator: ".")
            guard let field = headerAliases[name] ?? HeaderCatalogue.field(named: name) else {
                throw unknown(written, layer: layer, column: column)
            }
            guard field.type != .group else {
                let members = HeaderCatalogue.entries.filter { $0.name.hasPrefix(field.name + ".") }.map { display($0.name) }
                throw MatchError(column: column, "\(written) is a group of fields: name one of them (\(members.prefix(6).joined(separator: ", ")))")
            }
            guard field.type != .range, field != .recordFile else {
                throw MatchError(column: column, "\(written) cannot be matched: compare another field")
            }
            let depth: MatchDepth = layer == "rpc" ? .rpc : .transport
            return .operand(MatchHeaderOperand(field, column: column, label: written), depth)
        }
        guard bodyLayers[layer] != nil else {
            throw MatchError(column: column, "unknown layer '\(parts[0])' (one of \(MatchLayers.names.joined(separator: ", ")))")
        }
        if let special = nfsName(layer: layer, parts: parts, column: column, written: written) {
            return .operand(special, .body)
        }
        let name = aliases[([layer] + parts.dropFirst()).joined(separator: ".")] ?? ([layer] + parts.dropFirst()).joined(separator: ".")
        var ids = XDRNameIndex.fields(named: name)
        if parts.count == 2 { ids = Array(Set(ids + prefixed(layer: layer, name: parts[1]))).sorted() }
        guard !ids.isEmpty else { throw unknown(written, layer: layer, column: column) }
        return .operand(body(ids, firstOnly: parts.count > 2, layer: layer, column: column, label: written), .body)
    }

    /// NFStest names a member without the prefix the RFCs give the members of a struct
    /// (`sequenceid` for SEQUENCE4args' `sa_sequenceid` and SEQUENCE4resok's `sr_sequenceid`):
    /// the fields named `PREFIX_name` for a short lower-case prefix.
    static func prefixed(layer: String, name: String) -> [UInt16] {
        let suffix = "_" + name
        var ids: [UInt16] = []
        for candidate in XDRNameIndex.names(inLayer: layer) where candidate.hasSuffix(suffix) {
            let prefix = candidate.dropLast(suffix.count)
            guard (1...5).contains(prefix.count), prefix.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { continue }
            ids += XDRNameIndex.fields(named: layer + "." + candidate)
        }
        return ids
    }

    static func body(_ ids: [UInt16], firstOnly: Bool, layer: String, column: Int, label: String) -> MatchBodyOperand {
        var kinds = MatchKinds()
        for id in ids {
            let f = XDRCatalogue.field(id)
            switch f.hint {
            case .fileHandle, .stateid: kinds.insert(.bytes)
            case .bitmap: kinds.insert(.bitmap)
            default: kinds.formUnion(f.names != 0 ? [.named, .integer] : .body)
            }
        }
        return MatchBodyOperand(MatchFieldSet(ids), firstOnly: firstOnly, layer: bodyLayers[layer] ?? .nfs, kinds: kinds,
                                column: column, label: label)
    }

    /// The names NFStest gives NFS messages beyond their XDR: the op of a call or reply (the
    /// procedure on NFSv2/v3), the version, every file handle as `fh`.
    static func nfsName(layer: String, parts: [String], column: Int, written: String) -> MatchOperand? {
        guard layer == "nfs", parts.count == 2 else { return nil }
        switch parts[1] {
        case "argop", "resop", "op", "ops":
            let side: MatchNFSOpOperand.Side = parts[1] == "argop" ? .call : parts[1] == "resop" ? .reply : .either
            var ids: [UInt16] = []
            if side != .reply { ids += XDRNameIndex.fields(named: "nfs.argop") }
            if side != .call { ids += XDRNameIndex.fields(named: "nfs.resop") }
            let compound = body(ids, firstOnly: false, layer: layer, column: column, label: written)
            return MatchNFSOpOperand(side: side, compound: compound, column: column, label: written)
        case "version":
            return MatchNFSHeaderOperand(.version, column: column, label: written)
        case "minorversion":
            return MatchNFSHeaderOperand(.minorVersion, column: column, label: written)
        case "fh":
            let ids = XDRNameIndex.fields(inLayer: "nfs") { $0.hint == .fileHandle }
            return body(ids, firstOnly: false, layer: layer, column: column, label: written)
        default:
            return nil
        }
    }

    static func unknown(_ written: String, layer: String, column: Int) -> MatchError {
        var candidates: [String] = HeaderCatalogue.entries.filter { $0.name.hasPrefix(layer + ".") && $0.type != .group }
            .map { display($0.name) }
        if bodyLayers[layer] != nil {
            let prefix = layer.uppercased() + "."
            candidates += XDRNameIndex.names(inLayer: layer).map { prefix + $0 }
            if layer == "nfs" {
                candidates += ["argop", "resop", "op", "version", "minorversion", "fh", "attributes", "request"].map { prefix + $0 }
            }
        }
        var message = "unknown field '\(written)'"
        // a suggestion is for a typo: a name far longer than any field's is not one
        if written.count <= 64, let best = suggestion(for: written, among: candidates) { message += " (did you mean \(best)?)" }
        return MatchError(column: column, message)
    }

    /// `ip.src` as people write it: `IP.src`.
    static func display(_ name: String) -> String {
        guard let dot = name.firstIndex(of: ".") else { return name.uppercased() }
        return name[..<dot].uppercased() + name[dot...]
    }

    /// The closest candidate by edit distance (case aside), if it is close enough to be a typo.
    static func suggestion(for written: String, among candidates: [String]) -> String? {
        let w = Array(written.lowercased().utf8)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, Array(c.lowercased().utf8))
            if d <= max(2, w.count / 4), best.map({ d < $0.1 }) ?? true { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

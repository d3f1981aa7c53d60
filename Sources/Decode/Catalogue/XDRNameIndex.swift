/// Names of program fields as match expressions use them, resolved against `XDRCatalogue`:
/// the seed's flat namespace (`NFS.stateid` is every field named `stateid` in any NFS program,
/// any op) and qualified names that pick one branch (`NFS.opputfh.status`: the `status` under
/// the PUTFH op's arm). The layer is case-insensitive, field names exact, as in the seed.
/// Built from the catalogue at first use; lookups allocate only their answer.
public enum XDRNameIndex {
    /// The field ids `name` (`LAYER.field[.field…]`) resolves to, in id order; empty when the
    /// layer is unknown or no field has that name there. Each further component is looked up
    /// among the fields inside the types of the fields the previous one found.
    public static func fields(named name: String) -> [UInt16] {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let layer = index.layers[parts[0].lowercased()] else { return [] }
        var found = layer.byName[String(parts[1])] ?? []
        for part in parts.dropFirst(2) {
            let wanted = String(part)
            found = descendants(of: found).filter { XDRCatalogue.field($0).name == wanted }
            if found.isEmpty { break }
        }
        return found
    }

    /// Every field inside the types of `ids` (nested structs, unions and arrays, to any depth),
    /// in id order: what lies under an op's arm.
    public static func descendants(of ids: [UInt16]) -> [UInt16] {
        var out = Set<UInt16>()
        var types = Set<TypeKey>()
        var pending = ids
        while let id = pending.popLast() {
            guard let program = index.program(of: id) else { continue }
            let key = TypeKey(program: program, type: baseType(XDRCatalogue.field(id).type))
            guard types.insert(key).inserted else { continue }  // a recursive type (linked lists) ends here
            for child in index.members[key] ?? [] where out.insert(child).inserted { pending.append(child) }
        }
        return out.sorted()
    }

    /// The layer names this index knows, lower case (`nfs`, `mount`, `nlm`, `nsm`, `portmap`).
    public static var layers: [String] { index.layers.keys.sorted() }

    /// The field names of a layer (lower case), sorted: what an unknown name is checked against
    /// for a suggestion.
    public static func names(inLayer layer: String) -> [String] {
        (index.layers[layer]?.byName.keys).map { $0.sorted() } ?? []
    }

    /// The ids of a layer's fields that `isIncluded` picks (every file handle of NFS: `NFS.fh`).
    public static func fields(inLayer layer: String, where isIncluded: (XDRField) -> Bool) -> [UInt16] {
        guard let l = index.layers[layer] else { return [] }
        return l.byName.values.flatMap { $0 }.filter { isIncluded(XDRCatalogue.field($0)) }.sorted()
    }

    struct TypeKey: Hashable {
        let program: Int
        let type: String
    }

    struct Layer {
        var byName: [String: [UInt16]] = [:]
    }

    struct Index {
        var layers: [String: Layer] = [:]
        /// Field ids grouped by the type they are members of, per program (.x file): type names
        /// repeat across files (`fhandle` in MOUNT and NFSv2).
        var members: [TypeKey: [UInt16]] = [:]
        /// The first field id of each program, ascending.
        var starts: [Int] = []

        func program(of id: UInt16) -> Int? {
            guard id > 0, Int(id) < XDRCatalogue.fields.count else { return nil }
            return starts.lastIndex { $0 <= Int(id) }
        }
    }

    /// The .x files in `XDRCatalogue.fields` order, with the layer their messages decode as
    /// (NFS_ACL shares the NFS layer, RPCBIND the PORTMAP one).
    static let programs: [(fields: Int, layer: String)] = [
        (Mount1XDR.fields.count, "mount"), (Mount3XDR.fields.count, "mount"),
        (NFS2XDR.fields.count, "nfs"), (NFS3XDR.fields.count, "nfs"), (NFS4XDR.fields.count, "nfs"),
        (NfsaclXDR.fields.count, "nfs"), (NLMXDR.fields.count, "nlm"), (NLM4XDR.fields.count, "nlm"),
        (NSMXDR.fields.count, "nsm"), (PortmapXDR.fields.count, "portmap"), (RpcbindXDR.fields.count, "portmap"),
    ]

    static let index: Index = {
        var index = Index()
        var id = 1
        for (p, program) in programs.enumerated() {
            index.starts.append(id)
            for _ in 0..<program.fields where id < XDRCatalogue.fields.count {
                let f = XDRCatalogue.fields[id]
                index.layers[program.layer, default: Layer()].byName[f.name, default: []].append(UInt16(id))
                index.members[TypeKey(program: p, type: f.parent), default: []].append(UInt16(id))
                id += 1
            }
        }
        return index
    }()

    /// A declared type without its array or optional decoration (`entry4<>`, `opaque[16]`, `entry4 *`).
    static func baseType(_ type: String) -> String {
        let end = type.firstIndex { $0 == "<" || $0 == "[" || $0 == "*" } ?? type.endIndex
        var base = type[..<end]
        while base.last == " " { base.removeLast() }
        return String(base)
    }
}

"""XDRCatalogue.swift: what ties the generated files together (fields, names, dispatch)."""
from .generator import swift_string
from .syntax import HEADER, XDRError


LAYERS = {"portmap", "mount", "nlm", "nsm", "nfs"}


def catalogue_file(mods, gens, cat):
    lines = [HEADER.format("*.x"), "",
             "/// Every RPC program the generator knows: field catalogue, name tables, display names,",
             "/// display formats and the decoder dispatch. One entry per .x file in xdr/.",
             "public enum XDRCatalogue {",
             "    /// Every field, indexed by the field id a tape entry carries (0: no field).",
             "    public static let fields: [XDRField] = [XDRField.unknown]"]
    lines += [f"        + {m.swift}.fields" for m in mods]
    lines += ["", "    /// The field a tape entry names; `XDRField.unknown` for an id out of range.",
              "    @inlinable public static func field(_ id: UInt16) -> XDRField {",
              "        Int(id) < fields.count ? fields[Int(id)] : XDRField.unknown", "    }",
              "", "    /// The name of `value` in name table `table` (`XDRField.names`); nil when it has none.",
              "    public static func name(table: UInt16, value: Int64) -> String? {", "        switch table {"]
    for m in mods:
        ids = [i for i, (owner, _, _) in enumerate(cat.tables, 1) if owner == m.swift]
        if ids:
            lines.append(f"        case {ids[0]}...{ids[-1]}: return {m.swift}.name(table, value)")
    lines += ["        default: return nil", "        }", "    }"]
    # The reverse, for match expressions that name a value (`NFS.status == NFS4ERR_NOENT`).
    lines += ["", "    /// The value named `name` in name table `table`; nil when it has none.",
              "    public static func value(table: UInt16, name: String) -> Int64? {", "        switch table {"]
    for tid, (_, title, entries) in enumerate(cat.tables, 1):
        lines += [f"        case {tid}:  // {title}", "            switch name {"]
        seen = set()
        for v, n in entries:
            if n not in seen:
                seen.add(n)
                lines.append(f"            case {swift_string(n)}: return {v}")
        lines += ["            default: return nil", "            }"]
    lines += ["        default: return nil", "        }", "    }"]

    programs = {}   # number -> [(version, module, Program)]
    for m in mods:
        for p in m.programs:
            if p.ann.get("layer") not in LAYERS:
                raise m.err(p.line, f"program {p.name} needs @layer(one of {', '.join(sorted(LAYERS))})")
            if "name" not in p.ann:
                raise m.err(p.line, f"program {p.name} needs @name(DISPLAY NAME)")
            for v in p.versions:
                programs.setdefault(m.value(p.number, p.line), []).append((m.value(v.number, v.line), m, p))
    ranges = {}     # number -> "lo...hi" for @range(LO HI) programs (NFSv4 callbacks)
    for m in mods:
        for p in m.programs:
            if "range" in p.ann:
                lo, hi = (m.value(int(w, 0), p.line) for w in (p.ann["range"] or "").split())
                ranges[m.value(p.number, p.line)] = f"{lo:#x}...{hi:#x}".replace("0x", "0x")
    label = lambda number: ranges.get(number, str(number))
    for number, vs in programs.items():
        seen = [v for v, _, _ in vs]
        if len(seen) != len(set(seen)):
            raise XDRError(f"program {number}: a version is defined twice")

    lines += ["", "    /// The program's display name whatever the version (`prog` fields).",
              "    public static func programName(program: UInt32) -> String? {", "        switch program {"]
    for number in sorted(programs):
        lines.append(f"        case {label(number)}: return {swift_string(programs[number][0][2].ann['name'])}")
    lines += ["        default: return nil", "        }", "    }",
              "", "    /// The display name of a program version the generator knows; nil otherwise.",
              "    public static func programName(program: UInt32, version: UInt32) -> String? {",
              "        switch (program, version) {"]
    for number in sorted(programs):
        for v, m, p in sorted(programs[number], key=lambda x: x[0]):
            lines.append(f"        case ({label(number)}, {v}): return {swift_string(p.ann['name'])}")
    lines += ["        default: return nil", "        }", "    }"]

    def by_version(call, default):
        out = ["        switch program {"]
        for number in sorted(programs):
            out += [f"        case {label(number)}:", "            switch version {"]
            for v, m, p in sorted(programs[number], key=lambda x: x[0]):
                out.append(f"            case {v}: {call(v, m, p)}")
            out += [f"            default: {default}", "            }"]
        out += [f"        default: {default}", "        }"]
        return out

    lines += ["", "    public static func procedureName(program: UInt32, version: UInt32, procedure: UInt32) -> String? {"]
    lines += by_version(lambda v, m, p: f"return {m.swift}.procedureName(version, procedure)", "return nil")
    lines += ["    }", "", "    /// The display format of a procedure's call (isReply false) or reply; empty when none.",
              "    public static func summary(program: UInt32, version: UInt32, procedure: UInt32,",
              "                               isReply: Bool) -> ArraySlice<XDRSummaryItem> {"]
    lines += by_version(lambda v, m, p: f"return {m.swift}.summary(version, procedure, isReply)", "return []")
    lines += ["    }", "",
              "    /// Decodes a call's arguments or a reply's results onto `t`; nil (nothing read) when the",
              "    /// program, version or procedure is not one of the .x files'.",
              "    static func decode(program: UInt32, version: UInt32, procedure: UInt32, isReply: Bool,",
              "                       _ r: inout XDRReader, _ t: inout Tape) throws(DecodeError) -> Layer? {",
              "        let outer = r.layer"]
    lines += by_version(lambda v, m, p: f"r.layer = .{p.ann['layer']}; "
                        f"if try {m.swift}.version_{v}(procedure, isReply, &r, &t) {{ return .{p.ann['layer']} }}",
                        "break")
    lines += ["        r.layer = outer", "        return nil", "    }"]
    arm_mods = [(m, g) for m, g in zip(mods, gens) if g.arm_formats()]
    lines += ["", "    /// The one-line format of one arm of a union with op formats (@call / @reply on its arms):",
              "    /// `discriminant` is the union's discriminant field, `value` the arm. Paths start inside",
              "    /// the union (the element of `argarray` / `resarray`). Empty when the arm has none.",
              "    public static func armSummary(discriminant: UInt16, value: Int64) -> ArraySlice<XDRSummaryItem> {",
              "        switch discriminant {"]
    for m, g in arm_mods:
        lines.append(f"        case {g.first_field}...{g.first_field + len(g.fields) - 1}: "
                     f"return {m.swift}.armSummary(discriminant, value)")
    lines += ["        default: return []", "        }", "    }", "",
              "    /// The @rank of an arm (2 when not given): a compound's main op is its first op of the",
              "    /// highest rank, or its last op when all have rank 0.",
              "    public static func armRank(discriminant: UInt16, value: Int64) -> Int {",
              "        switch discriminant {"]
    for m, g in arm_mods:
        lines.append(f"        case {g.first_field}...{g.first_field + len(g.fields) - 1}: "
                     f"return {m.swift}.armRank(discriminant, value)")
    lines += ["        default: return 2", "        }", "    }", "}"]
    return "\n".join(lines) + "\n"

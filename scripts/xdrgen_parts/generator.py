"""One .x file's Swift: field ids, display formats, name tables and the files, around the
functions of functions.py. The catalogue (ids, name tables) is shared by all files."""
import os
import re

from .functions import Functions
from .model import display_name
from .syntax import HEADER, MAX_LINES, XDRError


class Field:
    def __init__(self, fid, const, name, parent, type_text, names, hint):
        self.id, self.const, self.name, self.parent = fid, const, name, parent
        self.type_text, self.names, self.hint = type_text, names, hint


class Catalogue:
    def __init__(self):
        self.fields = []          # Field, id = index + 1
        self.tables = []          # (module swift name, title, [(value, name)]); id = index + 1
        self.table_ids = {}

    def table(self, mod, key, title, entries):
        k = (mod.swift, key)
        if k not in self.table_ids:
            self.tables.append((mod.swift, title, entries))
            self.table_ids[k] = len(self.tables)
        return self.table_ids[k]


HINT_CASE = {"fh": ".fileHandle", "uaddr": ".universalAddress", "program": ".program", "hex": ".hex",
             "stateid": ".stateid", "bitmap": ".bitmap"}


def swift_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Generator(Functions):
    """Swift for one module: field ids first (so ids are stable and in file order), then code."""

    def __init__(self, mod, cat):
        self.mod, self.cat = mod, cat
        self.fields = {}          # (parent, name) -> Field
        self.consts = set()
        self.need = set()         # (what, type name): members decode list enum
        self.first_field = len(cat.fields) + 1
        self.summaries = []       # (version, procedure, reply, [items])
        self.frozen = False

    # -- reachability: which functions the procedures need --
    def reach(self, shape):
        k = shape.kind
        if k in ("farray", "varray", "opt"):
            self.reach(shape.elem)
        elif k == "enum":
            self.need_add("enum", shape.type)
        elif k in ("struct", "union"):
            self.need_add("decode", shape.type)
            self.need_add("members", shape.type)
        elif k == "list":
            self.need_add("list", shape.type)
            self.need_add("members", shape.type)
        elif k == "xdrbody":
            self.need_add("members", shape.type)

    def need_add(self, what, t):
        if (what, t.name) in self.need:
            return
        self.need.add((what, t.name))
        if what != "members":
            return
        if t.kind == "struct":
            nxt = self.mod.list_next(t)
            for m in t.members:
                self.reach(self.mod.decl_shape(m))
            if nxt is not None:
                self.need_add("list", t)
        else:
            if "implicit" not in t.ann:
                self.reach(self.mod.decl_shape(t.disc))
            for _, d in t.arms:
                self.reach(self.mod.decl_shape(d))
            if t.default is not None:
                self.reach(self.mod.decl_shape(t.default))

    # -- fields --
    def field(self, parent, name, shape, type_text):
        key = (parent, name)
        if key in self.fields:
            return self.fields[key]
        if self.frozen:
            raise XDRError(f"internal: field {parent}.{name} created after the ids were assigned")
        const = re.sub(r"\W", "_", f"{parent}_{name}")
        base, n = const, 2
        while const in self.consts:
            const, n = f"{base}_{n}", n + 1
        self.consts.add(const)
        leaf = shape.leaf()
        hints = {**leaf.hints, **shape.hints}
        names = 0
        if leaf.kind == "enum":
            t = leaf.type
            names = self.cat.table(self.mod, ("enum", t.name), f"enum {t.name}",
                                   [(self.mod.value(e, t.line), n_) for n_, e in t.members])
        elif "names" in hints:
            # @names(PREFIX_) names a number by the constants PREFIX_…; @names(PREFIX_ short)
            # without the prefix, as NFStest shows them (IPPROTO_TCP is TCP)
            prefix, *how = hints["names"].split()
            short = how == ["short"]
            entries = sorted((self.mod.value(e, 0), c[len(prefix):] if short else c)
                             for c, e in self.mod.consts.items() if c.startswith(prefix) and c != prefix)
            if not entries:
                raise self.mod.err(0, f"@names({prefix}): no constants start with {prefix}")
            names = self.cat.table(self.mod, ("prefix", prefix, short), f"constants {prefix}*", entries)
        hint = next((HINT_CASE[h] for h in ("fh", "uaddr", "program", "hex", "stateid", "bitmap") if h in hints),
                    ".none")
        f = Field(len(self.cat.fields) + 1, const, name, parent, type_text, names, hint)
        self.cat.fields.append(f)
        self.fields[key] = f
        return f

    def member_field(self, t, d):
        return self.field(t.name, d.name, self.mod.decl_shape(d),
                          self.mod.type_text(d.base, d.form, d.size, d.line))

    def assign_fields(self):
        mod = self.mod
        for p in mod.programs:
            for v in p.versions:
                for proc in v.procedures:
                    for reply in (False, True):
                        shape, _, _ = mod.proc_top(proc, reply)
                        if shape.kind in ("struct", "union"):
                            self.need_add("members", shape.type)
                        else:
                            self.reach(shape)
        for t in mod.order:
            if ("members", t.name) not in self.need:
                continue
            if t.kind == "struct":
                nxt = self.mod.list_next(t)
                for m in t.members:
                    # a list's `next` is a field only where the node struct is decoded on its own
                    if m is not nxt or ("decode", t.name) in self.need:
                        self.member_field(t, m)
                    s = self.mod.decl_shape(m)
                    if s.kind == "xdrbody":
                        from .model import Shape
                        self.field(t.name, m.name + "_undecoded", Shape("vopaque"), "opaque<>")
                        if s.mode == "attrs":
                            self.field(t.name, m.name + "_unknown", Shape("uint"), "unsigned int")
            elif t.kind == "union":
                if "implicit" not in t.ann:
                    self.member_field(t, t.disc)
                for _, d in t.arms + ([([], t.default)] if t.default else []):
                    if d.form != "void":
                        self.member_field(t, d)
        for p in mod.programs:
            for v in p.versions:
                for proc in v.procedures:
                    for reply in (False, True):
                        shape, name, text = mod.proc_top(proc, reply)
                        if shape.kind not in ("struct", "union", "void"):
                            self.field(proc.name, name, shape, text)
        self.frozen = True

    def top_field(self, proc, reply):
        shape, name, _ = self.mod.proc_top(proc, reply)
        return self.fields[(proc.name, name)]

    # -- display formats (@call / @reply) --
    STYLES = {"x": "hex", "addr": "address", "port": "port", "x2": "hex", "x4": "hex", "x8": "hex", "x16": "hex",
              "o": "octal", "u": "umax", "list": "list", "crc32": "crc32", "crc16": "crc16", "tail": "tail"}

    def scope_of(self, shape):
        while shape.kind in ("farray", "varray", "opt"):
            shape = shape.elem
        t = shape.type
        if shape.kind in ("struct", "list"):
            decls = t.members
        elif shape.kind in ("union", "xdrbody"):
            decls = [t.disc] + [d for _, d in t.arms] + ([t.default] if t.default else [])
        else:
            return []
        # only fields assigned by assign_fields: ids must stay in file order
        return [(d.name, self.fields[(t.name, d.name)], self.mod.decl_shape(d)) for d in decls
                if (t.name, d.name) in self.fields]

    def compile_summary(self, proc, reply, fmt):
        top, _, _ = self.mod.proc_top(proc, reply)
        where = f"{proc.name} @{'reply' if reply else 'call'}"
        if top.kind in ("struct", "union"):
            scope = self.scope_of(top)
        elif top.kind == "void":
            raise self.mod.err(proc.line, f"{where}: the procedure has no {'results' if reply else 'arguments'}")
        else:
            f = self.top_field(proc, reply)
            scope = [(f.name, f, top)]
        return self.compile_format(where, proc.line, fmt, scope, [])

    def compile_arm(self, t, d, key, fmt):
        """An op's format (@call / @reply on a union arm): paths start inside the arm."""
        where = f"{t.name}.{d.name} @{key}"
        if d.form == "void":
            raise self.mod.err(d.line, f"{where}: a void arm has nothing to show")
        shape = self.mod.decl_shape(d)
        f = self.fields[(t.name, d.name)]
        if shape.kind in ("struct", "union"):
            return self.compile_format(where, d.line, fmt, self.scope_of(shape), [f])
        return self.compile_format(where, d.line, fmt, [(d.name, f, shape)], [])

    def compile_format(self, where, line, fmt, top_scope, prefix):
        items = []
        # words after || are pktt's own, beyond NFStest's line: shown at `pktt show -v 2`
        fmt, _, more = fmt.partition("||")
        if more.strip():
            items = self.compile_format(where, line, fmt, top_scope, prefix)
            return items + [it[:7] + (True,) for it in self.compile_format(where, line, more, top_scope, prefix)]
        for word in fmt.split():
            # ~ is a blank written whatever comes before it: NFStest's formats end some lines with
            # one (`SETATTR    FH:0x131299c5 `, its attributes' own blanks)
            if word == "~":
                items.append(("literal", " ", "", [], True, 0, None))
                continue
            # a word starting with + is written right after the one before it, no space between
            joined = word.startswith("+") and len(word) > 1
            if joined:
                word = word[1:]
            # word|path: only when path is on the tape; word|path=NAME: only when it has that value
            guard = None
            if "|" in word and not word.endswith("}"):
                word, g = word.rsplit("|", 1)
                gpath, _, gname = g.partition("=")
                gids, scope = list(prefix), top_scope
                for c in gpath.split("."):
                    found = [x for x in scope if x[0] == c]
                    if not found:
                        raise self.mod.err(line, f"{where}: no field {c!r} in guard {g!r}")
                    _, f, shape = found[0]
                    gids.append(f)
                    scope = self.scope_of(shape)
                guard = (gids, self.mod.value(gname, line) if gname else None)
            refs = list(re.finditer(r"\{([^}]*)\}", word))
            if not refs:
                items.append(("literal", word.replace("\\_", " "), "", [], joined, 0, guard))
                continue
            if len(refs) > 1:
                raise self.mod.err(line, f"{where}: one {{field}} per word, found {word!r}")
            m = refs[0]
            # \_ is a blank inside a word: "->\_{target}" is left out whole when target is
            prefix_text, suffix, ref, style = (word[:m.start()].replace("\\_", " "), word[m.end():].replace("\\_", " "),
                                               m.group(1), "value")
            digits = 0
            if ref.startswith("#"):
                style, ref = "count", ref[1:]
            elif ref.startswith("*"):
                style, ref = "arms", ref[1:]
            elif "?" in ref:
                ref, text = ref.split("?", 1)
                style, prefix_text = "ifTrue", prefix_text + text
            elif ref.endswith("!"):
                style, ref = "nonZero", ref[:-1]
            elif ":" in ref:
                ref, spec = ref.split(":", 1)
                if spec not in self.STYLES:
                    raise self.mod.err(line, f"{where}: unknown style :{spec} (x, x2, x4, x8, x16, o, u, list, crc32, crc16, tail, addr, port)")
                style = self.STYLES[spec]
                digits = int(spec[1:]) if spec.startswith("x") and len(spec) > 1 else 0
            if ref in ("@fh", "@sfh"):
                # the compound's current (saved) file handle, in an op's format: the display
                # follows it through the ops
                items.append(("currentFH" if ref == "@fh" else "savedFH", prefix_text, suffix, [], joined, 0, guard))
                continue
            scope = top_scope
            path, shape = list(prefix), None
            for c in ref.split("."):
                found = [x for x in scope if x[0] == c]
                if not found:
                    raise self.mod.err(line, f"{where}: no field {c!r} in {ref!r} "
                                       f"(there: {', '.join(x[0] for x in scope) or 'nothing'})")
                _, f, shape = found[0]
                path.append(f)
                scope = self.scope_of(shape)
            if style == "count" and shape.kind not in ("farray", "varray", "list", "vopaque", "string"):
                raise self.mod.err(line, f"{where}: {{#{ref}}} needs an array, a list or an opaque")
            if style == "arms" and not (shape.kind == "varray" and shape.elem.kind == "union"):
                raise self.mod.err(line, f"{where}: {{*{ref}}} needs an array of unions")
            items.append((style, prefix_text, suffix, path, joined, digits, guard))
        return items

    def item_text(self, style, prefix, suffix, path, joined, digits, guard=None, verbose=False):
        ids = ", ".join(self.fid(f) for f in path)
        extra = (", joined: true" if joined else "") + (f", digits: {digits}" if digits else "")
        if verbose:
            extra += ", verbose: true"
        if guard:
            extra += f", guard: [{', '.join(self.fid(f) for f in guard[0])}]"
            if guard[1] is not None:
                extra += f", guardValue: {guard[1]}"
        return (f"        XDRSummaryItem(.{style}, prefix: {swift_string(prefix)}, "
                f"suffix: {swift_string(suffix)}, path: [{ids}]{extra}),")

    def arm_formats(self):
        """(discriminant field, value, rank, call items or None, reply items or None) per arm of
        the unions that have op formats or ranks."""
        out = []
        for t in self.mod.order:
            if t.kind != "union" or ("members", t.name) not in self.need or "implicit" in t.ann:
                continue
            if not any(k in d.ann for _, d in t.arms for k in ("call", "reply", "rank")):
                continue
            disc = self.fields[(t.name, t.disc.name)]
            for vals, d in t.arms:
                rank = int(d.ann.get("rank") or 2) if "rank" in d.ann else 2
                forms = {}
                for key in ("call", "reply"):
                    if key in d.ann:
                        forms[key] = self.compile_arm(t, d, key, d.ann[key])
                for e in vals:
                    out.append((disc, self.mod.value(e, d.line), rank, forms))
        return out

    def arm_blocks(self):
        arms = self.arm_formats()
        items, cases, ranks = [], [], []
        for disc, value, rank, forms in arms:
            its = forms.get("call") or forms.get("reply")
            if its:
                start = len(items)
                for it in its:
                    items.append(self.item_text(*it))
                cases.append(f"        case ({self.fid(disc)}, {value}): range = {start}..<{len(items)}")
            if rank != 2:
                ranks.append(f"        case ({self.fid(disc)}, {value}): return {rank}")
        table = (["    /// The ops' one-line formats (@call / @reply on union arms), as items of `armSummary`.",
                  "    static let armItems: [XDRSummaryItem] = ["] + items + ["    ]"])
        summary = self.func("static func armSummary(_ discriminant: UInt16, _ value: Int64) "
                            "-> ArraySlice<XDRSummaryItem>",
                            ["        let range: Range<Int>", "        switch (discriminant, value) {"]
                            + cases + ["        default: return []", "        }", "        return armItems[range]"],
                            "The format of the arm `value` of the union whose discriminant is field `discriminant`; "
                            "paths start inside the union.")
        rank = self.func("static func armRank(_ discriminant: UInt16, _ value: Int64) -> Int",
                         ["        switch (discriminant, value) {"] + ranks
                         + ["        default: return 2", "        }"],
                         "@rank of an arm (2 when not given): which op of a compound is its main op.")
        return [table, summary, rank] if arms else []

    # -- files --
    def blocks(self):
        mod, out = self.mod, []
        for t in mod.order:
            if t.kind == "enum" and ("enum", t.name) in self.need:
                out += self.enum_func(t)
            elif t.kind == "struct":
                out += self.struct_funcs(t)
            elif t.kind == "union":
                out += self.union_funcs(t)
        for p in mod.programs:
            for v in p.versions:
                out.append(self.version_func(p, v))
                for proc in v.procedures:
                    for reply, key in ((False, "call"), (True, "reply")):
                        if key in proc.ann:
                            self.summaries.append((mod.value(v.number, v.line), mod.value(proc.number, proc.line),
                                                   reply, self.compile_summary(proc, reply, proc.ann[key])))
        out.append(self.names_func())
        out.append(self.procedure_names_func())
        out += self.summary_blocks()
        out += self.arm_blocks()
        return out

    def names_func(self):
        body = ["        switch table {"]
        for tid, (owner, title, entries) in enumerate(self.cat.tables, 1):
            if owner != self.mod.swift:
                continue
            body += [f"        case {tid}:  // {title}", "            switch value {"]
            body += [f"            case {v}: return {swift_string(n)}" for v, n in entries]
            body += ["            default: return nil", "            }"]
        body += ["        default:", "            return nil", "        }"]
        return self.func("static func name(_ table: UInt16, _ value: Int64) -> String?", body,
                         "The name of `value` in name table `table` (an enum, or constants sharing a prefix).")

    def procedure_names_func(self):
        body = ["        switch (version, procedure) {"]
        for p in self.mod.programs:
            for v in p.versions:
                vn = self.mod.value(v.number, v.line)
                for proc in v.procedures:
                    body.append(f"        case ({vn}, {self.mod.value(proc.number, proc.line)}): "
                                f"return {swift_string(display_name(proc))}")
        body += ["        default: return nil", "        }"]
        return self.func("static func procedureName(_ version: UInt32, _ procedure: UInt32) -> String?", body)

    def summary_blocks(self):
        items, cases = [], []
        for version, procedure, reply, its in self.summaries:
            start = len(items)
            for it in its:
                items.append(self.item_text(*it))
            cases.append(f"        case ({version}, {procedure}, {'true' if reply else 'false'}): "
                         f"range = {start}..<{len(items)}")
        table = (["    /// The one-line display formats (@call / @reply), as items of `summary`.",
                  "    static let summaryItems: [XDRSummaryItem] = ["] + items + ["    ]"])
        func = self.func("static func summary(_ version: UInt32, _ procedure: UInt32, _ isReply: Bool) "
                         "-> ArraySlice<XDRSummaryItem>",
                         ["        let range: Range<Int>", "        switch (version, procedure, isReply) {"]
                         + cases + ["        default: return []", "        }", "        return summaryItems[range]"])
        return [table, func]

    def field_blocks(self):
        mine = [f for f in self.cat.fields if self.first_field <= f.id < self.first_field + len(self.fields)]
        rows = [f"        XDRField({swift_string(f.name)}, parent: {swift_string(f.parent)}, "
                f"type: {swift_string(f.type_text)}, names: {f.names}, hint: {f.hint}),  // {f.id}" for f in mine]
        ids = (["    /// Field ids: indexes into `XDRCatalogue.fields`.", "    enum F {"]
               + [f"        static let {f.const}: UInt16 = {f.id}" for f in mine] + ["    }"])
        chunk = MAX_LINES - 60
        parts = [rows[i:i + chunk] for i in range(0, len(rows), chunk)] or [[]]
        if len(parts) == 1:
            return ids, [["    /// This file's part of `XDRCatalogue.fields`, in id order.",
                          "    static let fields: [XDRField] = ["] + parts[0] + ["    ]"]]
        blocks = [[f"    static let fields: [XDRField] = "
                   + " + ".join(f"fieldsPart{i + 1}" for i in range(len(parts)))]]
        for i, part in enumerate(parts):
            blocks.append([f"    static let fieldsPart{i + 1}: [XDRField] = ["] + part + ["    ]"])
        return ids, blocks

    def files(self):
        code = self.blocks()
        ids, fields = self.field_blocks()
        title = f"from {self.mod.where}"
        header = [HEADER.format(os.path.basename(self.mod.path)), ""]
        first = header + [f"/// Decoders, field ids and display formats generated {title}.",
                          f"enum {self.mod.swift} {{"] + ids
        files, current, filled = [], first, False
        for block in fields + code:
            if filled and len(current) + len(block) + 2 > MAX_LINES:
                files.append(current + ["}"])
                current, filled = header + [f"extension {self.mod.swift} {{"], False
            current = current + [""] + block
            filled = True
        files.append(current + ["}"])
        names = [f"{self.mod.swift}.swift"] + [f"{self.mod.swift}+{i}.swift" for i in range(2, len(files) + 1)]
        return {n: "\n".join(lines) + "\n" for n, lines in zip(names, files)}

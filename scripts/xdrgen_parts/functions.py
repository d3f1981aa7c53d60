"""Swift for decoding: one statement per declaration, one function per struct, union, enum, list
and program version. Mixed into Generator (generator.py), which owns the fields and the files."""
from .syntax import XDRError


class Functions:
    # -- Swift statements --
    def fid(self, f):
        return f"F.{f.const}"

    def min_size(self, shape, seen=()):
        k = shape.kind
        if k in ("uint", "int", "bool", "enum", "vopaque", "string", "varray", "opt", "list", "custom",
                 "xdrbody"):
            return 4
        if k in ("uhyper", "hyper"):
            return 8
        if k == "fopaque":
            return (shape.n + 3) & ~3
        if k == "farray":
            return shape.n * self.min_size(shape.elem, seen)
        if k == "void":
            return 0
        t = shape.type
        if t.name in seen:
            return 0
        seen = seen + (t.name,)
        if k == "struct":
            return sum(self.min_size(self.mod.decl_shape(m), seen) for m in t.members)
        arms = [d for _, d in t.arms] + ([t.default] if t.default else [])
        return 4 + min((self.min_size(self.mod.decl_shape(d), seen) for d in arms), default=0)

    def stmt(self, shape, fid, ind, depth=0):
        """Lines that decode one value of `shape` onto the tape as field `fid`."""
        k, p = shape.kind, " " * ind
        bound = lambda m, cap: str(m) if m is not None else f"XDRLimits.{cap}"
        simple = {"uint": "uint32", "int": "int32", "uhyper": "uint64", "hyper": "int64", "bool": "bool"}
        if k in simple:
            return [f"{p}try t.{simple[k]}({fid}, &r)"]
        if k == "enum":
            return [f"{p}try enum_{shape.type.name}({fid}, &r, &t)"]
        if k == "fopaque":
            return [f"{p}try t.fixedOpaque({fid}, count: {shape.n}, &r)"]
        if k in ("vopaque", "string"):
            what = "opaque" if k == "vopaque" else "string"
            return [f"{p}try t.{what}({fid}, maximum: {bound(shape.max, 'maximumOpaque')}, &r)"]
        if k in ("struct", "union"):
            return [f"{p}try decode_{shape.type.name}({fid}, &r, &t)"]
        if k == "list":
            return [f"{p}try list_{shape.type.name}({fid}, &r, &t)"]
        if k == "custom":
            return [f"{p}try XDRCustom.{shape.fn}({fid}, &r, &t)"]
        if k == "void":
            return []
        n = f"n{depth}" if depth else "n"
        if k == "farray":
            return ([f"{p}try t.begin({fid}, .arrayBegin, count: {shape.n}, &r)",
                     f"{p}for _ in 0..<{shape.n} {{"]
                    + self.stmt(shape.elem, fid, ind + 4, depth + 1)
                    + [f"{p}}}", f"{p}t.end()"])
        if k == "varray":
            return ([f"{p}do {{",
                     f"{p}    let {n} = try r.arrayCount(maximum: {bound(shape.max, 'maximumArrayCount')}, "
                     f"minimumElementSize: {max(1, self.min_size(shape.elem))})",
                     f"{p}    try t.begin({fid}, .arrayBegin, count: {n}, &r)",
                     f"{p}    for _ in 0..<{n} {{"]
                    + self.stmt(shape.elem, fid, ind + 8, depth + 1)
                    + [f"{p}    }}", f"{p}    t.end()", f"{p}}}"])
        if k == "opt":
            return ([f"{p}if try r.bool() {{"] + self.stmt(shape.elem, fid, ind + 4, depth + 1)
                    + [f"{p}}} else {{", f"{p}    t.absent({fid})", f"{p}}}"])
        raise XDRError(f"internal: no statement for {k}")

    def func(self, head, body, doc=None, inline=False):
        lines = [] if doc is None else [f"    /// {doc}"]
        if inline:
            lines.append("    @inline(__always)")
        return lines + [f"    {head} {{"] + body + ["    }"]

    SIG = "(_ r: inout XDRReader, _ t: inout Tape) throws(DecodeError)"
    FSIG = "(_ f: UInt16, _ r: inout XDRReader, _ t: inout Tape) throws(DecodeError)"

    def struct_funcs(self, t):
        out, nxt = [], self.mod.list_next(t)
        members = [m for m in t.members if m is not nxt]
        if ("members", t.name) in self.need:
            body = self.member_stmts(t, members)
            out.append(self.func(f"static func members_{t.name}{self.SIG}", body or ["        _ = (r, t)"],
                                 f"struct {t.name}" + (" (one element: `next` is the list)" if nxt else ""),
                                 inline=True))
        if ("decode", t.name) in self.need:
            body = ["        try t.begin(f, .structBegin, count: 0, &r)",
                    f"        try members_{t.name}(&r, &t)"]
            if nxt is not None:
                body.append(f"        try list_{t.name}({self.fid(self.member_field(t, nxt))}, &r, &t)")
            out.append(self.func(f"static func decode_{t.name}{self.FSIG}", body + ["        t.end()"]))
        if ("list", t.name) in self.need:
            out.append(self.func(f"static func list_{t.name}{self.FSIG}", [
                "        try t.begin(f, .arrayBegin, count: 0, &r)",
                "        var n = 0",
                "        while try r.bool() {",
                "            n += 1",
                "            guard n <= XDRLimits.maximumArrayCount else {",
                "                throw DecodeError(.tooLong, layer: r.layer, offset: r.offset - 4)",
                "            }",
                "            try t.begin(f, .structBegin, count: 0, &r)",
                f"            try members_{t.name}(&r, &t)",
                "            t.end()",
                "        }",
                "        t.end(count: n)"],
                f"a linked list of {t.name} (XDR optional-data), one tape array"))
        return out

    def member_stmts(self, t, members):
        """The statements of a struct's members; a member an @xdr or @attrs body refers to is
        kept in a local: its value (v_NAME) or the tape index of its bitmap (m_NAME)."""
        wanted = {}
        for m in members:
            s = self.mod.decl_shape(m)
            if s.kind == "xdrbody":
                if not any(x.name == s.sibling for x in members[:members.index(m)]):
                    raise self.mod.err(m.line, f"{t.name}.{m.name}: no member {s.sibling} before it")
                wanted[s.sibling] = s.mode
        body = []
        for m in members:
            s = self.mod.decl_shape(m)
            fid = self.fid(self.member_field(t, m))
            if s.kind == "xdrbody":
                u = s.type.name
                undecoded = self.fid(self.fields[(t.name, m.name + "_undecoded")])
                if s.mode == "xdr":
                    body.append(f"        try XDRBody.arm({fid}, undecoded: {undecoded}, v_{s.sibling}, "
                                f"&r, &t, hasArm: hasArm_{u}, arms: arms_{u})")
                else:
                    unknown = self.fid(self.fields[(t.name, m.name + "_unknown")])
                    body.append(f"        try XDRBody.attributes({fid}, undecoded: {undecoded}, unknown: {unknown}, "
                                f"mask: m_{s.sibling}, &r, &t, hasArm: hasArm_{u}, arms: arms_{u})")
                continue
            lines = self.stmt(s, fid, 8)
            mode = wanted.get(m.name)
            if mode == "xdr":
                if s.kind not in ("enum", "uint", "int") or len(lines) != 1:
                    raise self.mod.err(m.line, f"{t.name}.{m.name}: an @xdr discriminant must be an enum or int")
                lines = [f"        let v_{m.name} = Int64({lines[0].strip()})"]
            elif mode == "attrs":
                if s.kind != "varray" or s.elem.kind != "uint":
                    raise self.mod.err(m.line, f"{t.name}.{m.name}: an @attrs mask must be unsigned int<>")
                lines = [f"        let m_{m.name} = t.count"] + lines
            body += lines
        return body

    def implicit_funcs(self, t):
        """An @implicit union: the discriminant is known, not read (arms_), and which values have
        an arm (hasArm_)."""
        out = []
        if ("members", t.name) not in self.need:
            return out
        disc = self.mod.decl_shape(t.disc)
        cases, values = [], []
        for vals, d in t.arms:
            labels = [str(self.mod.value(e, d.line)) for e in vals]
            values += labels
            cases.append(f"        case {', '.join(labels)}:")
            stmts = [] if d.form == "void" else self.stmt(self.mod.decl_shape(d), self.fid(self.member_field(t, d)), 12)
            cases += stmts or ["            break"]
        if t.default is not None:
            stmts = [] if t.default.form == "void" else self.stmt(
                self.mod.decl_shape(t.default), self.fid(self.member_field(t, t.default)), 12)
            cases += ["        default:"] + (stmts or ["            break"])
        else:
            cases += ["        default:", "            return false"]
        out.append(self.func(f"static func arms_{t.name}(_ v: Int64, _ r: inout XDRReader, _ t: inout Tape) "
                             "throws(DecodeError) -> Bool",
                             ["        switch v {"] + cases + ["        }", "        return true"],
                             f"union {t.name} (@implicit, switch {disc.kind}): the arm for `v`; false when none"))
        if t.default is not None:
            body = ["        true"]
        elif values:
            body = ["        switch v {", f"        case {', '.join(values)}: return true",
                    "        default: return false", "        }"]
        else:
            body = ["        false"]
        out.append(self.func(f"static func hasArm_{t.name}(_ v: Int64) -> Bool", body))
        return out

    def case_label(self, t, disc, e, line):
        v = self.mod.value(e, line)
        if disc.kind == "bool":
            return "true" if v else "false"
        if disc.kind == "uint":
            return str(v & 0xffffffff)
        return str(v)

    def union_funcs(self, t):
        if "implicit" in t.ann:
            return self.implicit_funcs(t)
        out = []
        disc = self.mod.decl_shape(t.disc)
        if disc.kind not in ("int", "uint", "enum", "bool"):
            raise self.mod.err(t.line, f"union {t.name}: discriminant must be int, unsigned int, enum or bool")
        if ("members", t.name) in self.need:
            dfid = self.fid(self.member_field(t, t.disc))
            if disc.kind == "enum":
                read = f"try enum_{disc.type.name}({dfid}, &r, &t)"
            else:
                read = f"try t.{ {'int': 'int32', 'uint': 'uint32', 'bool': 'bool'}[disc.kind] }({dfid}, &r)"
            labels_seen = set()
            body_cases = []
            for values, d in t.arms:
                labels = []
                for e in values:
                    label = self.case_label(t, disc, e, d.line)
                    if label not in labels_seen:
                        labels_seen.add(label)
                        labels.append(label)
                names = ", ".join(e if isinstance(e, str) else str(e) for e in values)
                body_cases.append(f"        case {', '.join(labels)}:  // {names}")
                stmts = [] if d.form == "void" else self.stmt(self.mod.decl_shape(d),
                                                               self.fid(self.member_field(t, d)), 12)
                body_cases += stmts or ["            break"]
            covered = disc.kind == "bool" and labels_seen == {"true", "false"}
            need_at = t.default is None and not covered
            body = ["        let at = r.offset"] if need_at else []
            body.append(f"        switch {read} {{")
            body += body_cases
            if t.default is not None:
                stmts = [] if t.default.form == "void" else self.stmt(
                    self.mod.decl_shape(t.default), self.fid(self.member_field(t, t.default)), 12)
                body += ["        default:"] + (stmts or ["            break"])
            elif not covered:
                # the discriminant stays on the tape; what follows cannot be placed
                body += ["        default:  // no arm for this value: the union is malformed",
                         "            throw DecodeError(.badValue, layer: r.layer, offset: at)"]
            body.append("        }")
            out.append(self.func(f"static func members_{t.name}{self.SIG}", body, f"union {t.name}",
                                 inline=True))
        if ("decode", t.name) in self.need:
            out.append(self.func(f"static func decode_{t.name}{self.FSIG}", [
                "        try t.begin(f, .structBegin, count: 0, &r)",
                f"        try members_{t.name}(&r, &t)",
                "        t.end()"]))
        return out

    def enum_func(self, t):
        values = sorted({self.mod.value(e, t.line) for _, e in t.members})
        if "open" in t.ann:
            return [self.func(f"@discardableResult static func enum_{t.name}{self.FSIG} -> Int32",
                              ["        let v = try r.int32()", "        t.enumeration(f, v)", "        return v"],
                              f"enum {t.name} (@open): a value it does not define is shown as a number",
                              inline=True)]
        # RFC 4506 section 4.3: a value the enum does not define is an error of the sender, but it
        # still takes its four bytes: it is kept, flagged and counted, and what follows decodes.
        # Only a union it selects no arm of is given up (union_funcs).
        if values == list(range(values[0], values[-1] + 1)):
            check = [f"        if {values[0]}...{values[-1]} ~= v {{",
                     "            t.enumeration(f, v)",
                     "        } else {",
                     "            t.undefinedEnumeration(f, v)",
                     "        }"]
        else:
            check = [f"        switch v {{",
                     f"        case {', '.join(map(str, values))}: t.enumeration(f, v)",
                     "        default: t.undefinedEnumeration(f, v)",
                     "        }"]
        return [self.func(f"@discardableResult static func enum_{t.name}{self.FSIG} -> Int32",
                          ["        let v = try r.int32()"] + check + ["        return v"],
                          f"enum {t.name}: a value it does not define is kept, flagged undefined",
                          inline=True)]

    def version_func(self, p, v):
        body = ["        switch procedure {"]
        for proc in v.procedures:
            num = self.mod.value(proc.number, proc.line)
            sides = []
            for reply in (False, True):
                shape, _, _ = self.mod.proc_top(proc, reply)
                if shape.kind in ("struct", "union"):
                    sides.append([f"try members_{shape.type.name}(&r, &t)"])
                elif shape.kind == "void":
                    sides.append([])
                else:
                    sides.append([s.strip() for s in self.stmt(shape, self.fid(self.top_field(proc, reply)), 0)])
            call, res = sides
            body.append(f"        case {num}:  // {proc.name}")
            if not call and not res:
                body.append("            break")
            elif len(call) == 1 and len(res) == 1:
                body.append(f"            if isReply {{ {res[0]} }} else {{ {call[0]} }}")
            elif len(call) + len(res) == 1:
                body.append(f"            if {'' if res else '!'}isReply {{ {(res or call)[0]} }}")
            else:
                body += self.if_block("isReply", res, call)
        body += ["        default:", "            return false", "        }", "        return true"]
        return self.func("static func version_{}(_ procedure: UInt32, _ isReply: Bool, _ r: inout XDRReader, "
                         "_ t: inout Tape) throws(DecodeError) -> Bool".format(self.mod.value(v.number, v.line)),
                         body, f"{p.name} {v.name}: false when the procedure is not one it defines")

    @staticmethod
    def if_block(cond, then, other):
        def block(lines, ind):
            out, level = [], 0
            for s in lines:
                if s.startswith("}"):
                    level -= 1
                out.append(" " * (ind + 4 * level) + s)
                if s.endswith("{"):
                    level += 1
            return out
        if then and other:
            return ([f"            if {cond} {{"] + block(then, 16) + ["            } else {"]
                    + block(other, 16) + ["            }"])
        if then:
            return [f"            if {cond} {{"] + block(then, 16) + ["            }"]
        return [f"            if !{cond} {{"] + block(other, 16) + ["            }"]

"""What each declaration is on the wire (shapes), per .x file (modules)."""
import os
import re

from .syntax import ROOT, Parser, XDRError


class Shape:
    """kind: uint int uhyper hyper bool enum fopaque vopaque string struct union farray varray
    opt list custom void. `n` is a fixed size, `max` a bound (None: unbounded), `elem` the element
    shape, `type` the TypeDef, `hints` the annotations collected along typedefs and the field."""

    def __init__(self, kind, **kw):
        self.kind, self.n, self.max, self.elem, self.type, self.fn = kind, None, None, None, None, None
        self.hints = {}
        self.__dict__.update(kw)

    def leaf(self):
        s = self
        while s.kind in ("farray", "varray", "opt"):
            s = s.elem
        return s


BUILTIN_TEXT = {"uint": "unsigned int", "int": "int", "uhyper": "unsigned hyper", "hyper": "hyper",
                "bool": "bool", "opaque": "opaque", "string": "string", "void": "void"}
FIELD_HINTS = ("fh", "uaddr", "program", "hex", "names", "stateid", "bitmap")


class Module:
    def __init__(self, path):
        self.path = path
        self.stem = os.path.splitext(os.path.basename(path))[0]
        letters = re.sub(r"[^A-Za-z]", "", self.stem)
        self.swift = (self.stem.upper() if len(letters) <= 4 else self.stem.capitalize()) + "XDR"
        with open(path, encoding="utf-8") as f:
            p = Parser(f.read(), os.path.relpath(path, ROOT)).parse()
        self.consts, self.types, self.order, self.programs = p.consts, p.types, p.order, p.programs
        self.where = os.path.relpath(path, ROOT)

    def err(self, line, message):
        return XDRError(f"{self.where}:{line}: {message}")

    def value(self, e, line, seen=()):
        if isinstance(e, int):
            return e
        if isinstance(e, str):
            if e == "TRUE":
                return 1
            if e == "FALSE":
                return 0
            if e in seen:
                raise self.err(line, f"constant {e} is defined by itself")
            if e not in self.consts:
                raise self.err(line, f"unknown constant {e}")
            return self.value(self.consts[e], line, seen + (e,))
        op, a, b = e
        a, b = self.value(a, line, seen), self.value(b, line, seen)
        return a + b if op == "+" else a - b

    def typedef(self, name, line):
        if name not in self.types:
            raise self.err(line, f"unknown type {name}")
        return self.types[name]

    def type_text(self, base, form, size, line):
        text = BUILTIN_TEXT.get(base[1], base[1]) if base[0] == "builtin" else base[1]
        if form == "fixed":
            text += f"[{self.value(size, line)}]"
        elif form == "var":
            text += f"<{self.value(size, line) if size is not None else ''}>"
        elif form == "opt":
            text += "*"
        return text

    def base_shape(self, base, line):
        kind, name = base
        if kind == "builtin":
            if name in ("float", "double", "quadruple"):
                raise self.err(line, f"{name} is not supported (no RPC program here uses it)")
            return Shape(name)
        t = self.typedef(name, line)
        if "decode" in t.ann:
            return Shape("custom", fn=t.ann["decode"], type=t, hints=dict(t.ann))
        if t.kind == "typedef":
            d = t.decl
            s = self.shape(d.base, d.form, d.size, {}, d.line)
            s.hints = {**s.hints, **t.ann}
            return s
        if t.kind == "union" and "implicit" in t.ann:
            raise self.err(line, f"union {name} is @implicit (no discriminant on the wire): "
                                 f"use it through @xdr or @attrs")
        return Shape(t.kind, type=t, hints={k: v for k, v in t.ann.items() if k in FIELD_HINTS})

    def shape(self, base, form, size, ann, line):
        if base == ("builtin", "void") or form == "void":
            return Shape("void")
        if base[0] == "builtin" and base[1] in ("opaque", "string"):
            if form == "fixed" and base[1] == "opaque":
                s = Shape("fopaque", n=self.value(size, line))
            elif form == "var":
                s = Shape("vopaque" if base[1] == "opaque" else "string",
                          max=None if size is None else self.value(size, line))
            else:
                raise self.err(line, f"{base[1]} needs <n>" + (" or [n]" if base[1] == "opaque" else ""))
            s.hints = dict(ann)
            return s
        inner = self.base_shape(base, line)
        if form == "plain":
            inner.hints = {**inner.hints, **ann}
            return inner
        if form == "fixed":
            return Shape("farray", n=self.value(size, line), elem=inner, hints=dict(ann))
        if form == "var":
            return Shape("varray", max=None if size is None else self.value(size, line), elem=inner,
                         hints=dict(ann))
        if inner.kind == "struct" and self.list_next(inner.type) is not None:
            return Shape("list", type=inner.type, hints=dict(ann))
        return Shape("opt", elem=inner, hints=dict(ann))

    def decl_shape(self, d):
        for mode in ("xdr", "attrs"):
            if mode in d.ann:
                return self.body_shape(d, mode)
        return self.shape(d.base, d.form, d.size, d.ann, d.line)

    def body_shape(self, d, mode):
        """An opaque that holds XDR: @xdr(DISC UNION), the arm of @implicit UNION that the sibling
        DISC selects; @attrs(MASK UNION), the arms for each bit set in the sibling bitmap MASK."""
        words = (d.ann[mode] or "").split()
        if len(words) != 2:
            raise self.err(d.line, f"{d.name}: @{mode}(SIBLING UNION) needs two names")
        plain = self.shape(d.base, d.form, d.size, {}, d.line)
        if plain.kind != "vopaque":
            raise self.err(d.line, f"{d.name}: @{mode} needs an opaque<>")
        u = self.typedef(words[1], d.line)
        if u.kind != "union" or "implicit" not in u.ann:
            raise self.err(d.line, f"{d.name}: {words[1]} is not an @implicit union")
        return Shape("xdrbody", type=u, mode=mode, sibling=words[0], max=plain.max,
                     hints={k: v for k, v in d.ann.items() if k in FIELD_HINTS})

    def struct_of(self, base, line):
        """The struct a plain type name stands for, through typedefs; None if it is not one."""
        while base[0] == "named":
            t = self.typedef(base[1], line)
            if t.kind == "struct":
                return t
            if t.kind != "typedef" or t.decl.form != "plain":
                return None
            base = t.decl.base
        return None

    def list_next(self, t):
        """The member of struct t that points to the next t (a linked list), or None."""
        if not t.members:
            return None
        m = t.members[-1]
        if m.form == "opt" and self.struct_of(m.base, m.line) is t:
            return m
        if m.form == "plain" and m.base[0] == "named":
            td = self.typedef(m.base[1], m.line)
            if td.kind == "typedef" and td.decl.form == "opt" and self.struct_of(td.decl.base, td.line) is t:
                return m
        return None

    def proc_top(self, proc, reply):
        """(shape, name, type text) of a procedure's arguments (reply False) or results."""
        spec = proc.result if reply else proc.args[0]
        if not reply and len(proc.args) > 1:
            raise self.err(proc.line, f"{proc.name}: more than one argument is not supported")
        # RFC 1833 returns a bare `string`: an unbounded string<>
        form = "var" if spec == ("builtin", "string") else "plain"
        shape = self.shape(spec, form, None, {}, proc.line)
        # @res(NAME HINT...) names a bare result and gives it field hints (@res(r_addr uaddr))
        words = (proc.ann.get("res" if reply else "arg") or "").split()
        name = words[0] if words else spec[1] if spec[0] == "named" else ("result" if reply else "arg")
        for hint in words[1:]:
            if hint not in FIELD_HINTS:
                raise self.err(proc.line, f"{proc.name}: unknown hint {hint!r} ({', '.join(FIELD_HINTS)})")
            shape.hints = {**shape.hints, hint: None}
        return shape, name, self.type_text(spec, form, None, proc.line)


def display_name(proc):
    """NLMPROC4_LOCK -> LOCK, MOUNTPROC3_MNT -> MNT, SM_STAT -> STAT, unless @name says."""
    if "name" in proc.ann:
        return proc.ann["name"]
    m = re.match(r"^[A-Z0-9]*?PROC\d*_(.+)$", proc.name)
    if m:
        return m.group(1)
    return proc.name.split("_", 1)[1] if "_" in proc.name else proc.name

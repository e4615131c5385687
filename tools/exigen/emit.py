"""Emit one Python module per grammar set: enums, dataclasses, codec functions, tables."""

from __future__ import annotations

import keyword
import os
import re
from typing import Any

from tools.exigen.codegen import CodecEmitter
from tools.exigen.grammar import SE, GrammarBuilder, TypeGrammar
from tools.exigen.names import Registry
from tools.exigen.xsd import XS, ComplexType, ElementDecl, Group, SchemaSet, SimpleType

XML_NS = "http://www.w3.org/XML/1998/namespace"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_BUILTIN_NAMES = sorted([
    "ENTITIES", "ENTITY", "ID", "IDREF", "IDREFS", "NCName", "NMTOKEN", "NMTOKENS",
    "NOTATION", "Name", "QName", "anySimpleType", "anyType", "anyURI", "base64Binary",
    "boolean", "byte", "date", "dateTime", "decimal", "double", "duration", "float",
    "gDay", "gMonth", "gMonthDay", "gYear", "gYearMonth", "hexBinary", "int", "integer",
    "language", "long", "negativeInteger", "nonNegativeInteger", "nonPositiveInteger",
    "normalizedString", "positiveInteger", "short", "string", "time", "token",
    "unsignedByte", "unsignedInt", "unsignedLong", "unsignedShort",
])


#: the tables a grammar module provides (evcc.exi._grammar.GrammarModule), public so that
#: the module is checked against that protocol
TABLES = ("GRAMMAR", "DOC_WIDTH", "DOC", "FRAG_WIDTH", "FRAG", "FRAG_ATTRS", "GLOBALS",
          "DOC_INDEX", "FRAG_INDEX", "TYPES", "ELEMENT_SPECS", "ELEMENT_OF_CLASS",
          "ELEMENT_OF_TYPE", "CLASSES", "MESSAGE_TYPES", "URIS", "LOCAL_NAMES", "META",
          "META_OF_TYPE", "MODEL")


def width(n: int) -> int:
    return (n - 1).bit_length() if n > 1 else 0


def _ident(value: str) -> str:
    s = re.sub(r"[^0-9a-zA-Z_]", "_", value)
    if not s or s[0].isdigit():
        s = "V_" + s
    if s in ("mro", "name", "value") or keyword.iskeyword(s):
        s += "_"
    return s



def _compact(line: str) -> str:
    """One space per indentation level in the codec functions (a third of their size
    was indentation); the message classes keep four."""
    body = line.lstrip(" ")
    k = len(line) - len(body)
    return " " * (k // 4) + body if k % 4 == 0 else line

class Emitter(CodecEmitter):
    def __init__(self, gid: str, root: str, base: str) -> None:
        self.gid = gid
        self.root = root
        self.base = base
        self.schema = SchemaSet(os.path.join(base, root))
        self.builder = GrammarBuilder(self.schema)
        self.names: set[str] = set()
        self.cseen: set[int] = set()
        self.sowner: dict[int, str] = {}
        self.ctypes: list[ComplexType] = []
        self.cindex: dict[int, int] = {}
        self.cname: dict[int, str] = {}
        self.stypes: list[SimpleType] = []
        self.sindex: dict[int, int] = {}
        self.enum_name: dict[int, str] = {}
        self.grammars: dict[int, TypeGrammar] = {}
        self.wrappers: dict[int, TypeGrammar] = {}
        self._collect()

    # ---------------------------------------------------------------- collection
    def _unique(self, base: str, ns: str) -> str:
        name = base[:1].upper() + base[1:]
        name = _ident(name)
        if name in self.names:
            tag = _ident(ns.rsplit(":", 1)[-1].rsplit("/", 1)[-1].rsplit("#", 1)[0] or "x")
            cand = f"{name}_{tag}"
            k = 2
            while cand in self.names:
                cand = f"{name}_{tag}{k}"
                k += 1
            name = cand
        self.names.add(name)
        return name

    def _add_simple(self, st: SimpleType, ns: str) -> None:
        if id(st) in self.sowner:
            return
        self.sowner[id(st)] = st.qname[0] if st.qname else ns
        self.stypes.append(st)

    def _add_complex(self, ct: ComplexType) -> None:
        if id(ct) in self.cseen:
            return
        self.cseen.add(id(ct))
        self.ctypes.append(ct)
        for a in ct.attrs:
            self._add_simple(a.type, ct.ns)
        if ct.simple is not None:
            self._add_simple(ct.simple, ct.ns)

    def _collect(self) -> None:
        sch = self.schema
        decls = list(sch.all_elements)
        for d in decls:
            assert d.type is not None
            if isinstance(d.type, ComplexType):
                self._add_complex(d.type)
            else:
                self._add_simple(d.type, d.qname[0])
        for qn in sorted(sch.types):
            t = sch.types[qn]
            if isinstance(t, ComplexType):
                self._add_complex(t)
            else:
                self._add_simple(t, qn[0])
        for ct in self.ctypes:
            self.grammars[id(ct)] = self.builder.build(ct)
        for st in self.stypes:
            wrap = ComplexType(qname=None, simple=st, resolved=True, name_hint="wrap")
            self.wrappers[id(st)] = self.builder.build(wrap)

    def apply_names(self, reg: Registry) -> None:
        """Indices and class names from the registry shared by all grammar sets: a schema
        type has one index and one class name in every module that uses it."""
        every = list(self.stypes)
        first: dict[int, SimpleType] = {}
        for st in every:
            self.sindex[id(st)] = i = reg.simple(st, self.sowner[id(st)])
            first.setdefault(i, st)
        self.stypes = list(first.values())  # equal anonymous types share one codec
        for ct in self.ctypes:
            self.cindex[id(ct)] = reg.complex(ct)
        if len({self.cindex[id(ct)] for ct in self.ctypes}) != len(self.ctypes):
            raise ValueError(f"two complex types with one key in grammar set {self.gid}")
        # names fixed by an earlier grammar set first, then new ones (enums before classes)
        for st in self.stypes:
            name = reg.names.get(("s", self.sindex[id(st)]))
            if st.enum and name is not None:
                self._claim(name)
                self.enum_name[id(st)] = name
        for ct in self.ctypes:
            name = reg.names.get(("c", self.cindex[id(ct)]))
            if name is not None:
                self._claim(name)
                self.cname[id(ct)] = name
        for st in self.stypes:
            if st.enum and id(st) not in self.enum_name:
                base = st.qname[1] if st.qname else "Enum"
                name = self._unique(base, st.qname[0] if st.qname else "")
                self.enum_name[id(st)] = reg.names[("s", self.sindex[id(st)])] = name
        for ct in self.ctypes:
            if id(ct) not in self.cname:
                name = self._unique(ct.name_hint or "Anon", ct.ns)
                self.cname[id(ct)] = reg.names[("c", self.cindex[id(ct)])] = name
        for st in every:
            if st.enum:
                self.enum_name[id(st)] = self.enum_name[id(first[self.sindex[id(st)]])]

    def _claim(self, name: str) -> None:
        if name in self.names:
            raise ValueError(f"class name {name} is used twice in grammar set {self.gid}")
        self.names.add(name)

    # ---------------------------------------------------------------- values
    def simple_kind(self, st: SimpleType) -> str:
        if st.enum:
            return "enum"
        if st.kind == "integer":
            lo, hi = st.min, st.max
            if lo is not None and hi is not None and hi - lo + 1 <= 4096:
                return "nbit"
            if lo is not None and lo >= 0:
                return "uint"
            return "int"
        if st.kind in ("string", "boolean", "hexBinary", "base64Binary"):
            return st.kind
        raise ValueError(f"unsupported simple type kind {st.kind}")

    def dec_expr(self, st: SimpleType) -> str:
        k = self.simple_kind(st)
        if k == "enum":
            assert st.enum is not None
            return f"_V{self.sindex[id(st)]}[r.bits({width(len(st.enum))})]"
        if k == "nbit":
            assert st.min is not None and st.max is not None
            w = width(st.max - st.min + 1)
            if w == 0:
                return str(st.min)
            return f"r.bits({w}) + {st.min}" if st.min else f"r.bits({w})"
        if k == "uint":
            return "r.uint()"
        if k == "int":
            return "r.integer()"
        if k == "boolean":
            return "r.bits(1) == 1"
        if k in ("hexBinary", "base64Binary"):
            return "r.binary()"
        return "r.string()"

    def empty_value(self, st: SimpleType) -> str:
        return 'b""' if st.kind in ("hexBinary", "base64Binary") else '""'

    def py_type(self, st: SimpleType) -> str:
        if st.enum:
            return self.enum_name[id(st)]
        return {"integer": "int", "boolean": "bool", "hexBinary": "bytes",
                "base64Binary": "bytes"}.get(st.kind, "str")

    def xml_spec(self, st: SimpleType) -> str:
        if st.enum:
            return "enum:" + self.enum_name[id(st)]
        return {"integer": "int", "boolean": "bool", "hexBinary": "hex",
                "base64Binary": "b64"}.get(st.kind, "str")

    def emit_simple_encoder(self, out: list[str], st: SimpleType) -> None:
        i = self.sindex[id(st)]
        label = st.qname[1] if st.qname else f"simple type {i}"
        out.append(f"def _s{i}(w: Writer, v: Any) -> None:")
        k = self.simple_kind(st)
        if k == "enum":
            assert st.enum is not None
            out.append(f"    k = _I{i}.get(v)")
            out.append("    if k is None:")
            out.append(f"        raise _err({label!r}, f\"{{v!r}} is not an enumeration value\")")
            wd = width(len(st.enum))
            if wd:
                out.append(f"    w.bits(k, {wd})")
        elif k == "nbit":
            assert st.min is not None and st.max is not None
            wd = width(st.max - st.min + 1)
            out.append(f"    v = _ci(v, {st.min}, {st.max}, {label!r})")
            if wd:
                out.append(f"    w.bits(v - {st.min}, {wd})" if st.min else f"    w.bits(v, {wd})")
        elif k in ("uint", "int"):
            out.append(f"    v = _ci(v, {st.min}, {st.max}, {label!r})")
            out.append("    w.uint(v)" if k == "uint" else "    w.integer(v)")
        elif k == "boolean":
            out.append(f"    w.bits(1 if _cbool(v, {label!r}) else 0, 1)")
        elif k in ("hexBinary", "base64Binary"):
            out.append("    if type(v) is not bytes:")
            out.append(f"        v = _cb(v, {label!r})")
            if st.length is not None or st.min_length is not None or st.max_length is not None:
                out.append("    if w.validate:")
                out.append(f"        _cl(len(v), {st.length}, {st.min_length}, {st.max_length}, "
                           f"{label!r})")
            out.append("    n = len(v)")
            out.append("    if n < 128:")
            out.append("        w.a = (((w.a << 8) | n) << (8 * n)) | int.from_bytes(v, 'big')")
            out.append("    else:")
            out.append("        w.binary(v)")
        else:
            out.append("    if type(v) is not str:")
            out.append(f"        v = _cs(v, {label!r})")
            if st.length is not None or st.min_length is not None or st.max_length is not None:
                out.append("    if w.validate:")
                out.append(f"        _cl(len(v), {st.length}, {st.min_length}, {st.max_length}, "
                           f"{label!r})")
            out.append("    n = len(v)")
            out.append("    if n < 126 and v.isascii():")
            out.append("        w.a = (((w.a << 8) | (n + 2)) << (8 * n)) | int.from_bytes("
                       "v.encode('ascii'), 'big')")
            out.append("    else:")
            out.append("        w.string(v)")
        out.append("")
        out.append("")

    # ---------------------------------------------------------------- decoders
    def dec_call(self, d: ElementDecl) -> str:
        t = d.type
        if isinstance(t, ComplexType):
            return f"_d{self.cindex[id(t)]}(r)"
        assert isinstance(t, SimpleType)
        return f"_dw{self.sindex[id(t)]}(r)"

    def render(self) -> str:
        self._subst_tables: dict[Any, str] = {}
        self._dispatch: dict[tuple[str, ...], str] = {}
        self._late: list[str] = []
        self._irregular_names: dict[str, dict[int, str]] = {}
        sch = self.schema
        out: list[str] = []
        hashes = sch.file_hashes(self.base)
        out.append(f'"""EXI grammar set {self.gid!r} (generated by tools.exigen; do not edit).')
        out.append("")
        out.append(f"Root schema: {self.root}")
        out.append("Schema files (SHA-256):")
        for path, digest in hashes:
            out.append(f"    {path}  {digest}")
        out.append('"""')
        out.append("# ruff: noqa")
        out.append("")
        out.append("from __future__ import annotations")
        out.append("")
        out.append("import enum")
        out.append("from dataclasses import dataclass")
        out.append("from typing import TYPE_CHECKING, Any")
        out.append("")
        out.append("from evcc.exi._bits import _BYTE_MASKS as _BM")
        out.append("from evcc.exi._nodes import Named as _Named")
        out.append("from evcc.exi._bits import Reader, Writer")
        out.append("from evcc.exi._wildcards import any_element as _any")
        out.append("from evcc.exi._bits import more as _more")
        out.append("from evcc.exi._facets import stuck as _stuck")
        out.append("from evcc.exi._facets import check_bin as _cb")
        out.append("from evcc.exi._facets import check_bool as _cbool")
        out.append("from evcc.exi._facets import check_int as _ci")
        out.append("from evcc.exi._facets import check_len as _cl")
        out.append("from evcc.exi._facets import check_str as _cs")
        out.append("from evcc.exi._deviations import deviation as _dv")
        out.append("from evcc.exi._facets import enc_error as _err")
        out.append("from evcc.exi._qnames import read_qname as _rq")
        out.append("from evcc.exi._facets import unexpected as _unexpected")
        out.append("")
        out.append("_new: Any = object.__new__")
        out.append("")
        out.append(f"GRAMMAR = {self.gid!r}")
        out.append("")
        # enums
        for st in self.stypes:
            if not st.enum:
                continue
            name = self.enum_name[id(st)]
            i = self.sindex[id(st)]
            out.append("")
            out.append(f"class {name}(str, enum.Enum):")
            desc = f"{{{st.qname[0]}}}{st.qname[1]}" if st.qname else "(anonymous)"
            out.append(f'    """Enumeration {desc}."""')
            out.append("")
            used: set[str] = set()
            for v in st.enum:
                m = _ident(v)
                while m in used:
                    m += "_"
                used.add(m)
                out.append(f"    {m} = {v!r}")
            out.append("")
            out.append("")
            out.append(f"_V{i} = tuple({name})")
            out.append(f"_I{i}: dict[Any, int] = {{m.value: k for k, m in enumerate({name})}}")
        out.append("")
        # dataclasses
        for ct in self.ctypes:
            tg = self.grammars[id(ct)]
            name = self.cname[id(ct)]
            out.append("")
            self._emit_class(out, ct, tg, name)
        out.append("")
        codec_start = len(out)
        # simple encoders
        for st in self.stypes:
            self.emit_simple_encoder(out, st)
        # wrappers and types
        for st in self.stypes:
            self.emit_decoder(out, self.wrappers[id(st)], f"_dw{self.sindex[id(st)]}", "value")
            self.emit_wrapper_encoder(out, st)
        for ct in self.ctypes:
            tg = self.grammars[id(ct)]
            i = self.cindex[id(ct)]
            self.emit_decoder(out, tg, f"_d{i}", self.cname[id(ct)])
            self.emit_encoder(out, tg, f"_e{i}", self.cname[id(ct)])
        out.extend(self._late)
        out[codec_start:] = [_compact(line) for line in out[codec_start:]]
        out.append("")
        self._emit_tables(out)
        public = sorted(set(self.enum_name.values())) + sorted(self.cname.values())
        self._emit_class_tables(out, public)
        out.append("")
        out.append("__all__ = [")
        for name in public + list(TABLES):
            out.append(f"    {name!r},")
        out.append("]")
        return "\n".join(out) + "\n"

    def _emit_class_tables(self, out: list[str], public: list[str]) -> None:
        """Classes by name, root elements by class, and the document roots of the root
        schema (the messages) as a tuple and, for type checkers, a union ``Message``."""
        out.append("CLASSES: dict[str, type] = {")
        out += [f"    {n!r}: {n}," for n in public]
        out.append("}")
        out.append("ELEMENT_OF_TYPE: dict[type, tuple[str, str]] = {")
        out.append("    CLASSES[c]: q for c, q in ELEMENT_OF_CLASS.items()}")
        out.append("META_OF_TYPE: dict[type, tuple[Any, ...]] = {")
        out.append("    CLASSES[c]: m for c, m in META.items()}")
        tns = next(d.tns for d in self.schema.docs
                   if os.path.normpath(d.path).endswith(os.path.normpath(self.root)))
        owners: dict[str, set[tuple[str, str]]] = {}
        for d in self.schema.all_elements:
            if isinstance(d.type, ComplexType):
                owners.setdefault(self.cname[id(d.type)], set()).add(d.qname)
        roots = sorted({self.cname[id(d.type)] for d in self.schema.elements.values()
                        if d.qname[0] == tns and isinstance(d.type, ComplexType)
                        and not d.abstract and len(owners[self.cname[id(d.type)]]) == 1})
        out.append(f"MESSAGE_TYPES: tuple[type, ...] = ({''.join(r + ', ' for r in roots)})")
        out.append("if TYPE_CHECKING:")
        out.append("    from typing import TypeAlias")
        out.append("")
        out.append(f"    Message: TypeAlias = {' | '.join(roots)}")

    def _emit_class(self, out: list[str], ct: ComplexType, tg: TypeGrammar, name: str) -> None:
        """A slots dataclass whose methods are spelled out (cheap to create at import)."""
        out.append("@dataclass(init=False, repr=False, eq=False, match_args=False)")
        out.append(f"class {name}:")
        desc = (f"{{{ct.qname[0]}}}{ct.qname[1]}" if ct.qname
                else f"{{{ct.ns}}}{ct.name_hint} (anonymous type of the element)")
        out.append(f'    """Complex type {desc}."""')
        out.append("")
        names = [f.name for f in tg.fields]
        slots = "".join(f"{n!r}, " for n in names).rstrip(", ")
        out.append(f"    __slots__ = ({slots}{',' if len(names) == 1 else ''})")
        if names:
            out.append("")
        params = []
        body = []
        for f in tg.fields:
            ann = self._field_type(f, ct)
            if ann.endswith(" = field(default_factory=list)"):
                ann = ann[: -len(" = field(default_factory=list)")]
                out.append(f"    {f.name}: {ann}")
                params.append(f"{f.name}: {ann} | None = None")
                body.append(f"        self.{f.name} = [] if {f.name} is None else {f.name}")
            elif ann.endswith(" = None"):
                out.append(f"    {f.name}: {ann[:-7]}")
                params.append(f"{f.name}: {ann}")
                body.append(f"        self.{f.name} = {f.name}")
            else:
                out.append(f"    {f.name}: {ann}")
                params.append(f"{f.name}: {ann}")
                body.append(f"        self.{f.name} = {f.name}")
        out.append("")
        if params:
            out.append(f"    def __init__(self, *, {', '.join(params)}) -> None:")
            out.extend(body)
        else:
            out.append("    def __init__(self) -> None:")
            out.append("        pass")
        out.append("")
        out.append("    def __repr__(self) -> str:")
        inner = ", ".join(f"{n}={{self.{n}!r}}" for n in names)
        out.append(f'        return f"{name}({inner})"')
        out.append("")
        out.append("    def __eq__(self, other: object) -> bool:")
        out.append(f"        if not isinstance(other, {name}) or other.__class__ is not "
                   "self.__class__:")
        out.append("            return NotImplemented")
        mine = ", ".join(f"self.{n}" for n in names)
        theirs = ", ".join(f"other.{n}" for n in names)
        comma = "," if len(names) == 1 else ""
        out.append(f"        return ({mine}{comma}) == ({theirs}{comma})")
        out.append("")

    def _field_type(self, f: Any, ct: ComplexType) -> str:
        if f.kind == "content":
            return "list[Any] = field(default_factory=list)"
        if f.kind == "value":
            assert ct.simple is not None
            return self.py_type(ct.simple)
        if f.kind == "attr":
            t = self.py_type(f.attr.type)
        else:
            types = set()
            for d in f.decls:
                if isinstance(d.type, ComplexType):
                    if not d.type.abstract:
                        types.add(self.cname[id(d.type)])
                else:
                    types.add(self.py_type(d.type))
            t = " | ".join(sorted(types)) if types else "Any"
            if len(f.decls) > 1:
                t = "Any"
        if f.kind == "elem" and f.is_list:
            return f"list[{t}] = field(default_factory=list)"
        if not f.required:
            return f"{t} | None = None"
        return t

    def _emit_tables(self, out: list[str]) -> None:
        sch = self.schema
        globals_ = sorted(sch.elements.values(), key=lambda d: (d.qname[1], d.qname[0]))
        out.append(f"DOC_WIDTH = {width(len(globals_) + 1)}")
        out.append("DOC: tuple[Any, ...] = (")
        for d in globals_:
            out.append(f"    ({d.qname!r}, {self.dec_call(d)[:-3]}, {self.enc_fn(d)}),")
        out.append(")")
        byqn: dict[tuple[str, str], list[ElementDecl]] = {}
        for d in sch.all_elements:
            byqn.setdefault(d.qname, []).append(d)
        frag = sorted(byqn, key=lambda q: (q[1], q[0]))
        out.append(f"FRAG_WIDTH = {width(len(frag) + 2)}")
        out.append("FRAG: tuple[Any, ...] = (")
        for qn in frag:
            decls = byqn[qn]
            if len({id(d.type) for d in decls}) > 1:
                out.append(f"    ({qn!r}, None, None),")
                continue
            d = decls[0]
            out.append(f"    ({qn!r}, {self.dec_call(d)[:-3]}, {self.enc_fn(d)}),")
        out.append(")")
        # relaxed element fragment grammar (EXI 8.5.3): every attribute qname of the set
        attr_types: dict[tuple[str, str], set[int]] = {}
        attr_st: dict[tuple[str, str], SimpleType] = {}
        for ct in self.ctypes:
            for a in ct.attrs:
                attr_types.setdefault(a.qname, set()).add(id(a.type))
                attr_st[a.qname] = a.type
        out.append("FRAG_ATTRS: tuple[Any, ...] = (")
        for qn in sorted(attr_types, key=lambda q: (q[1], q[0])):
            if len(attr_types[qn]) == 1:
                st = attr_st[qn]
                out.append(f"    ({qn!r}, lambda r: {self.dec_expr(st)}, _s{self.sindex[id(st)]}),")
            else:
                out.append(f"    ({qn!r}, None, None),")
        out.append(")")
        out.append("GLOBALS: dict[Any, Any] = {q: d for q, d, _ in DOC}")
        out.append("DOC_INDEX: dict[Any, int] = {row[0]: i for i, row in enumerate(DOC)}")
        out.append("FRAG_INDEX: dict[Any, int] = {row[0]: i for i, row in enumerate(FRAG)}")
        out.append("TYPES: dict[Any, Any] = {")
        for qn in sorted(sch.types):
            t = sch.types[qn]
            if isinstance(t, ComplexType):
                out.append(f"    {qn!r}: _d{self.cindex[id(t)]},")
            elif qn[0] != XS:
                out.append(f"    {qn!r}: _dw{self.sindex[id(t)]},")
        out.append("}")
        # class -> element (unique declarations only)
        owners: dict[str, set[tuple[str, str]]] = {}
        for d in sch.all_elements:
            if isinstance(d.type, ComplexType):
                owners.setdefault(self.cname[id(d.type)], set()).add(d.qname)
        uniq = {c: sorted(q)[0] for c, q in sorted(owners.items()) if len(q) == 1}
        out.append("ELEMENT_SPECS: dict[Any, Any] = {")
        for qn in frag:
            decls = byqn[qn]
            spec = None if len({id(d.type) for d in decls}) > 1 else self._decl_spec(decls[0])
            out.append(f"    {qn!r}: {spec!r},")
        out.append("}")
        out.append("ELEMENT_OF_CLASS: dict[str, tuple[str, str]] = {")
        for c, q in uniq.items():
            out.append(f"    {c!r}: {q!r},")
        out.append("}")
        # string tables
        uris = ["", XML_NS, XSI_NS, XS]
        ns_set = sorted({d.qname[0] for d in sch.all_elements if d.qname[0]}
                        | {q[0] for q in sch.types if q[0] and q[0] != XS}
                        | {q[0] for q in sch.attributes_seen if q[0]})
        uris += [u for u in ns_set if u not in uris]
        local: dict[str, set[str]] = {u: set() for u in uris}
        local[XML_NS] = {"base", "id", "lang", "space"}
        local[XSI_NS] = {"nil", "type"}
        local[XS] = set(XSD_BUILTIN_NAMES)
        for d in sch.all_elements:
            local[d.qname[0]].add(d.qname[1])
        for q in sch.types:
            if q[0] != XS:
                local[q[0]].add(q[1])
        for q in sch.attributes_seen:
            local[q[0]].add(q[1])
        out.append(f"URIS: tuple[str, ...] = {tuple(uris)!r}")
        out.append("LOCAL_NAMES: tuple[tuple[str, ...], ...] = (")
        for u in uris:
            out.append(f"    {tuple(sorted(local[u]))!r},")
        out.append(")")
        self._emit_meta(out)
        self._emit_model(out)

    def _fragment_decl(self, decls: list[ElementDecl]) -> ElementDecl:
        types = {id(d.type) for d in decls}
        if len(types) == 1:
            return decls[0]
        for d in decls:
            if isinstance(d.type, ComplexType):
                return d
        return decls[0]

    def _emit_meta(self, out: list[str]) -> None:
        """Per class: (field, kind, qname, is_list, spec) for the XML mapping."""
        out.append("META: dict[str, tuple[Any, ...]] = {")
        for ct in self.ctypes:
            tg = self.grammars[id(ct)]
            name = self.cname[id(ct)]
            rows: list[str] = []
            for f in tg.fields:
                if f.kind == "attr":
                    assert f.attr is not None
                    spec: Any = self.xml_spec(f.attr.type)
                    rows.append(f"({f.name!r}, 'attr', {f.qname!r}, False, {spec!r})")
                elif f.kind == "value":
                    assert ct.simple is not None
                    rows.append(f"({f.name!r}, 'value', None, False, "
                                f"{self.xml_spec(ct.simple)!r})")
                elif f.kind == "elem":
                    spec = {d.qname: self._decl_spec(d) for d in f.decls}
                    rows.append(f"({f.name!r}, 'elem', {f.qname!r}, {f.is_list}, {spec!r})")
                else:
                    spec = {}
                    for st in tg.states:
                        for p in st.prods:
                            if p.kind == SE and p.decl is not None:
                                spec[p.decl.qname] = self._decl_spec(p.decl)
                    rows.append(f"({f.name!r}, 'content', None, True, {spec!r})")
            out.append(f"    {name!r}: (" + "".join(r + ", " for r in rows) + "),")
        out.append("}")

    def _simple_facets(self, st: SimpleType) -> tuple[Any, ...]:
        return (self.simple_kind(st), st.min, st.max, st.length, st.min_length, st.max_length,
                self.enum_name.get(id(st)))

    def _emit_model(self, out: list[str]) -> None:
        """Content models for generating valid instances (property tests, tooling).

        Per class: (attributes, content, value). Attributes: (field, required, facets).
        Content: ("seq"|"choice", min, max, children) / ("el", field, min, max, members) /
        ("any", min, max); members are ("c", class) or ("s", facets) with their qname.
        Facets: (kind, min, max, length, minLength, maxLength, enum class).
        """
        out.append("MODEL: dict[str, tuple[Any, ...]] = {")
        for ct in self.ctypes:
            tg = self.grammars[id(ct)]
            attrs = tuple((f.name, f.required, self._simple_facets(f.attr.type))
                          for f in tg.fields if f.kind == "attr" and f.attr is not None)
            elem_fields = [f.name for f in tg.fields if f.kind == "elem"]
            counter = [0]

            def walk(p: Any, elem_fields: list[str] = elem_fields,
                     counter: list[int] = counter, irregular: bool = tg.irregular) -> Any:
                t = p.term
                if isinstance(t, ElementDecl):
                    name = "content" if irregular else elem_fields[counter[0]]
                    counter[0] += 1
                    members: list[tuple[Any, ...]] = []
                    cands = self.schema.substitutes(t) if t.is_global else [t]
                    for d in cands:
                        if d.abstract or (isinstance(d.type, ComplexType) and d.type.abstract):
                            continue
                        if isinstance(d.type, ComplexType):
                            members.append(("c", self.cname[id(d.type)], d.qname))
                        else:
                            assert isinstance(d.type, SimpleType)
                            members.append(("s", self._simple_facets(d.type), d.qname))
                    return ("el", name, p.min, p.max, tuple(members))
                if isinstance(t, Group):
                    return (t.kind[:3] if t.kind == "sequence" else t.kind, p.min, p.max,
                            tuple(walk(c) for c in t.particles))
                return ("any", p.min, p.max)

            content = walk(ct.content) if ct.content is not None else None
            value = self._simple_facets(ct.simple) if ct.simple is not None else None
            out.append(f"    {self.cname[id(ct)]!r}: ({attrs!r}, {content!r}, {value!r}),")
        out.append("}")

    def _decl_spec(self, d: ElementDecl) -> str:
        if isinstance(d.type, ComplexType):
            return "class:" + self.cname[id(d.type)]
        assert isinstance(d.type, SimpleType)
        return self.xml_spec(d.type)

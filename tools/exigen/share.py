"""Move what grammar modules have in common into one module per shared schema.

Every grammar module is first rendered on its own, with names that are the same in every
module (type indices from :class:`tools.exigen.names.Registry`, content-named tables). Its
definitions (classes, enumerations, codec functions, small tables) are then compared across
modules: a definition of a type from a shared schema (xmldsig, -20 CommonTypes) that is
byte-identical wherever it occurs, and that uses only definitions which move too, is emitted
once in that schema's module and imported by the grammar modules. Classes and enumerations
always move (one class per schema type); the generator fails if one of them cannot.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from tools.exigen.emit import Emitter
from tools.exigen.names import Registry

#: namespace of a schema used by several grammar sets -> module of its types, in import order
TYPE_MODULES: dict[str, str] = {
    "http://www.w3.org/2000/09/xmldsig#": "xmldsig_types",
    "urn:iso:std:iso:15118:-20:CommonTypes": "iso20_common_types",
}
XS = "http://www.w3.org/2001/XMLSchema"
_ORDER = {m: i for i, m in enumerate(TYPE_MODULES.values())}
_INDEXED = re.compile(r"_(d|e|FN|K|s|dw|ew|V|I)(\d+)")
_KIND = {"d": "c", "e": "c", "FN": "c", "K": "c", "s": "s", "dw": "s", "ew": "s", "V": "s",
         "I": "s"}
_DEF = re.compile(r"(?:def|class)\s+(\w+)|(\w+)\s*[:=]")
_WORD = re.compile(r"\b[A-Za-z_]\w*\b")
_BEGIN = "\nGRAMMAR = "
_END = "\nDOC_WIDTH = "


@dataclass
class _Module:
    head: str  # docstring, imports, constants up to and including the GRAMMAR line
    chunks: dict[str, str]  # name -> definition text, in module order
    tail: str  # the tables
    owner: dict[str, str | None] = field(default_factory=dict)


def _split(text: str) -> _Module:
    a = text.index("\n", text.index(_BEGIN) + 1) + 1
    b = text.index(_END) + 1
    chunks: dict[str, list[str]] = {}
    name = ""
    pending: list[str] = []
    for line in text[a:b].split("\n"):
        starts = bool(line) and not line[0].isspace() and line[0] not in ")]}"
        if starts and line.startswith("@"):
            pending.append(line)
            continue
        if starts:
            m = _DEF.match(line)
            if m is None:
                raise ValueError(f"cannot name the definition {line[:60]!r}")
            name = m[1] or m[2]
            if name in chunks:
                raise ValueError(f"{name} is defined twice")
            chunks[name] = [*pending, line]
            pending = []
        elif name:
            chunks[name].append(line)
    return _Module(text[:a], {k: "\n".join(v).rstrip("\n") for k, v in chunks.items()},
                   text[b:])


def _owners(mod: _Module, em: Emitter, reg: Registry) -> None:
    by_class = {em.cname[k]: ("c", em.cindex[k]) for k in em.cname}
    by_class.update({em.enum_name[k]: ("s", em.sindex[k]) for k in em.enum_name})
    for name in mod.chunks:
        m = _INDEXED.fullmatch(name)
        key = (_KIND[m[1]], int(m[2])) if m else by_class.get(name)
        mod.owner[name] = reg.owner[key] if key is not None else None


def _rank(text: str) -> int:
    """Definition order inside a shared module: classes before the tables built from them,
    tables of functions after the functions."""
    if "(str, enum.Enum)" in text.split("\n", 1)[0]:
        return 0
    if text.startswith(("@", "class ")):
        return 1
    if text.startswith("def "):
        return 3
    return 2 if re.match(r"_[VI]\d", text) else 4


def share(modules: dict[str, str], emitters: dict[str, Emitter], reg: Registry,
          headers: dict[str, str]) -> dict[str, str]:
    """Grammar module texts with shared definitions moved out, plus the shared modules."""
    mods = {name: _split(text) for name, text in modules.items()}
    for name, mod in mods.items():
        _owners(mod, emitters[name], reg)
    names = sorted({n for mod in mods.values() for n in mod.chunks})
    refs: dict[str, set[str]] = {}
    home: dict[str, str] = {}
    text: dict[str, str] = {}  # the shared definition of each candidate
    where: dict[str, list[_Module]] = {}
    derived: list[str] = []
    for n in names:
        by_owner: dict[str | None, list[_Module]] = {}
        for mod in mods.values():
            if n in mod.chunks:
                by_owner.setdefault(mod.owner[n], []).append(mod)
        for owner, mods_n in by_owner.items():
            if (owner not in (None, XS) and owner not in TYPE_MODULES) or \
                    len({mod.chunks[n] for mod in mods_n}) != 1:
                continue
            where[n] = mods_n
            text[n] = mods_n[0].chunks[n]
            refs[n] = set(_WORD.findall(text[n])) & set(names) - {n}
            if owner is None or owner == XS:
                derived.append(n)
            else:
                home[n] = TYPE_MODULES[owner]
    owned = dict(home)
    users: dict[str, list[str]] = {d: [n for n in refs if d in refs[n]] for d in derived}

    def fails(n: str, r: str) -> bool:
        return (r not in home or _ORDER[home[r]] > _ORDER[home[n]]
                or any(mod.chunks.get(r) != text[r] for mod in where[n]))

    changed = True
    while changed:  # move a definition only with everything it uses
        changed = False
        home = dict(owned)
        grow = True
        while grow:  # a definition of no schema (a table, a built-in type) goes with its users
            grow = False
            for d in derived:
                us = [home[u] for u in users[d] if u in home]
                m = min(us, key=lambda x: _ORDER[x]) if us else None
                if m is not None and home.get(d) != m:
                    home[d] = m
                    grow = True
        for n in list(home):
            if any(fails(n, r) for r in refs[n]):
                if n in owned:
                    del owned[n]
                else:
                    derived.remove(n)
                changed = True
    for mod in mods.values():
        for n, owner in mod.owner.items():
            if owner in TYPE_MODULES and n[0] != "_" and n not in home:
                raise ValueError(f"class {n} of {owner} differs between grammar sets")
    out: dict[str, str] = {}
    head = next(iter(mods.values())).head
    imports = head[head.index("# ruff: noqa"):head.index("\n_new: Any") + 1]
    for tmod in TYPE_MODULES.values():
        mine = [n for n in names if home.get(n) == tmod]
        first: dict[str, tuple[int, int]] = {}
        for gi, mod in enumerate(mods.values()):
            for pos, n in enumerate(mod.chunks):
                first.setdefault(n, (gi, pos))
        mine.sort(key=lambda n: (_rank(text[n]), first[n]))
        public = sorted(n for n in mine if n[0] != "_")
        parts = [headers[tmod] + imports, *_imports(mine, refs, home, tmod)]
        parts.append("_new: Any = object.__new__\n\n")
        parts += [text[n] + "\n\n" for n in mine]
        parts.append("__all__ = [\n" + "".join(f"    {n!r},\n" for n in public) + "]\n")
        out[tmod + ".py"] = "\n".join(parts)
    for name, mod in mods.items():
        moved = [n for n in mod.chunks if n in home and mod.chunks[n] == text[n]]
        # a module that uses no type of a shared schema keeps its own copies of tables and
        # built-in type codecs rather than importing that schema's module
        uses = {home[n] for n in moved if n in owned}
        moved = [n for n in moved if home[n] in uses]
        keep = [mod.chunks[n] + "\n\n" for n in mod.chunks if n not in moved]
        head = mod.head.replace("\n_new: Any", "".join(_imports(moved, None, home, None))
                                + "\n_new: Any", 1)
        out[name + ".py"] = head + "\n" + "\n".join(keep) + "\n" + mod.tail
    return out


def _imports(names: list[str], refs: dict[str, set[str]] | None, home: dict[str, str],
             me: str | None) -> list[str]:
    """``from`` lines for the shared definitions that ``names`` need (refs given) or are."""
    need: dict[str, set[str]] = {}
    for n in names:
        for r in (refs[n] if refs is not None else {n}):
            if home.get(r) is not None and home[r] != me:
                need.setdefault(home[r], set()).add(r)
    lines = []
    for tmod in sorted(need, key=lambda m: _ORDER[m]):
        body = ", ".join(sorted(need[tmod]))
        wrapped = textwrap.fill(body, 96, initial_indent="    ", subsequent_indent="    ")
        lines.append(f"from evcc.exi._generated.{tmod} import (\n{wrapped},\n)\n")
    return lines

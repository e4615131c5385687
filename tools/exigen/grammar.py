"""EXI 1.0 schema-informed type grammars (EXI section 8.5.4), built per complex type.

Content models are turned into a Thompson automaton, then into deterministic states by
subset construction. Every state carries its first-level productions in EXI event-code
order and its kind (0 = start tag, 1 = still inside the attributes, 2 = content), which
decides the non-strict second level.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from tools.exigen.xsd import (
    AttrUse,
    ComplexType,
    ElementDecl,
    Group,
    Particle,
    SchemaSet,
    Wildcard,
)

# production kinds in code order (EXI 8.5.4.3)
AT, ATW, SE, SEW, EE, CH = 0, 2, 3, 5, 6, 7


@dataclass
class Field:
    name: str  # snake_case, unique in the type
    qname: tuple[str, str] | None  # element or attribute qname; None for value/content
    kind: str  # "attr", "elem", "value", "content"
    is_list: bool = False
    required: bool = True
    decls: list[ElementDecl] = field(default_factory=list)  # elem: allowed element decls
    attr: AttrUse | None = None
    dfs: int = 0


@dataclass
class Prod:
    kind: int
    key: tuple[object, ...]
    target: int = -1
    decl: ElementDecl | None = None
    attr: AttrUse | None = None
    field: int = -1
    wildcard: Wildcard | None = None
    limit: int = 0  # bounded repetition: after `limit` items go to `alt`
    exhaust: int = -1  # NFA state reached when the limit is hit
    alt: int = -1


@dataclass
class State:
    prods: list[Prod]
    kind: int
    content2: int = -1


@dataclass
class TypeGrammar:
    ct: ComplexType
    fields: list[Field]
    states: list[State]
    irregular: bool
    acyclic: bool = True
    order: list[int] = field(default_factory=list)


class _NFA:
    def __init__(self) -> None:
        self.eps: list[list[int]] = []
        self.trans: list[list[tuple[tuple[object, ...], Prod, int]]] = []

    def new(self) -> int:
        self.eps.append([])
        self.trans.append([])
        return len(self.eps) - 1

    def closure(self, states: frozenset[int] | set[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(states)
        while stack:
            s = stack.pop()
            for t in self.eps[s]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return frozenset(seen)


#: names that would shadow builtins used in the generated class bodies
_SHADOWED = {"object", "int", "str", "bytes", "bool", "list", "type", "float", "dict", "any"}


_SPLIT = r"(?<=[a-z])(?=[A-Z])|(?<=[0-9])(?=[A-Z][a-z])|(?<=[A-Z]{2})(?=[A-Z][a-z])"


def snake(name: str) -> str:
    """snake_case of an XML name: EVSEMaxCurrent -> evse_max_current, eMAID -> emaid."""
    s = re.sub(_SPLIT, "_", name)
    s = re.sub(r"[^0-9a-zA-Z_]", "_", s).lower()
    s = re.sub(r"_+", "_", s).strip("_")
    parts = s.split("_")
    if len(parts) > 1 and len(parts[0]) == 1:  # eMAID, eMAIDType
        parts[:2] = [parts[0] + parts[1]]
    if len(parts) > 1 and len(parts[-1]) == 1:  # ...SoC
        parts[-2:] = [parts[-2] + parts[-1]]
    s = "_".join(parts)
    if keyword.iskeyword(s) or s in _SHADOWED:
        s += "_"
    if s[:1].isdigit():
        s = "f_" + s
    return s


def _max_mult(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    return a * b


class GrammarBuilder:
    def __init__(self, schema: SchemaSet) -> None:
        self.schema = schema

    def build(self, ct: ComplexType) -> TypeGrammar:
        fields: list[Field] = []
        irregular = ct.mixed
        for a in ct.attrs:
            fields.append(Field(snake(a.qname[1]), a.qname, "attr", required=a.required, attr=a))
        elem_fields: dict[int, int] = {}  # id(particle) -> field index
        self._pidx: dict[int, int] = {}  # id(particle) -> depth-first position
        seen_qn: set[tuple[str, str]] = set()

        def scan(p: Particle, mult: int | None, group_multi: bool, opt: bool) -> None:
            nonlocal irregular
            m = _max_mult(mult, p.max)
            o = opt or p.min == 0
            t = p.term
            if isinstance(t, Wildcard):
                irregular = True
            elif isinstance(t, Group):
                n_elems = len(t.particles)
                multi = group_multi or (p.max != 1 and n_elems > 1)
                for c in t.particles:
                    scan(c, m, multi, o or t.kind == "choice")
            else:
                self._pidx[id(p)] = len(self._pidx)
                if t.qname in seen_qn or group_multi:
                    irregular = True
                seen_qn.add(t.qname)
                members = self.schema.substitutes(t) if t.is_global else [t]
                f = Field(snake(t.qname[1]), t.qname, "elem", is_list=(m != 1),
                          required=not o, decls=members)
                elem_fields[id(p)] = len(fields)
                fields.append(f)

        if ct.content is not None:
            scan(ct.content, 1, False, False)
        if ct.simple is not None:
            fields.append(Field("value", None, "value"))
        if irregular:
            fields = [f for f in fields if f.kind == "attr"] + [Field("content", None, "content")]
            elem_fields = {}
        # unique names
        used: dict[str, int] = {}
        for f in fields:
            base = f.name
            if base in used:
                used[base] += 1
                f.name = f"{base}_{used[base]}"
            else:
                used[base] = 1
        content_field = len(fields) - 1 if irregular else -1

        nfa = _NFA()
        start = nfa.new()
        cur = start
        attr_states: set[int] = {start}
        for a in ct.attrs:
            nxt = nfa.new()
            fi = next(i for i, f in enumerate(fields) if f.attr is a)
            prod = Prod(AT, (AT, a.qname[1], a.qname[0]), attr=a, field=fi)
            nfa.trans[cur].append((("AT", a.qname), prod, nxt))
            if not a.required:
                nfa.eps[cur].append(nxt)
            cur = nxt
            attr_states.add(cur)
        if ct.any_attr:
            prod = Prod(ATW, (ATW,), field=-1)
            nfa.trans[cur].append((("ATW",), prod, cur))
        content_start = cur
        attr_states.discard(content_start)
        final = nfa.new()
        if ct.simple is not None:
            prod = Prod(CH, (CH,), field=len(fields) - 1 if not irregular else content_field)
            nfa.trans[content_start].append((("CH",), prod, final))
        elif ct.content is not None:
            ps, pf = self._particle(nfa, ct.content, elem_fields, content_field)
            nfa.eps[content_start].append(ps)
            nfa.eps[pf].append(final)
        else:
            nfa.eps[content_start].append(final)

        # subset construction
        init = (nfa.closure({start}), 0)
        index: dict[tuple[frozenset[int], int], int] = {init: 0}
        sets = [init]
        states: list[State] = []
        i = 0
        content2_key = (nfa.closure({content_start}), 2)
        while i < len(sets):
            sset, kind = sets[i]
            groups: dict[tuple[object, ...], tuple[Prod, set[int]]] = {}
            order: list[tuple[object, ...]] = []
            for s in sorted(sset):
                for key, prod, tgt in nfa.trans[s]:
                    if key not in groups:
                        groups[key] = (prod, set())
                        order.append(key)
                    groups[key][1].add(tgt)
            prods: list[Prod] = []
            for key in order:
                prod, tgts = groups[key]
                nkind = 1 if (prod.kind in (AT, ATW) and kind <= 1) else 2
                tkey = (nfa.closure(tgts), nkind)
                if tkey not in index:
                    index[tkey] = len(sets)
                    sets.append(tkey)
                p = Prod(prod.kind, prod.key, index[tkey], prod.decl, prod.attr, prod.field,
                         prod.wildcard)
                if prod.limit and not irregular:
                    akey = (nfa.closure({prod.exhaust}), 2)
                    if akey not in index:
                        index[akey] = len(sets)
                        sets.append(akey)
                    p.limit, p.alt = prod.limit, index[akey]
                prods.append(p)
            if final in sset:
                prods.append(Prod(EE, (EE,)))
            is_content = any(s not in attr_states for s in sset)
            if ct.mixed and is_content and not any(p.kind == CH for p in prods):
                # mixed content: CH[untyped] stays in the state (kind 2 copy for start states)
                prods.append(Prod(CH, (CH, "mixed"), -2, field=content_field))
            prods.sort(key=lambda p: p.key)
            st = State(prods, kind)
            if kind <= 1:
                if content2_key not in index:
                    index[content2_key] = len(sets)
                    sets.append(content2_key)
                st.content2 = index[content2_key]
            states.append(st)
            i += 1
        for si, st in enumerate(states):
            for p in st.prods:
                if p.target == -2:
                    p.target = si if st.kind == 2 else st.content2
        tg = TypeGrammar(ct, fields, states, irregular)
        tg.order, tg.acyclic = _topo(states)
        return tg

    def _particle(self, nfa: _NFA, p: Particle, elem_fields: dict[int, int],
                  content_field: int) -> tuple[int, int]:
        def term(limit: int = 0, exhaust: int = -1) -> tuple[int, int]:
            t = p.term
            s, f = nfa.new(), nfa.new()
            if isinstance(t, ElementDecl):
                fi = elem_fields.get(id(p), content_field)
                members = self.schema.substitutes(t) if t.is_global else [t]
                for mi, d in enumerate(members):
                    prod = Prod(SE, (SE, self._pidx[id(p)], mi), decl=d, field=fi,
                                limit=limit, exhaust=exhaust)
                    nfa.trans[s].append((("SE", d.qname), prod, f))
            elif isinstance(t, Wildcard):
                prod = Prod(SEW, (SEW,), wildcard=t, field=content_field)
                nfa.trans[s].append((("SEW",), prod, f))
            else:
                assert isinstance(t, Group)
                if t.kind == "all":
                    raise ValueError("xs:all unsupported")
                if t.kind == "sequence":
                    cur = s
                    for c in t.particles:
                        cs, cf = self._particle(nfa, c, elem_fields, content_field)
                        nfa.eps[cur].append(cs)
                        cur = cf
                    nfa.eps[cur].append(f)
                else:
                    for c in t.particles:
                        cs, cf = self._particle(nfa, c, elem_fields, content_field)
                        nfa.eps[s].append(cs)
                        nfa.eps[cf].append(f)
            return s, f

        start = nfa.new()
        cur = start
        for _ in range(p.min):
            s, f = term()
            nfa.eps[cur].append(s)
            cur = f
        if p.max is None:
            s, f = term()
            end = nfa.new()
            nfa.eps[cur].append(s)
            nfa.eps[cur].append(end)
            nfa.eps[f].append(s)
            nfa.eps[f].append(end)
            return start, end
        end = nfa.new()
        if p.max - p.min >= 2 and isinstance(p.term, ElementDecl):
            s, f = term(p.max, end)
            nfa.eps[cur].append(s)
            nfa.eps[cur].append(end)
            nfa.eps[f].append(s)
            nfa.eps[f].append(end)
            return start, end
        for _ in range(p.max - p.min):
            s, f = term()
            nfa.eps[cur].append(s)
            nfa.eps[cur].append(end)
            cur = f
        nfa.eps[cur].append(end)
        return start, end


def _topo(states: list[State]) -> tuple[list[int], bool]:
    """Topological order ignoring self loops; acyclic=False if other cycles exist."""
    n = len(states)
    color = [0] * n
    out: list[int] = []
    acyclic = True

    def visit(u: int) -> None:
        nonlocal acyclic
        stack = [(u, 0)]
        color[u] = 1
        while stack:
            v, i = stack[-1]
            succ = sorted({p.target for p in states[v].prods if p.target >= 0 and p.target != v}
                          | {p.alt for p in states[v].prods if p.alt >= 0 and p.alt != v}
                          | ({states[v].content2} if states[v].content2 >= 0 else set()))
            if i < len(succ):
                stack[-1] = (v, i + 1)
                w = succ[i]
                if color[w] == 1:
                    acyclic = False
                elif color[w] == 0:
                    color[w] = 1
                    stack.append((w, 0))
            else:
                color[v] = 2
                out.append(v)
                stack.pop()

    visit(0)
    for u in range(n):
        if color[u] == 0:
            visit(u)
    out.reverse()
    return out, acyclic

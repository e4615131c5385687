"""Random valid message objects built from a grammar module's ``MODEL`` table."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

from evcc.exi import Named

_CHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
          " -_.:/#&<>\"'\u00e9\u00fc\u00df\u4e2d\u20ac\U0001f600")


class WideRandom(random.Random):
    """A generator that gives every unbounded integer (xs:integer) the value ``wide``."""

    def __init__(self, seed: int, wide: int) -> None:
        super().__init__(seed)
        self.wide = wide


class Unsupported(Exception):  # noqa: N818 - control flow inside the builder
    """The class needs content the builder does not produce (wildcards)."""


def random_simple(g: ModuleType, facets: tuple[Any, ...], rng: random.Random) -> Any:
    kind, lo, hi, length, min_len, max_len, enum_name = facets
    if kind == "enum":
        return rng.choice(list(getattr(g, enum_name)))
    if kind in ("nbit", "uint", "int"):
        if isinstance(rng, WideRandom) and (lo is None or hi is None):
            return abs(rng.wide) if kind == "uint" else rng.wide
        lo = lo if lo is not None else (0 if kind == "uint" else -(2**40))
        hi = hi if hi is not None else 2**40
        return rng.choice([lo, hi, rng.randint(lo, min(hi, lo + 300)), rng.randint(lo, hi)])
    if kind == "boolean":
        return rng.random() < 0.5
    if length is not None:
        n = length
    else:
        a = min_len if min_len is not None else 0
        b = max_len if max_len is not None else a + 24
        n = rng.randint(a, min(b, a + 24))
    if kind in ("hexBinary", "base64Binary"):
        return rng.randbytes(n)
    text = "".join(rng.choice(_CHARS) for _ in range(n))
    # whitespace-collapsed form: anyURI, ID, token... are collapsed by XML processors
    text = " ".join(text.split())
    return text + "x" * (n - len(text))


def build(g: ModuleType, cname: str, rng: random.Random, depth: int = 0) -> Any:
    """A random valid instance of generated class ``cname``."""
    attrs, content, value = g.MODEL[cname]
    meta = g.META[cname]
    kwargs: dict[str, Any] = {}
    for name, kind, _q, is_list, _spec in meta:
        kwargs[name] = [] if (is_list or kind == "content") else None
    for name, required, facets in attrs:
        if required or rng.random() < 0.5:
            kwargs[name] = random_simple(g, facets, rng)
    if value is not None:
        v = random_simple(g, value, rng)
        kwargs["value"] = v
    if any(kind == "content" for _n, kind, *_ in meta):
        if content is not None:
            items: list[Any] = []
            _fill_items(g, content, items, rng, depth)
            kwargs["content"] = items
    elif content is not None:
        _fill(g, content, kwargs, rng, depth)
    return getattr(g, cname)(**kwargs)


def _fill_items(g: ModuleType, node: tuple[Any, ...], items: list[Any], rng: random.Random,
                depth: int) -> None:
    """Ordered ``(clark name, value)`` items for mixed/wildcard (xmldsig) content."""
    kind = node[0]
    if kind == "any":
        if node[1] > 0:
            raise Unsupported("wildcard")
        return
    if kind == "el":
        _, _field, lo, hi, members = node
        for _ in range(_count(lo, hi, rng, depth)):
            m = rng.choice(members)
            qn = m[2]
            value = random_simple(g, m[1], rng) if m[0] == "s" else build(g, m[1], rng,
                                                                           depth + 1)
            items.append((f"{{{qn[0]}}}{qn[1]}" if qn[0] else qn[1], value))
        return
    _, lo, hi, children = node
    reps = _count(lo, hi, rng, depth) if (hi is None or hi > 1) else (
        1 if lo == 1 or rng.random() < 0.7 else 0)
    for _ in range(reps):
        if kind == "seq":
            for c in children:
                _fill_items(g, c, items, rng, depth)
        else:
            declared = [c for c in children if c[0] != "any"] or list(children)
            _fill_items(g, rng.choice(declared), items, rng, depth)


def _min_items(node: tuple[Any, ...]) -> int:
    if node[0] == "el" or node[0] == "any":
        return int(node[2] if node[0] == "el" else node[1])
    kids = [_min_items(c) for c in node[3]]
    inner = sum(kids) if node[0] == "seq" else min(kids, default=0)
    return int(node[1]) * inner


def _count(lo: int, hi: int | None, rng: random.Random, depth: int) -> int:
    if depth > 5:
        return lo
    top = lo + 2 if hi is None else min(hi, lo + 2)
    return rng.randint(lo, top)


def _fill(g: ModuleType, node: tuple[Any, ...], kwargs: dict[str, Any], rng: random.Random,
          depth: int) -> None:
    kind = node[0]
    if kind == "el":
        _, field, lo, hi, members = node
        if not members:
            raise Unsupported(field)
        for i in range(_count(lo, hi, rng, depth)):
            m = rng.choice(members)
            try:
                item = _member_value(g, m, members, rng, depth)
            except Unsupported:
                if i >= lo:
                    break
                raise
            if isinstance(kwargs[field], list):
                kwargs[field].append(item)
            else:
                kwargs[field] = item
        return
    if kind == "any":
        if node[1] > 0:
            raise Unsupported("wildcard")
        return
    _, lo, hi, children = node
    reps = _count(lo, hi, rng, depth) if (hi is None or hi > 1) else (
        1 if lo == 1 or rng.random() < 0.7 else 0)
    reps = min(reps, 1) if any(c[0] != "el" for c in children) else reps
    for _ in range(reps):
        if kind == "seq":
            for c in children:
                _fill(g, c, kwargs, rng, depth)
        else:
            _fill(g, rng.choice(children), kwargs, rng, depth)


def _member_value(g: ModuleType, m: tuple[Any, ...], members: tuple[Any, ...],
                  rng: random.Random, depth: int) -> Any:
    if m[0] == "s":
        value = random_simple(g, m[1], rng)
        return Named(m[2], value) if len(members) > 1 else value
    obj = build(g, m[1], rng, depth + 1)
    same = [x for x in members if x[0] == "c" and x[1] == m[1]]
    return Named(m[2], obj) if len(members) > 1 and len(same) > 1 else obj


def message_roots(g: ModuleType) -> list[tuple[str, Any]]:
    """(label, factory(rng)) for every document root; DIN/ISO-2 per body message type."""
    roots: list[tuple[str, Any]] = []
    for qn, spec in ((row[0], g.ELEMENT_SPECS.get(row[0])) for row in g.DOC):
        if not spec or not spec.startswith("class:"):
            continue
        cname = spec[6:]
        if cname == "V2G_Message":
            body = g.MODEL["BodyType"][1]
            for member in body[3][0][4]:
                roots.append((member[2][1], _v2g_factory(g, member)))
            continue
        roots.append((qn[1], _root_factory(g, qn, cname)))
    return roots


def _root_factory(g: ModuleType, qn: Any, cname: str) -> Any:
    def make(rng: random.Random) -> Any:
        obj = build(g, cname, rng)
        return obj if g.ELEMENT_OF_CLASS.get(cname) == qn else Named(qn, obj)
    return make


def _v2g_factory(g: ModuleType, member: tuple[Any, ...]) -> Any:
    def make(rng: random.Random) -> Any:
        header = build(g, "MessageHeaderType", rng, depth=4)
        body_el = build(g, member[1], rng)
        return g.V2G_Message(header=header, body=g.BodyType(body_element=body_el))
    return make

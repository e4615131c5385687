"""The relaxed Element Fragment grammar (EXI 8.5.3).

Used for fragment roots whose qname is declared with more than one type (ISO-2 eMAID).
State 0: AT(every attribute qname of the set, sorted), AT(*), SE(every fragment qname),
SE(*), EE, CH[untyped]; state 1: SE(...), SE(*), EE, CH[untyped].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evcc.errors import ExiEncodeError
from evcc.exi._bits import Reader, Writer
from evcc.exi._facets import check_str
from evcc.exi._nodes import AnyElement, Named
from evcc.exi._qnames import read_qname, width
from evcc.exi._wildcards import any_element

if TYPE_CHECKING:
    from evcc.exi._grammar import GrammarModule


def relaxed_decode(r: Reader, qn: tuple[str, str]) -> AnyElement:
    """Decode an element with the relaxed Element Fragment grammar."""
    g = r.g
    r.enter()
    el = AnyElement(qn)
    na = len(g.FRAG_ATTRS)
    nf = len(g.FRAG)
    w0 = width(na + nf + 5)
    while True:
        c = r.bits(w0)
        if c < na:
            aq, dec, _ = g.FRAG_ATTRS[c]
            el.attributes.append((aq, dec(r) if dec is not None else r.string()))
            continue
        if c == na:
            el.attributes.append((read_qname(r), r.string()))
            continue
        c -= na + 1
        if c > nf + 2:
            raise r.bad(c)
        if c == nf + 1:
            r.depth -= 1
            return el
        _relaxed_child(r, el, c, nf)
        break
    w1 = width(nf + 3)
    while True:
        c = r.bits(w1)
        if c > nf + 2:
            raise r.bad(c)
        if c == nf + 1:
            r.depth -= 1
            return el
        _relaxed_child(r, el, c, nf)


def _relaxed_child(r: Reader, el: AnyElement, c: int, nf: int) -> None:
    g = r.g
    if c < nf:
        cq, dec, _ = g.FRAG[c]
        el.children.append(Named(cq, dec(r) if dec is not None else relaxed_decode(r, cq)))
    elif c == nf:
        el.children.append(any_element(r))
    else:
        el.children.append(r.string())


def relaxed_encode(w: Writer, g: GrammarModule, qn: tuple[str, str], value: Any,
                   lexical: Any) -> None:
    """Encode ``value`` (AnyElement or message object) with the relaxed grammar.

    ``lexical(value, spec)`` turns a simple value into its XML text (character data is
    untyped in this grammar).
    """
    if isinstance(value, AnyElement):
        attrs, children = value.attributes, value.children
    else:
        attrs, children = _split(g, value, lexical)
    na = len(g.FRAG_ATTRS)
    nf = len(g.FRAG)
    w0 = width(na + nf + 5)
    w1 = width(nf + 3)
    aidx = {row[0]: i for i, row in enumerate(g.FRAG_ATTRS)}
    fidx = {row[0]: i for i, row in enumerate(g.FRAG)}
    for aq, av in attrs:
        i = aidx.get((aq[0], aq[1]))
        if i is None:
            raise ExiEncodeError(f"attribute {aq} is not declared in grammar {g.GRAMMAR}")
        w.bits(i, w0)
        enc = g.FRAG_ATTRS[i][2]
        if enc is not None:
            enc(w, av)
        else:
            w.string(check_str(av, str(aq)))
    first = True
    for child in children:
        if isinstance(child, str):
            w.bits(na + 1 + nf + 2 if first else nf + 2, w0 if first else w1)
            w.string(child)
        else:
            if not isinstance(child, Named):
                raise ExiEncodeError("relaxed fragment children must be Named or text")
            j = fidx.get((child.qname[0], child.qname[1]))
            if j is None:
                raise ExiEncodeError(f"element {child.qname} is not declared")
            w.bits(na + 1 + j if first else j, w0 if first else w1)
            enc = g.FRAG[j][2]
            if enc is not None:
                enc(w, child.value)
            else:
                relaxed_encode(w, g, child.qname, child.value, lexical)
        first = False
    w.bits(na + 1 + nf + 1 if first else nf + 1, w0 if first else w1)


def _split(g: GrammarModule, value: Any, lexical: Any) -> tuple[list[Any], list[Any]]:
    meta = g.META_OF_TYPE.get(type(value))
    if meta is None:
        raise ExiEncodeError(f"{type(value).__name__} is not a message class of {g.GRAMMAR}")
    attrs: list[Any] = []
    children: list[Any] = []
    for name, kind, qn, is_list, spec in meta:
        v = getattr(value, name)
        if v is None:
            continue
        if kind == "attr":
            attrs.append((qn, v))
        elif kind == "value":
            if v not in ("", b""):
                children.append(lexical(v, spec))
        elif kind == "elem":
            for item in (v if is_list else [v]):
                children.append(item if isinstance(item, Named) else Named(qn, item))
        else:
            for nm, item in v:
                children.append(item if nm == "#text" else Named(_unclark(nm), item))
    return attrs, children


def _unclark(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return ns, local
    return "", name

"""SE(*) content: global declarations found by qname, else the built-in element grammar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evcc.errors import ExiEncodeError
from evcc.exi._bits import _MAX_DEPTH, Reader, Writer
from evcc.exi._facets import check_str
from evcc.exi._nodes import AnyElement, Named
from evcc.exi._qnames import read_qname, write_qname

if TYPE_CHECKING:
    from evcc.exi._grammar import GrammarModule

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"


def any_element(r: Reader) -> Any:
    """SE(*): a global declaration's grammar if one matches, else the built-in grammar."""
    qn = read_qname(r)
    dec = r.g.GLOBALS.get(qn)
    if dec is not None:
        return Named(qn, dec(r))
    return builtin_element(r, qn)


def builtin_element(r: Reader, qn: tuple[str, str]) -> AnyElement:
    """Built-in element grammar (EXI 8.4.3) that never learns (EXI profile 0/0)."""
    r.enter()
    el = AnyElement(qn)
    # StartTagContent: 0 first-level bits, second level EE, AT(*), SE(*), CH
    while True:
        code = r.bits(2)
        if code == 0:
            r.depth -= 1
            return el
        if code == 1:
            an = read_qname(r)
            if an == (XSI, "type"):
                tq = read_qname(r)
                el.attributes.append((an, "{{{}}}{}".format(*tq)))
                dec = r.g.TYPES.get(tq)
                if dec is not None:
                    el.children.append(dec(r))
                    r.depth -= 1
                    return el
                if tq == (XSD, "anyType"):
                    _any_type_content(r, el)
                    r.depth -= 1
                    return el
                raise r.fail("xsi:type of an unknown type")
            el.attributes.append((an, r.string()))
            continue
        if code == 2:
            el.children.append(any_element(r))
        else:
            el.children.append(r.string())
        break
    # ElementContent: EE | escape -> SE(*), CH
    while True:
        if r.bits(1) == 0:
            r.depth -= 1
            return el
        if r.bits(1) == 0:
            el.children.append(any_element(r))
        else:
            el.children.append(r.string())


def _any_type_content(r: Reader, el: AnyElement) -> None:
    """Schema-informed grammar of xs:anyType: AT(*), SE(*), EE, CH, plus the non-strict level."""
    # state 0/1 (attributes allowed): AT(*) SE(*) EE CH + escape -> 3 bits
    while True:
        c = r.bits(3)
        if c == 0:
            an = read_qname(r)
            el.attributes.append((an, r.string()))
            continue
        if c == 1:
            el.children.append(any_element(r))
            break
        if c == 2:
            return
        if c == 3:
            el.children.append(r.string())
            break
        raise r.bad(c)
    while True:  # content: SE(*) EE CH + escape -> 2 bits
        c = r.bits(2)
        if c == 0:
            el.children.append(any_element(r))
        elif c == 1:
            return
        elif c == 2:
            el.children.append(r.string())
        else:
            raise r.bad(c)


def _split_clark(text: str) -> tuple[str, str]:
    if text.startswith("{"):
        ns, local = text[1:].split("}", 1)
        return ns, local
    return "", text


def encode_any(w: Writer, g: GrammarModule, el: Any, depth: int = 0) -> None:
    """SE(*) content: a global declaration's grammar for Named, else the built-in grammar."""
    if depth > _MAX_DEPTH:
        raise ExiEncodeError("untyped content nested too deep")
    if isinstance(el, Named):
        i = g.DOC_INDEX.get((el.qname[0], el.qname[1]))
        if i is None:
            raise ExiEncodeError(f"{el.qname} is not a global element of {g.GRAMMAR}")
        write_qname(w, g, tuple(el.qname))
        g.DOC[i][2](w, el.value)
        return
    if not isinstance(el, AnyElement):
        raise ExiEncodeError(f"cannot encode {type(el).__name__} as untyped content")
    write_qname(w, g, tuple(el.qname))
    any_type = False
    for aq, av in el.attributes:
        if any_type:
            w.bits(0, 3)
        else:
            w.bits(1, 2)
        write_qname(w, g, tuple(aq))
        if tuple(aq) == (XSI, "type") and not any_type:
            tq = _split_clark(av)
            write_qname(w, g, tq)
            if tq != (XSD, "anyType"):
                raise ExiEncodeError(f"xsi:type {av} in untyped content is not supported")
            any_type = True
        else:
            w.string(check_str(av, "attribute"))
    first = True
    for child in el.children:
        text = isinstance(child, str)
        if any_type:
            if first:
                w.bits(3 if text else 1, 3)
            else:
                w.bits(2 if text else 0, 2)
        elif first:
            w.bits(3 if text else 2, 2)
        else:
            w.bits(1, 1)
            w.bits(1 if text else 0, 1)
        if text:
            w.string(child)
        else:
            encode_any(w, g, child, depth + 1)
        first = False
    if any_type:
        w.bits(2, 3) if first else w.bits(1, 2)
    elif first:
        w.bits(0, 2)
    else:
        w.bits(0, 1)

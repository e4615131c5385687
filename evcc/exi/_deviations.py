"""Second-level events of the non-strict grammars (EXI 8.5.4.4.1): schema deviations."""

from __future__ import annotations

from evcc.exi._bits import Reader
from evcc.exi._qnames import read_qname, width
from evcc.exi._wildcards import XSI, any_element


def deviation(  # noqa: PLR0917 - called from generated code, positional for speed
    r: Reader, kind: int, ee_first: int, n_at3: int, here: int, content2: int
) -> int:
    """Read a second-level event; return the next state, -1 for EE, -3 for xsi:type.

    ``kind`` 0 = start tag state, 1 = attribute state, 2 = content state. Untyped character
    data is left in ``r.text``; a replacement object after ``xsi:type`` in ``r.obj``.
    """
    entries: list[str] = [] if ee_first else ["EE"]
    if kind == 0:
        entries += ["XT", "XN", "AT", "AT3", "SE", "CH"]
    elif kind == 1:
        entries += ["AT", "AT3", "SE", "CH"]
    else:
        entries += ["SE", "CH"]
    code = r.bits(width(len(entries)))
    if code >= len(entries):
        raise r.bad(code)
    ev = entries[code]
    if ev == "EE":
        return -1
    if ev == "XT":
        uri, local = read_qname(r)
        dec = r.g.TYPES.get((uri, local))
        if dec is None:
            raise r.fail(f"xsi:type {{{uri}}}{local} is not a type of this grammar")
        r.obj = dec(r)
        return -3
    if ev == "XN":
        nil = r.bits(1) == 1
        if nil and n_at3:
            raise r.fail("xsi:nil on an element with attributes is not supported")
        if nil:
            # TypeEmpty: only EE remains (attributes after xsi:nil are not supported)
            c = r.bits(1)
            if c != 0:
                raise r.fail("xsi:nil element with content")
            return -1
        return here
    if ev == "AT":
        qn = read_qname(r)
        if qn == (XSI, "type"):
            read_qname(r)
        else:
            r.string()
        return here
    if ev == "AT3":
        k = r.bits(width(n_at3 + 1))
        if k > n_at3:
            raise r.bad(k)
        if k == n_at3:
            read_qname(r)
        r.string()
        return here
    if ev == "SE":
        any_element(r)
        return content2 if kind <= 1 else here
    r.text = r.string()
    return content2 if kind <= 1 else here

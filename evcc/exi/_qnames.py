"""QNames through the URI and local-name string partitions (EXI 7.1.7, 7.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evcc.exi._bits import Reader, Writer

if TYPE_CHECKING:
    from evcc.exi._grammar import GrammarModule


def width(n: int) -> int:
    """Bits of an n-bit code with ``n`` values (0 for one value)."""
    return (n - 1).bit_length() if n > 1 else 0


class _Strings:
    __slots__ = ("locals", "uris")

    def __init__(self, g: GrammarModule) -> None:
        self.uris: list[str] = list(g.URIS)
        self.locals: list[list[str]] = [list(x) for x in g.LOCAL_NAMES]


def read_qname(r: Reader) -> tuple[str, str]:
    """A qname through the URI and local-name partitions (EXI 7.1.7)."""
    if r.strings is None:
        r.strings = _Strings(r.g)
    st = r.strings
    i = r.bits(width(len(st.uris) + 1))
    if i == 0:
        n0 = r.uint()
        uri = r.chars(n0 - 1) if n0 else ""
        st.uris.append(uri)
        st.locals.append([])
        ui = len(st.uris) - 1
    else:
        ui = i - 1
        if ui >= len(st.uris):
            raise r.fail("uri index out of range")
        uri = st.uris[ui]
    n = r.uint()
    names = st.locals[ui]
    if n == 0:
        k = r.bits(width(len(names)))
        if k >= len(names):
            raise r.fail("local-name index out of range")
        return uri, names[k]
    local = r.chars(n - 1)
    names.append(local)
    return uri, local


def write_qname(w: Writer, g: GrammarModule, qn: tuple[str, ...]) -> None:
    """A qname through the URI and local-name partitions (mirror of :func:`read_qname`)."""
    if w.strings is None:
        w.strings = _Strings(g)
    st = w.strings
    uri, local = qn
    wd = width(len(st.uris) + 1)
    if uri in st.uris:
        ui = st.uris.index(uri)
        w.bits(ui + 1, wd)
    else:
        w.bits(0, wd)
        w.uint(len(uri) + 1)
        w.chars(uri)
        st.uris.append(uri)
        st.locals.append([])
        ui = len(st.uris) - 1
    names = st.locals[ui]
    if local in names:
        w.uint(0)
        w.bits(names.index(local), width(len(names)))
    else:
        w.uint(len(local) + 1)
        w.chars(local)
        names.append(local)

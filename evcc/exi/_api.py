"""Public entry points: grammar lookup, decode, encode and the XML mapping."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from evcc.errors import ExiDecodeError, ExiEncodeError, ExiError
from evcc.exi._bits import Reader, Writer
from evcc.exi._nodes import AnyElement, Named
from evcc.exi._relaxed import relaxed_decode, relaxed_encode
from evcc.exi._wildcards import any_element, encode_any

#: grammar name -> generated module name
_MODULES: dict[str, str] = {
    "app": "app",
    "din": "din",
    "iso2": "iso2",
    "iso20-common": "iso20_common",
    "iso20-ac": "iso20_ac",
    "iso20-dc": "iso20_dc",
    "iso20-wpt": "iso20_wpt",
    "iso20-acdp": "iso20_acdp",
    "xmldsig": "xmldsig",
}
GRAMMAR_NAMES: tuple[str, ...] = tuple(_MODULES)
_HEADER = 0x80


#: grammar name -> its loaded module
_LOADED: dict[str, ModuleType] = {}
#: grammar name -> class name -> event code of the document root of that class
_DOC_ROOTS: dict[str, dict[str, int]] = {}


def grammar_module(grammar: str) -> ModuleType:
    """The generated module of a grammar set (imported on first use)."""
    g = _LOADED.get(grammar)
    if g is not None:
        return g
    name = _MODULES.get(grammar)
    if name is None:
        raise ExiError(f"unknown grammar {grammar!r}; choose one of {', '.join(_MODULES)}")
    full = f"evcc.exi._generated.{name}"
    g = importlib.import_module(full)
    _DOC_ROOTS[grammar] = {cls: g.DOC_INDEX[qn] for cls, qn in g.ELEMENT_OF_CLASS.items()
                           if qn in g.DOC_INDEX}
    _LOADED[grammar] = g
    return g


def _wrap_root(g: ModuleType, table: Any, by_index: int, value: Any) -> Any:
    qn = table[by_index][0]
    cls = type(value).__name__
    if g.ELEMENT_OF_CLASS.get(cls) == qn:
        return value
    return Named(qn, value)


def decode(data: bytes, grammar: str, fragment: bool = False) -> Any:
    """Decode one EXI stream (header ``0x80`` included) with a grammar set.

    Stops at ED; padding and trailing bytes are ignored.
    """
    g = _LOADED.get(grammar) or grammar_module(grammar)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ExiDecodeError("EXI input must be bytes")
    r = Reader(data, g)
    try:
        if not r.data:
            raise ExiDecodeError("premature end of stream", 0)
        if r.data[0] != _HEADER:
            raise ExiDecodeError("EXI header is not 0x80 (no options, EXI 1.0)", 0)
        r.pos = 8
        if fragment:
            return _decode_fragment(r, g)
        table = g.DOC
        c = r.bits(g.DOC_WIDTH)
        if c < len(table):
            return _wrap_root(g, table, c, table[c][1](r))
        if c == len(table):
            return any_element(r)
        raise r.bad(c)
    except ExiDecodeError:
        raise
    except RecursionError:
        raise ExiDecodeError("nesting too deep", r.pos) from None
    except MemoryError:
        raise ExiDecodeError("value too large", r.pos) from None
    except ValueError as exc:
        if "negative shift" in str(exc):
            raise ExiDecodeError("premature end of stream", r.pos) from None
        raise ExiDecodeError(f"invalid value in stream ({exc})", r.pos) from None
    except (IndexError, KeyError, TypeError, OverflowError) as exc:
        raise ExiDecodeError(f"invalid stream ({exc.__class__.__name__})", r.pos) from None
    except Exception as exc:  # the API promises typed errors only
        raise ExiDecodeError(f"decoder failure ({exc.__class__.__name__})", r.pos) from None


def _decode_fragment(r: Reader, g: ModuleType) -> Any:
    table = g.FRAG
    n = len(table)
    items: list[Any] = []
    while True:
        c = r.bits(g.FRAG_WIDTH)
        if c < n:
            dec = table[c][1]
            if dec is None:
                items.append(relaxed_decode(r, table[c][0]))
            else:
                items.append(_wrap_root(g, table, c, dec(r)))
        elif c == n:
            items.append(any_element(r))
        elif c == n + 1:
            break
        else:
            raise r.bad(c)
    if not items:
        raise ExiDecodeError("empty fragment", r.pos)
    return items[0] if len(items) == 1 else items


def _root_index(g: ModuleType, index: dict[Any, int], msg: Any) -> tuple[int, Any]:
    if isinstance(msg, Named):
        i = index.get(tuple(msg.qname))
        if i is None:
            raise ExiEncodeError(f"element {msg.qname} is not a root of grammar {g.GRAMMAR}")
        return i, msg.value
    qn = g.ELEMENT_OF_CLASS.get(type(msg).__name__)
    i = index.get(qn) if qn is not None else None
    if i is None:
        raise ExiEncodeError(
            f"{type(msg).__name__} does not name a root element of grammar {g.GRAMMAR}; "
            "wrap it in evcc.exi.Named"
        )
    return i, msg


def encode(msg: Any, grammar: str, fragment: bool = False, *, validate: bool = True) -> bytes:
    """Encode a message object (or :class:`Named`, or a list of them for fragments).

    ``validate=False`` skips the length facets and lets missing required content through
    as an undeclared end element (what a non-strict encoder writes); use it only to
    re-encode received data (real devices send out-of-facet lengths). Ranges and
    enumerations are always enforced because the encoding depends on them.
    """
    g = _LOADED.get(grammar) or grammar_module(grammar)
    w = Writer(validate)
    w.a = 0x100 | _HEADER
    try:
        if fragment:
            items = msg if isinstance(msg, list) else [msg]
            if not items:
                raise ExiEncodeError("a fragment needs at least one element")
            for item in items:
                if isinstance(item, AnyElement) and tuple(item.qname) not in g.FRAG_INDEX:
                    w.bits(len(g.FRAG), g.FRAG_WIDTH)  # SE(*)
                    encode_any(w, g, item)
                    continue
                root = Named(item.qname, item) if isinstance(item, AnyElement) else item
                i, value = _root_index(g, g.FRAG_INDEX, root)
                w.bits(i, g.FRAG_WIDTH)
                enc = g.FRAG[i][2]
                if enc is None:
                    relaxed_encode(w, g, g.FRAG[i][0], value, _xml().lexical)
                else:
                    enc(w, value)
            w.bits(len(g.FRAG) + 1, g.FRAG_WIDTH)
        elif isinstance(msg, AnyElement):
            w.bits(len(g.DOC), g.DOC_WIDTH)  # SE(*)
            encode_any(w, g, msg)
        else:
            i = _DOC_ROOTS[grammar].get(type(msg).__name__, -1)  # a root given as its class
            i, value = (i, msg) if i >= 0 else _root_index(g, g.DOC_INDEX, msg)
            w.bits(i, g.DOC_WIDTH)
            g.DOC[i][2](w, value)
    except ExiEncodeError:
        raise
    except RecursionError:
        raise ExiEncodeError("message nested too deep") from None
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, OverflowError) as exc:
        raise ExiEncodeError(f"message does not fit grammar {grammar}: {exc}") from None
    except Exception as exc:  # the API promises typed errors only
        raise ExiEncodeError(f"encoder failure ({exc.__class__.__name__})") from None
    return w.getvalue()


def _xml() -> ModuleType:
    """The XML mapping, imported on first use (keeps ``import evcc.exi`` light)."""
    return importlib.import_module("evcc.exi._xml")


def to_xml(msg: Any) -> str:
    """The standard XML representation of a decoded or built message."""
    text: str = _xml().to_xml(msg)
    return text


def from_xml(xml: str, grammar: str, fragment: bool = False) -> Any:
    """Parse XML into message objects of a grammar set (same result shape as decode)."""
    return _xml().from_xml(xml, grammar_module(grammar), fragment)


__all__ = ["AnyElement", "Named"]

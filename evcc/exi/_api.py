"""Decode and encode with a grammar set; the string-named entry points and the XML mapping.

``decode_with``/``encode_with`` do the work for both the name-based functions here and the
typed codecs (:mod:`evcc.exi._codecs`). Errors are mapped by exception type: only
:class:`ExiDecodeError` and :class:`ExiEncodeError` escape.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from evcc.errors import ExiDecodeError, ExiEncodeError
from evcc.exi._bits import Reader, Writer
from evcc.exi._grammar import CACHE, GRAMMAR_NAMES, Grammar, GrammarModule, load
from evcc.exi._nodes import AnyElement, Named
from evcc.exi._relaxed import relaxed_decode, relaxed_encode
from evcc.exi._wildcards import any_element, encode_any

if TYPE_CHECKING:
    from collections.abc import Mapping

_HEADER = 0x80  # EXI 1.0, no options, no cookie
_LOADED = CACHE.loaded  # the cache's own dict (cleared in place on reset)


def grammar_module(grammar: str) -> ModuleType:
    """The generated module of a grammar set (imported on first use); its classes are
    attributes (untyped here: import ``evcc.messages.<grammar>`` for typed classes)."""
    return load(grammar).module_object


def _wrap_root(g: GrammarModule, qn: tuple[str, str], value: object) -> object:
    if g.ELEMENT_OF_TYPE.get(type(value)) == qn:
        return value
    return Named(qn, value)


def decode_with(gr: Grammar, data: bytes, fragment: bool) -> object:
    """Decode one EXI stream (header included); stops at ED, ignores padding and tail."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ExiDecodeError("EXI input must be bytes")
    g = gr.module
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
            qn, dec, _ = table[c]
            value = dec(r)
            return value if g.ELEMENT_OF_TYPE.get(type(value)) == qn else Named(qn, value)
        if c == len(table):
            return any_element(r)
        raise r.bad(c)
    except ExiDecodeError:
        raise
    except RecursionError:
        raise ExiDecodeError("nesting too deep", r.pos) from None
    except MemoryError:
        raise ExiDecodeError("value too large", r.pos) from None
    except ValueError:
        # generated readers shift by (stream bits - position): negative past the end
        raise ExiDecodeError("premature end of stream or invalid value", r.pos) from None
    except (IndexError, KeyError, TypeError, OverflowError) as exc:
        raise ExiDecodeError(f"invalid stream ({exc.__class__.__name__})", r.pos) from None
    except Exception as exc:  # the API promises typed errors only
        raise ExiDecodeError(f"decoder failure ({exc.__class__.__name__})", r.pos) from None


def _decode_fragment(r: Reader, g: GrammarModule) -> object:
    table = g.FRAG
    n = len(table)
    items: list[object] = []
    while True:
        c = r.bits(g.FRAG_WIDTH)
        if c < n:
            qn, dec, _ = table[c]
            if dec is None:
                items.append(relaxed_decode(r, qn))
            else:
                items.append(_wrap_root(g, qn, dec(r)))
        elif c == n:
            items.append(any_element(r))
        elif c == n + 1:
            break
        else:
            raise r.bad(c)
    if not items:
        raise ExiDecodeError("empty fragment", r.pos)
    return items[0] if len(items) == 1 else items


def _root_index(gr: Grammar, index: Mapping[tuple[str, str], int],
                msg: object) -> tuple[int, object]:
    if isinstance(msg, Named):
        i = index.get((msg.qname[0], msg.qname[1]))
        if i is None:
            raise ExiEncodeError(f"element {msg.qname} is not a root of grammar {gr.name}")
        return i, msg.value
    qn = gr.module.ELEMENT_OF_TYPE.get(type(msg))
    i = index.get(qn) if qn is not None else None
    if i is None:
        raise ExiEncodeError(
            f"{type(msg).__name__} does not name a root element of grammar {gr.name}; "
            "wrap it in evcc.exi.Named"
        )
    return i, msg


def encode_with(gr: Grammar, msg: object, fragment: bool, validate: bool) -> bytes:
    """Encode a message object (or Named, AnyElement, or a list of them for fragments)."""
    g = gr.module
    w = Writer(validate, _HEADER)
    try:
        if fragment:
            items = msg if isinstance(msg, list) else [msg]
            if not items:
                raise ExiEncodeError("a fragment needs at least one element")
            for item in items:
                _fragment_item(w, gr, item)
            w.bits(len(g.FRAG) + 1, g.FRAG_WIDTH)
        elif isinstance(msg, AnyElement):
            w.bits(len(g.DOC), g.DOC_WIDTH)  # SE(*)
            encode_any(w, g, msg)
        else:
            i = gr.doc_roots.get(type(msg), -1)  # a root given as its class
            i, value = (i, msg) if i >= 0 else _root_index(gr, g.DOC_INDEX, msg)
            w.bits(i, g.DOC_WIDTH)
            g.DOC[i][2](w, value)
    except ExiEncodeError:
        raise
    except RecursionError:
        raise ExiEncodeError("message nested too deep") from None
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, OverflowError) as exc:
        raise ExiEncodeError(f"message does not fit grammar {gr.name}: {exc}") from None
    except Exception as exc:  # the API promises typed errors only
        raise ExiEncodeError(f"encoder failure ({exc.__class__.__name__})") from None
    return w.getvalue()


def _fragment_item(w: Writer, gr: Grammar, item: object) -> None:
    g = gr.module
    if isinstance(item, AnyElement) and tuple(item.qname) not in g.FRAG_INDEX:
        w.bits(len(g.FRAG), g.FRAG_WIDTH)  # SE(*)
        encode_any(w, g, item)
        return
    root = Named(item.qname, item) if isinstance(item, AnyElement) else item
    i, value = _root_index(gr, g.FRAG_INDEX, root)
    w.bits(i, g.FRAG_WIDTH)
    qn, _, enc = g.FRAG[i]
    if enc is None:
        from evcc.exi._xml import lexical  # noqa: PLC0415 - XML mapping on first use
        relaxed_encode(w, g, qn, value, lexical)
    else:
        enc(w, value)


# --- name-based entry points (untyped results; see evcc.exi.ISO2 etc. for typed ones) ---

def decode(data: bytes, grammar: str, fragment: bool = False) -> Any:
    """Decode one EXI stream (header ``0x80`` included) with a grammar set.

    Stops at ED; padding and trailing bytes are ignored.
    """
    return decode_with(_LOADED.get(grammar) or load(grammar), data, fragment)


def encode(msg: Any, grammar: str, fragment: bool = False, *, validate: bool = True) -> bytes:
    """Encode a message object (or :class:`Named`, or a list of them for fragments).

    ``validate=False`` skips the length facets and lets missing required content through
    as an undeclared end element (what a non-strict encoder writes); use it only to
    re-encode received data (real devices send out-of-facet lengths). Ranges and
    enumerations are always enforced because the encoding depends on them.
    """
    return encode_with(_LOADED.get(grammar) or load(grammar), msg, fragment, validate)


def to_xml(msg: object) -> str:
    """The standard XML representation of a decoded or built message."""
    from evcc.exi import _xml  # noqa: PLC0415 - on first use: keeps the package light
    return _xml.to_xml(msg)


def from_xml(xml: str, grammar: str, fragment: bool = False) -> Any:
    """Parse XML into message objects of a grammar set (same result shape as decode)."""
    from evcc.exi import _xml  # noqa: PLC0415 - on first use
    return _xml.from_xml(xml, load(grammar).module, fragment)


__all__ = ["GRAMMAR_NAMES", "decode", "encode", "from_xml", "grammar_module", "to_xml"]

"""One typed codec object per grammar set: ``evcc.exi.ISO2.decode(data) -> V2G_Message``.

A codec's type parameter is the union of the classes of its root schema's global elements
(``Message`` in each generated module, e.g. ``iso2.V2G_Message``, the -20 DC messages),
so that a type checker follows messages through session code. ``decode`` refuses any other
document root (schema deviations at the root, other globals) with ExiDecodeError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from evcc.errors import ExiDecodeError
from evcc.exi._api import decode_with, encode_with
from evcc.exi._grammar import CACHE, GrammarModule, GrammarName, load
from evcc.exi._nodes import Named

if TYPE_CHECKING:
    from evcc.exi._generated import (
        app,
        din,
        iso2,
        iso20_ac,
        iso20_acdp,
        iso20_common,
        iso20_dc,
        iso20_wpt,
        xmldsig,
    )

_LOADED = CACHE.loaded
M = TypeVar("M")
T = TypeVar("T")


class Codec(Generic[M]):
    """Typed EXI codec of one grammar set (documents and fragments)."""

    __slots__ = ("name",)

    def __init__(self, name: GrammarName) -> None:
        self.name: GrammarName = name

    def __repr__(self) -> str:
        return f"Codec({self.name!r})"

    @property
    def module(self) -> GrammarModule:
        """The generated module (imported on first use)."""
        return load(self.name).module

    def decode(self, data: bytes) -> M:
        """A message (document) of this grammar set."""
        gr = _LOADED.get(self.name) or load(self.name)
        obj = decode_with(gr, data, False)
        if not isinstance(obj, gr.module.MESSAGE_TYPES):
            what = f"{obj.qname[1]}" if isinstance(obj, Named) else type(obj).__name__
            raise ExiDecodeError(f"document root {what} is not a {self.name} message")
        return cast("M", obj)

    def encode(self, msg: M, *, validate: bool = True) -> bytes:
        """The EXI document of a message (``validate=False``: see :func:`evcc.exi.encode`)."""
        return encode_with(_LOADED.get(self.name) or load(self.name), msg, False, validate)

    def decode_fragment(self, data: bytes) -> list[object]:
        """The elements of an EXI fragment (message objects, Named or AnyElement)."""
        items = decode_with(load(self.name), data, True)
        return items if isinstance(items, list) else [items]

    def encode_fragment(self, items: object | Sequence[object], *,
                        validate: bool = True) -> bytes:
        """An EXI fragment of one element or a sequence of them (digest inputs)."""
        seq = list(items) if isinstance(items, (list, tuple)) else [items]
        return encode_with(load(self.name), seq, True, validate)

    def decode_element(self, data: bytes, cls: type[T]) -> T:
        """The one element of a fragment, which must be of class ``cls``."""
        items = self.decode_fragment(data)
        value = items[0].value if len(items) == 1 and isinstance(items[0], Named) else (
            items[0] if len(items) == 1 else None)
        if not isinstance(value, cls):
            raise ExiDecodeError(f"fragment is not one {cls.__name__}")
        return value


APP: Codec[app.Message] = Codec("app")
DIN: Codec[din.Message] = Codec("din")
ISO2: Codec[iso2.Message] = Codec("iso2")
ISO20_COMMON: Codec[iso20_common.Message] = Codec("iso20-common")
ISO20_AC: Codec[iso20_ac.Message] = Codec("iso20-ac")
ISO20_DC: Codec[iso20_dc.Message] = Codec("iso20-dc")
ISO20_WPT: Codec[iso20_wpt.Message] = Codec("iso20-wpt")
ISO20_ACDP: Codec[iso20_acdp.Message] = Codec("iso20-acdp")
XMLDSIG: Codec[xmldsig.Message] = Codec("xmldsig")

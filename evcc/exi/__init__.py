"""Schema-informed EXI codec for V2G messages (DIN 70121, ISO 15118-2, ISO 15118-20, xmldsig).

Profile: EXI 1.0, non-strict, bit-packed, header ``0x80`` without options, no value string
table, EXI-profile limits 0/0. Grammar modules are generated from the XSDs by
``python -m tools.exigen`` and imported lazily, one per grammar set.

Typed, one codec object per grammar set::

    msg = evcc.exi.ISO2.decode(data)          # -> iso2.V2G_Message
    data = evcc.exi.ISO2.encode(msg)
    info = evcc.exi.XMLDSIG.decode_element(frag, xmldsig.SignedInfoType)

By name (results untyped; the CLI and tools)::

    msg = evcc.exi.decode(data, "iso2")
    data = evcc.exi.encode(msg, "iso2")
    xml = evcc.exi.to_xml(msg)

Document roots decode to the root's message class; a root whose class does not identify the
element (some fragments) decodes to :class:`Named`. Only :class:`evcc.errors.ExiDecodeError`
and :class:`evcc.errors.ExiEncodeError` escape.
"""

from __future__ import annotations

from evcc.exi._api import decode, encode, from_xml, grammar_module, to_xml
from evcc.exi._codecs import (
    APP,
    DIN,
    ISO2,
    ISO20_AC,
    ISO20_ACDP,
    ISO20_COMMON,
    ISO20_DC,
    ISO20_WPT,
    XMLDSIG,
    Codec,
)
from evcc.exi._grammar import GRAMMAR_NAMES, GrammarName, reset_cache
from evcc.exi._nodes import AnyElement, Named

__all__ = [
    "APP",
    "DIN",
    "GRAMMAR_NAMES",
    "ISO2",
    "ISO20_AC",
    "ISO20_ACDP",
    "ISO20_COMMON",
    "ISO20_DC",
    "ISO20_WPT",
    "XMLDSIG",
    "AnyElement",
    "Codec",
    "GrammarName",
    "Named",
    "decode",
    "encode",
    "from_xml",
    "grammar_module",
    "reset_cache",
    "to_xml",
]


def __dir__() -> list[str]:
    return list(__all__)

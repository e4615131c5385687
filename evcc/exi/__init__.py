"""Schema-informed EXI codec for V2G messages (DIN 70121, ISO 15118-2, ISO 15118-20, xmldsig).

Profile: EXI 1.0, non-strict, bit-packed, header ``0x80`` without options, no value string
table, EXI-profile limits 0/0. Grammar modules are generated from the XSDs by
``python -m tools.exigen`` and imported lazily, one per grammar set::

    msg = evcc.exi.decode(data, "iso2")
    data = evcc.exi.encode(msg, "iso2")
    xml = evcc.exi.to_xml(msg)

Document roots decode to the root's message class; a root whose class does not identify the
element (some fragments) decodes to :class:`Named`. Only :class:`evcc.errors.ExiDecodeError`
and :class:`evcc.errors.ExiEncodeError` escape.
"""

from __future__ import annotations

from typing import Any

from evcc.exi._api import GRAMMAR_NAMES, decode, encode, from_xml, grammar_module, to_xml
from evcc.exi._nodes import AnyElement, Named

__all__ = [
    "GRAMMAR_NAMES",
    "AnyElement",
    "Named",
    "decode",
    "encode",
    "from_xml",
    "grammar_module",
    "to_xml",
]


def __dir__() -> list[str]:
    return list(__all__)


def _unused(_: Any) -> None:  # pragma: no cover - keeps Any imported for type readers
    return None

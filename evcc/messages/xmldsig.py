"""XML Signature (standalone grammar) message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.xmldsig import *  # noqa: F403
from evcc.exi._generated.xmldsig import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.xmldsig import Message as Message  # noqa: PLC0414 - re-export

"""ISO 15118-20 ACDP message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.iso20_acdp import *  # noqa: F403
from evcc.exi._generated.iso20_acdp import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.iso20_acdp import Message as Message  # noqa: PLC0414 - re-export

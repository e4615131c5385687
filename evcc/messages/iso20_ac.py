"""ISO 15118-20 AC message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.iso20_ac import *  # noqa: F403
from evcc.exi._generated.iso20_ac import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.iso20_ac import Message as Message  # noqa: PLC0414 - re-export

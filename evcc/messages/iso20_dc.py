"""ISO 15118-20 DC message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.iso20_dc import *  # noqa: F403
from evcc.exi._generated.iso20_dc import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.iso20_dc import Message as Message  # noqa: PLC0414 - re-export

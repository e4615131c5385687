"""ISO 15118-2 message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.iso2 import *  # noqa: F403
from evcc.exi._generated.iso2 import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.iso2 import Message as Message  # noqa: PLC0414 - re-export

"""DIN SPEC 70121 message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.din import *  # noqa: F403
from evcc.exi._generated.din import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.din import Message as Message  # noqa: PLC0414 - re-export

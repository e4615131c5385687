"""SupportedAppProtocol message classes and enumerations (generated; see evcc.exi)."""

from typing import TYPE_CHECKING

from evcc.exi._generated.app import *  # noqa: F403
from evcc.exi._generated.app import __all__  # noqa: F401

if TYPE_CHECKING:
    from evcc.exi._generated.app import Message as Message  # noqa: PLC0414 - re-export

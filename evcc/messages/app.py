"""SupportedAppProtocol message classes and enumerations (generated; see evcc.exi)."""

from evcc.exi._generated.app import *  # noqa: F403
from evcc.exi._generated.app import __all__  # noqa: F401

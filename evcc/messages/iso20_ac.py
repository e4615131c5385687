"""ISO 15118-20 AC message classes and enumerations (generated; see evcc.exi)."""

from evcc.exi._generated.iso20_ac import *  # noqa: F403
from evcc.exi._generated.iso20_ac import __all__  # noqa: F401

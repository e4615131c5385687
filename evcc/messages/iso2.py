"""ISO 15118-2 message classes and enumerations (generated; see evcc.exi)."""

from evcc.exi._generated.iso2 import *  # noqa: F403
from evcc.exi._generated.iso2 import __all__  # noqa: F401

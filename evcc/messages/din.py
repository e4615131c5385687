"""DIN SPEC 70121 message classes and enumerations (generated; see evcc.exi)."""

from evcc.exi._generated.din import *  # noqa: F403
from evcc.exi._generated.din import __all__  # noqa: F401

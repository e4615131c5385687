"""ISO 15118-20 CommonMessages message classes and enumerations (generated; see evcc.exi)."""

from evcc.exi._generated.iso20_common import *  # noqa: F403
from evcc.exi._generated.iso20_common import __all__  # noqa: F401

"""XML Signature (standalone grammar) message classes and enumerations (generated; see evcc.exi)."""

from evcc.exi._generated.xmldsig import *  # noqa: F403
from evcc.exi._generated.xmldsig import __all__  # noqa: F401

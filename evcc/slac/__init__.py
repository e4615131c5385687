"""SLAC on the EV side: HomePlug Green PHY MMEs and the sans-IO matching state machine."""

from evcc.slac.mme import Mme, build, parse
from evcc.slac.nid import nid_from_nmk

__all__ = ["Mme", "build", "nid_from_nmk", "parse"]

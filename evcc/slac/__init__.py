"""SLAC on the EV side: HomePlug Green PHY MMEs and the sans-IO matching state machine."""

from evcc.slac.ev import Phase, SlacConfig, SlacEv
from evcc.slac.events import Failed, Matched, Progress, SlacEvent, ValidateToggle
from evcc.slac.mme import Mme, build, parse
from evcc.slac.nid import nid_from_nmk

__all__ = [
    "Failed",
    "Matched",
    "Mme",
    "Phase",
    "Progress",
    "SlacConfig",
    "SlacEv",
    "SlacEvent",
    "ValidateToggle",
    "build",
    "nid_from_nmk",
    "parse",
]

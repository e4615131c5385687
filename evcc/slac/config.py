"""Configuration and phases of the EV SLAC state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from evcc.slac import constants as k


class Phase(Enum):
    """Where the EV is in the matching process."""

    IDLE = "idle"
    LEAVING = "leaving"
    PARM = "parm"
    SOUNDING = "sounding"
    VALIDATING = "validating"
    MATCHING = "matching"
    JOINING = "joining"
    AMP_MAP = "amp_map"
    MATCHED = "matched"
    WAITING = "waiting"
    FAILED = "failed"


@dataclass(frozen=True)
class SlacConfig:
    """Behaviour switches of the EV state machine."""

    timings: k.SlacTimings = field(default_factory=k.SlacTimings)
    #: Reject EVSEs whose average attenuation is above this (dB); None = no limit.
    max_attenuation_db: float | None = None
    #: Leave any old AVLN first with a CM_SET_KEY carrying a random NMK.
    leave_network: bool = True
    #: Decide as soon as every EVSE that sent CM_SLAC_PARM.CNF has sent its ATTEN_CHAR.IND.
    early_decision: bool = True
    #: Run CM_VALIDATE with the chosen EVSE before matching; timer code for the toggle.
    validate: bool = False
    validate_timer_code: int = 0
    #: Send CM_AMP_MAP.REQ with this AMDATA (4 bits per carrier) after the link is up.
    amp_map: bytes | None = None
    amp_map_carriers: int | None = None
    #: Poll the local modem until the AVLN is up ("link_status", "nw_info") or not ("none").
    link_check: str = "link_status"
    #: Address of the local modem for management messages.
    modem_mac: bytes = k.MODEM_MGMT_MAC
    sender_id: bytes = bytes(17)

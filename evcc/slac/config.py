"""Configuration, phases and timers of the EV SLAC state machine."""

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


class JoinStep(Enum):
    """The two halves of :attr:`Phase.JOINING`."""

    #: CM_SET_KEY.REQ with the AVLN key sent to the local modem, its CNF not yet seen.
    KEYING = "keying"
    #: The local modem took the key; waiting until it reports the AVLN link.
    LINKING = "linking"


class Timer(Enum):
    """The state machine's timers; at most one of each kind is armed."""

    LEAVE = "leave"  # CM_SET_KEY.CNF for the random leave key
    PARM = "parm"  # CM_SLAC_PARM.CNF (TT_match_response)
    BATCH = "batch"  # next CM_START_ATTEN_CHAR.IND / CM_MNBC_SOUND.IND
    ATTEN = "atten"  # TT_EV_atten_results
    VALIDATE = "validate"  # CM_VALIDATE.CNF
    MATCH = "match"  # CM_SLAC_MATCH.CNF
    SETKEY = "setkey"  # CM_SET_KEY.CNF for the AVLN key
    POLL = "poll"  # next link status request to the local modem
    JOIN = "join"  # TT_match_join: the AVLN must be up by then
    AMP = "amp"  # CM_AMP_MAP.CNF
    RESTART = "restart"  # TT_matching_rate: the next attempt


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

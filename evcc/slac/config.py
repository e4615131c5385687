"""Configuration, phases and timers of the EV SLAC state machine.

:meth:`SlacConfig.from_board` merges a board file's ``[slac]`` and ``[modem]`` tables with
explicit overrides (command-line flags, ``evcc run`` options); :class:`SlacConfig` checks
every value against its allowed range on construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Protocol

from evcc.errors import FrameError, SlacError
from evcc.slac import constants as k
from evcc.slac.mme import parse_mac

LINK_CHECKS = ("link_status", "nw_info", "none")
#: TP_EV_batch_msg_interval, ISO 15118-3 Table A.1 (seconds).
BATCH_INTERVAL_RANGE = (0.020, 0.050)
DEFAULT_MODEM_MAC = "00:b0:52:00:00:01"


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


class SlacConfigError(SlacError):
    """A SLAC setting outside its allowed range; ``setting`` names the field."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


class BoardSlac(Protocol):
    """The ``[slac]`` table of a board file (``evcc_platform.board.SlacBoardConfig``)."""

    @property
    def max_attenuation_db(self) -> float | None: ...

    @property
    def link_check(self) -> str: ...

    @property
    def leave_network(self) -> bool: ...


class BoardModem(Protocol):
    """The ``[modem]`` table of a board file (``evcc_platform.board.ModemConfig``)."""

    @property
    def mac(self) -> str: ...


class SlacBoard(Protocol):
    """What SLAC reads of a board file (``evcc_platform.board.Board``)."""

    @property
    def slac(self) -> BoardSlac: ...

    @property
    def modem(self) -> BoardModem: ...


@dataclass(frozen=True)
class SlacConfig:
    """Behaviour switches of the EV state machine; out-of-range values raise SlacConfigError."""

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

    def __post_init__(self) -> None:
        limit = self.max_attenuation_db
        if limit is not None and not (math.isfinite(limit) and 0.0 <= limit <= 255.0):
            raise SlacConfigError("max_attenuation_db", "must be within 0..255 dB")
        if self.link_check not in LINK_CHECKS:
            raise SlacConfigError("link_check", f"must be one of {', '.join(LINK_CHECKS)}")
        low, high = BATCH_INTERVAL_RANGE
        if not low <= self.timings.tp_ev_batch_msg_interval <= high:
            raise SlacConfigError("batch_interval", "must be within TP_EV_batch_msg_interval "
                                                    f"({low * 1000:g}..{high * 1000:g} ms)")
        if len(self.modem_mac) != 6:
            raise SlacConfigError("modem_mac", "must be a 6-byte MAC address")

    @classmethod
    def from_board(
        cls,
        board: SlacBoard | None,
        *,
        max_attenuation_db: float | None = None,
        link_check: str | None = None,
        leave_network: bool | None = None,
        early_decision: bool = True,
        validate: bool = False,
        batch_interval_ms: float | None = None,
        modem_mac: str | None = None,
    ) -> SlacConfig:
        """The board's settings, each replaced by its override when that is not None."""
        if max_attenuation_db is None and board is not None:
            max_attenuation_db = board.slac.max_attenuation_db
        if link_check is None:
            link_check = board.slac.link_check if board is not None else "link_status"
        if leave_network is None:
            leave_network = board.slac.leave_network if board is not None else True
        mac_text = modem_mac or (board.modem.mac if board is not None else DEFAULT_MODEM_MAC)
        try:
            mac = parse_mac(mac_text)
        except FrameError as exc:
            raise SlacConfigError("modem_mac", str(exc)) from None
        timings = k.SlacTimings()
        if batch_interval_ms is not None:
            if not math.isfinite(batch_interval_ms):
                raise SlacConfigError("batch_interval", "must be a number of milliseconds")
            timings = replace(timings, tp_ev_batch_msg_interval=batch_interval_ms / 1000.0)
        return cls(
            timings=timings, max_attenuation_db=max_attenuation_db, leave_network=leave_network,
            early_decision=early_decision, validate=validate, link_check=link_check,
            modem_mac=mac,
        )

"""What a state module answers after reading its response: the next step of the session."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from evcc.session.reasons import StopReason

__all__ = ["Fail", "Finish", "Guard", "Next", "Repeat", "Step"]


class Guard(StrEnum):
    """Sequence timers that bound a repeated request (see :mod:`evcc.session.timeouts`)."""

    ONGOING = "ongoing"  # EVSEProcessing=Ongoing loops (Authorization, ChargeParameterDiscovery)
    CABLE_CHECK = "cable_check"
    PRE_CHARGE = "pre_charge"


@dataclass(frozen=True, slots=True)
class Next:
    """Send the request of ``state`` (after ``delay`` seconds)."""

    state: str
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Repeat:
    """Send this state's request again, after ``delay``; ``guard`` bounds the repetition."""

    delay: float = 0.0
    guard: Guard | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The session ended normally (the SessionStopRes was read)."""

    reason: StopReason = StopReason.FINISHED
    detail: str = "SessionStopRes received"


@dataclass(frozen=True, slots=True)
class Fail:
    """The response is acceptable to the grammar but not to the EV: end the session."""

    reason: StopReason
    detail: str


Step = Next | Repeat | Finish | Fail

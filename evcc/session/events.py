"""Events a session core hands to its driver."""

from __future__ import annotations

from dataclasses import dataclass

from evcc.session.reasons import StopReason

__all__ = ["Ended", "ProtocolAgreed", "SessionEstablished", "SessionEvent", "StateEntered"]


@dataclass(frozen=True, slots=True)
class ProtocolAgreed:
    """SupportedAppProtocolRes chose a protocol the EV offered."""

    protocol: str  # "din", "iso2", "iso20-ac", ...
    namespace: str
    schema_id: int
    minor_deviation: bool


@dataclass(frozen=True, slots=True)
class SessionEstablished:
    """SessionSetupRes accepted; ``resumed`` when the SECC kept a paused session's id."""

    session_id: bytes
    evse_id: str
    resumed: bool


@dataclass(frozen=True, slots=True)
class StateEntered:
    """A request was sent (one line of progress per state on a terminal)."""

    state: str
    request: str
    at: float


@dataclass(frozen=True, slots=True)
class Ended:
    """The session is over; exactly one per session. ``detail`` is for people."""

    reason: StopReason
    detail: str
    requests: int
    at: float

    @property
    def ok(self) -> bool:
        return self.reason.ok


SessionEvent = ProtocolAgreed | SessionEstablished | StateEntered | Ended

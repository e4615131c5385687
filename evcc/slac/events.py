"""Events the SLAC state machine emits to its driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evcc.errors import SlacError
from evcc.slac.mme import fmt_mac


@dataclass(frozen=True)
class Progress:
    """A step of the matching process (for logs and the CLI)."""

    phase: str
    detail: str
    at: float

    def to_dict(self) -> dict[str, Any]:
        return {"event": "progress", "phase": self.phase, "detail": self.detail, "at": self.at}


@dataclass(frozen=True)
class ValidateToggle:
    """CM_VALIDATE asks the EV to toggle the control pilot (B<->C) ``count`` times."""

    evse_mac: bytes
    duration: float
    at: float


@dataclass(frozen=True)
class Matched:
    """Matching finished and the AVLN link is up (or link waiting was disabled)."""

    evse_mac: bytes
    nid: bytes
    run_id: bytes
    attenuation_db: dict[bytes, float]
    duration_ms: float
    match_ms: float
    attempts: int
    at: float = field(default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": "matched",
            "evse_mac": fmt_mac(self.evse_mac),
            "nid": self.nid.hex(),
            "run_id": self.run_id.hex(),
            "attenuation_db": {fmt_mac(m): round(a, 2) for m, a in self.attenuation_db.items()},
            "duration_ms": round(self.duration_ms, 1),
            "match_ms": round(self.match_ms, 1),
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class Failed:
    """Matching gave up (after the restart rules); ``reason`` says why."""

    reason: str
    attempts: int
    at: float

    def error(self) -> SlacError:
        return SlacError(f"SLAC failed after {self.attempts} attempt(s): {self.reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"event": "failed", "reason": self.reason, "attempts": self.attempts}


SlacEvent = Progress | ValidateToggle | Matched | Failed

"""Which EVSE to match with: what the EV heard from each, ranked by attenuation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class EvseHeard:
    """One EVSE as the EV heard it during an attempt."""

    mac: bytes
    parm_cnf: bool = False
    attenuation: float | None = None
    sounds: int = 0


def all_reported(evses: Iterable[EvseHeard]) -> bool:
    """True when some EVSE reported attenuation and none that answered is still missing."""
    heard = list(evses)
    return any(e.attenuation is not None for e in heard) and not any(
        e.parm_cnf and e.attenuation is None for e in heard)


def rank(evses: Iterable[EvseHeard], limit: float | None) -> list[bytes] | str:
    """MACs of the usable EVSEs, lowest attenuation first, or why there is none."""
    answered = sorted(
        (e for e in evses if e.attenuation is not None),
        key=lambda e: (e.attenuation, e.mac),
    )
    if not answered:
        return "no CM_ATTEN_CHAR.IND within TT_EV_atten_results"
    usable = [e for e in answered if limit is None or (e.attenuation or 0.0) <= limit]
    if not usable:
        return f"lowest attenuation {answered[0].attenuation:.1f} dB above {limit} dB"
    return [e.mac for e in usable]

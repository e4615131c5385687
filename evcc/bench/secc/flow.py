"""What a protocol module of the bench charger gives the core, and the state it works on.

A protocol module (:mod:`.din`, :mod:`.iso2`) has two tables keyed by request name:
``process(ctx, req)`` reads a request, updates the session state and returns the requests
allowed next (or a :class:`Refuse` with a FAILED code); ``respond(ctx, code)`` builds the
response body from the state only, so the core can also build a FAILED answer to any request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evcc.bench.secc.config import ChargerConfig
from evcc.bench.secc.events import CloseReason
from evcc.bench.secc.evse import EvseOutput
from evcc.bench.secc.faults import FaultSet
from evcc.session.dialects import HeaderBodyDialect

__all__ = ["Flow", "Next", "Refuse", "SessionState"]


@dataclass(frozen=True, slots=True)
class Next:
    """The request was accepted: which requests may follow, and whether the session ends."""

    expect: frozenset[str]
    end: CloseReason | None = None


@dataclass(frozen=True, slots=True)
class Refuse:
    """The request is refused with a FAILED response code (the SECC then closes)."""

    code: str
    detail: str = ""


@dataclass
class SessionState:
    """Everything the responses are built from."""

    config: ChargerConfig
    faults: FaultSet
    output: EvseOutput
    timestamp: int = 0
    rounds: dict[str, int] = field(default_factory=dict)
    loop_messages: int = 0
    energy_wh: float = 0.0
    schedule_id: int = 1
    energy_mode: str = ""
    cable_checked: bool = False
    charging: bool = False
    paused: bool = False

    def ongoing(self, name: str, wanted: int) -> bool:
        """Count a request of an Ongoing loop; True while ``wanted`` Ongoing answers are due."""
        seen = self.rounds.get(name, 0)
        self.rounds[name] = seen + 1
        return seen < wanted

    def still_ongoing(self, name: str, wanted: int) -> bool:
        """Whether the answer to the last counted request is Ongoing (no counting)."""
        return self.rounds.get(name, 0) <= wanted


Process = Callable[[SessionState, Any], "Next | Refuse"]
Respond = Callable[[SessionState, str], object]


@dataclass(frozen=True)
class Flow:
    """One protocol: its dialect, its request tables and how a request is named."""

    dialect: HeaderBodyDialect
    process: Mapping[str, Process]
    respond: Mapping[str, Respond]
    names: Mapping[type[object], str]

    def name_of(self, body: object) -> str | None:
        return self.names.get(type(body))

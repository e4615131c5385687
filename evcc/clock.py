"""One clock for the whole product: monotonic seconds for protocol timers, UTC for validity.

Protocol cores never read a clock themselves: drivers pass ``clock.monotonic()`` in as
``now``. Certificate and contract checks take ``clock.utc()``. Production code uses
:data:`SYSTEM_CLOCK`; tests use :class:`FakeClock`, which moves both readings together.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "FakeClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Where time comes from."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (protocol timers, deadlines)."""
        ...

    def utc(self) -> datetime:
        """The wall-clock time, timezone-aware UTC (certificate validity, records)."""
        ...


class SystemClock:
    """The machine's clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def utc(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK: Clock = SystemClock()


class FakeClock:
    """A clock that moves only when told; both readings advance together."""

    def __init__(self, utc: datetime | None = None, monotonic: float = 1000.0) -> None:
        start = utc if utc is not None else datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware UTC datetime")
        self._utc = start.astimezone(UTC)
        self._mono = float(monotonic)

    def monotonic(self) -> float:
        return self._mono

    def utc(self) -> datetime:
        return self._utc

    def advance(self, seconds: float) -> None:
        """Move both readings forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._mono += seconds
        self._utc += timedelta(seconds=seconds)

    def set_utc(self, when: datetime) -> None:
        """Jump the wall clock (as NTP or a user may do); the monotonic reading stays."""
        if when.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware UTC datetime")
        self._utc = when.astimezone(UTC)

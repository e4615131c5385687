"""Run the EV's SLAC (:class:`evcc.slac.ev.SlacEv`) to a match over any frame link."""

from __future__ import annotations

import math
from collections.abc import Callable

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.errors import SlacError
from evcc.runtime.drive import DriveTimeoutError, SansIoCore, drive
from evcc.runtime.link import Link
from evcc.slac.ev import SlacEv
from evcc.slac.events import Failed, Matched, SlacEvent


async def run_slac(
    link: Link,
    ev: SlacEv,
    *,
    clock: Clock = SYSTEM_CLOCK,
    timeout: float | None = None,
    on_event: Callable[[SlacEvent], None] | None = None,
) -> Matched:
    """Start ``ev`` and run it to the end; Matched, or SlacError (failure or timeout)."""
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise SlacError(f"timeout must be a positive number of seconds, got {timeout}")
    start = clock.monotonic()
    ev.start(start)

    def handle(event: SlacEvent) -> Matched | None:
        if on_event is not None:
            on_event(event)
        if isinstance(event, Failed):
            raise event.error()
        return event if isinstance(event, Matched) else None

    core: SansIoCore[SlacEvent] = ev
    try:
        return await drive(core, link, handle, clock=clock,
                           deadline=None if timeout is None else start + timeout)
    except DriveTimeoutError:
        phase = ev.phase.value
        ev.stop()
        raise SlacError(f"no match within {timeout:g} s (phase {phase})") from None

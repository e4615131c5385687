"""A blocking driver that runs the sans-IO :class:`SlacEv` over a frame link."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.errors import FrameError, SlacError
from evcc.slac.ev import SlacEv
from evcc.slac.events import Failed, Matched, Progress, SlacEvent


class FrameLink(Protocol):
    """What the runner needs from a modem interface (PlcModem or an emulator endpoint)."""

    def send(self, frame: bytes) -> None: ...

    def recv(self, timeout: float | None) -> bytes | None: ...


def run_slac(
    link: FrameLink,
    ev: SlacEv,
    *,
    timeout: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
    on_event: Callable[[SlacEvent], None] | None = None,
) -> Matched:
    """Run matching to the end; returns Matched or raises SlacError (failure or timeout)."""
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise SlacError(f"timeout must be a positive number of seconds, got {timeout}")
    start = clock.monotonic()
    ev.start(start)
    end = None if timeout is None else start + timeout
    while True:
        for frame in ev.bytes_to_send():
            link.send(frame)
        while (event := ev.next_event()) is not None:
            if on_event is not None:
                on_event(event)
            if isinstance(event, Matched):
                return event
            if isinstance(event, Failed):
                raise event.error()
        now = clock.monotonic()
        if end is not None and now >= end:
            ev.stop()
            raise SlacError(f"no match within {timeout:g} s (phase {ev.phase.value})")
        waits = [t - now for t in (ev.timer(), end) if t is not None]
        received = link.recv(max(0.0, min(waits)) if waits else None)
        now = clock.monotonic()
        if received is not None:
            try:
                ev.receive(received, now)
            except FrameError as exc:
                if on_event is not None:
                    on_event(Progress(ev.phase.value, f"ignored malformed frame: {exc}", now))
        deadline = ev.timer()
        if deadline is not None and now >= deadline:
            ev.handle_timer(now)

"""One asyncio loop for any sans-IO protocol core (SLAC now; SDP and V2G sessions next).

The core never touches sockets or clocks: :func:`drive` sends what it has to send, hands
each event to the caller, feeds it input and the time, and calls its timer when due. The
caller's ``on_event`` decides when the run is over (it returns a result) or failed (it
raises). A core with no timer waits for its peer, up to the overall ``deadline``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.errors import EvccError
from evcc.runtime.link import Link, LinkError

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)
R = TypeVar("R")


class SansIoCore(Protocol[E_co]):
    """The shape of every protocol core: input, output, events and one timer, time passed in."""

    def receive(self, data: bytes, now: float, /) -> None:
        """Input from the peer (``b""``: a stream peer closed); never raises for bad input."""
        ...

    def bytes_to_send(self) -> Sequence[bytes]:
        """What to transmit now, in order (one item per datagram on datagram links)."""
        ...

    def next_event(self) -> E_co | None:
        """The oldest pending event, or None."""
        ...

    def timer(self) -> float | None:
        """Absolute monotonic time at which :meth:`handle_timer` is due, or None."""
        ...

    def handle_timer(self, now: float, /) -> None:
        """Run what is due at ``now``."""
        ...


class DriveTimeoutError(EvccError):
    """The overall deadline passed before ``on_event`` returned a result."""


async def drive(
    core: SansIoCore[E],
    link: Link,
    on_event: Callable[[E], R | None],
    *,
    clock: Clock = SYSTEM_CLOCK,
    deadline: float | None = None,
) -> R:
    """Run ``core`` over ``link`` until ``on_event`` returns something other than None.

    ``deadline`` is an absolute time on ``clock.monotonic()``; when it passes,
    :class:`DriveTimeoutError` is raised. Exceptions from ``on_event`` end the run unchanged.
    """
    closed = False
    while True:
        for data in core.bytes_to_send():
            await link.send(data)
        while (event := core.next_event()) is not None:
            result = on_event(event)
            if result is not None:
                return result
        now = clock.monotonic()
        if deadline is not None and now >= deadline:
            raise DriveTimeoutError("the deadline passed")
        waits = [t - now for t in (core.timer(), deadline) if t is not None]
        wait = max(0.0, min(waits)) if waits else None
        if closed:
            if wait is None:
                raise LinkError("the peer closed the link and the core expects nothing more")
            await asyncio.sleep(wait)
        else:
            received = await link.recv(wait)
            if received is not None:
                core.receive(received, clock.monotonic())
                closed = received == b""
        due = core.timer()
        now = clock.monotonic()
        if due is not None and now >= due:
            core.handle_timer(now)

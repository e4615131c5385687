"""The in-process powerline emulator line as an asyncio :class:`Link` (demo and tests).

The line runs synchronously: a frame sent reaches the other hosts at once, and they answer
when polled. So after every send and before every receive the link lets the hosts on the
line answer until nobody has anything left; waiting for input then only lets time pass
(``wait``: ``asyncio.sleep``, or one that advances a FakeClock).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from evcc_platform.sim.inproc import SimEndpoint

from evcc.runtime.link import LinkError


class Host(Protocol):
    """Another host on the line (a simulated EVSE): handles what it was sent."""

    def poll(self) -> int:
        """Handle every queued frame; returns how many."""
        ...


class InProcessLink:
    """One endpoint of the in-process line, with the hosts that answer it."""

    def __init__(self, endpoint: SimEndpoint, hosts: Sequence[Host],
                 wait: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._endpoint = endpoint
        self._hosts = list(hosts)
        self._wait = wait

    async def send(self, data: bytes) -> None:
        """Put one frame on the line and let the other hosts answer."""
        self._endpoint.send(data)
        self._settle()

    async def recv(self, timeout: float | None) -> bytes | None:
        """The next frame delivered to this endpoint, or None after ``timeout``."""
        self._settle()
        frame = self._endpoint.recv()
        if frame is not None:
            return frame
        if timeout is None:
            raise LinkError("nothing can arrive on the in-process line while nobody sends")
        await self._wait(timeout)
        return None

    def _settle(self) -> None:
        while sum(host.poll() for host in self._hosts) > 0:
            pass

"""What the driver needs from a transport: send one unit, wait a bounded time for the next.

Datagram links (Ethernet frames of the PLC modem, the in-process emulator line, UDP for SDP)
hand over one datagram per :meth:`Link.recv` and never an empty one. Stream links (TCP for
V2G sessions) hand over whatever bytes arrived, cut anywhere; ``b""`` means the peer closed
the connection. Either kind returns None when ``timeout`` seconds pass without input.
Adapters: :mod:`evcc.runtime.packet`, :mod:`evcc.runtime.inproc`, :mod:`evcc.runtime.stream`;
a UDP adapter for SDP joins them with the same two methods.
"""

from __future__ import annotations

from typing import Protocol

from evcc.errors import EvccError


class LinkError(EvccError):
    """The transport cannot deliver (closed, or nothing can ever arrive)."""


class Link(Protocol):
    """One transport as the driver sees it."""

    async def send(self, data: bytes) -> None:
        """Transmit one datagram, or bytes on a stream."""
        ...

    async def recv(self, timeout: float | None) -> bytes | None:
        """Next input; None after ``timeout`` seconds (None = wait as long as it takes)."""
        ...

"""A raw-packet socket (the PLC modem's AF_PACKET interface) as an asyncio :class:`Link`."""

from __future__ import annotations

import asyncio
from typing import Protocol


class PacketSocket(Protocol):
    """What :class:`PacketLink` needs of ``evcc_platform.plc.PlcModem``."""

    def fileno(self) -> int: ...

    def send(self, frame: bytes) -> None: ...

    def recv_ready(self) -> bytes | None: ...


class PacketLink:
    """Frames of one modem interface; waits on the event loop for the socket to be readable."""

    def __init__(self, sock: PacketSocket) -> None:
        self._sock = sock

    async def send(self, data: bytes) -> None:
        """Transmit one Ethernet frame (the socket queues it at once)."""
        self._sock.send(data)

    async def recv(self, timeout: float | None) -> bytes | None:
        """The next frame for us, or None after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        while True:
            frame = self._sock.recv_ready()
            if frame is not None:
                return frame
            remaining = None if end is None else end - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            if not await self._readable(loop, remaining):
                return None

    async def _readable(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> bool:
        """Wait until the socket is readable; False after ``timeout`` seconds."""
        ready: asyncio.Future[bool] = loop.create_future()

        def wake(readable: bool) -> None:
            if not ready.done():
                ready.set_result(readable)

        fd = self._sock.fileno()
        loop.add_reader(fd, wake, True)
        timer = None if timeout is None else loop.call_later(timeout, wake, False)
        try:
            return await ready
        finally:
            loop.remove_reader(fd)
            if timer is not None:
                timer.cancel()

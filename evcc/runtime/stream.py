"""An asyncio stream (TCP, later TLS) as a :class:`Link` for V2G sessions."""

from __future__ import annotations

import asyncio


class StreamLink:
    """Bytes as they arrive on ``reader``; ``b""`` once the peer closed."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 chunk: int = 65536) -> None:
        self._reader = reader
        self._writer = writer
        self._chunk = chunk

    async def send(self, data: bytes) -> None:
        """Write ``data`` and wait until the transport takes it."""
        self._writer.write(data)
        await self._writer.drain()

    async def recv(self, timeout: float | None) -> bytes | None:
        """What arrived (cut anywhere), ``b""`` at end of stream, None after ``timeout``."""
        # asyncio.timeout, unlike wait_for, runs the read in this task (no task per wait:
        # the charge loop waits several times per message).
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(self._chunk)
        except TimeoutError:
            return None

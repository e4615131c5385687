"""The asyncio driver with a toy core, and the link adapters (packet, stream, in-process)."""

from __future__ import annotations

import asyncio
import random
import selectors
import socket
import time
from collections import deque
from dataclasses import dataclass, field

import pytest
from evcc_platform.sim.inproc import InProcessLine
from evcc_platform.sim.powerline import PortConfig, Powerline

from evcc.clock import SYSTEM_CLOCK, FakeClock
from evcc.runtime.drive import DriveTimeoutError, drive
from evcc.runtime.inproc import InProcessLink
from evcc.runtime.link import LinkError
from evcc.runtime.loop import new_event_loop
from evcc.runtime.loop import run as run_on_loop
from evcc.runtime.packet import PacketLink
from evcc.runtime.stream import StreamLink


@dataclass
class PingCore:
    """Sends ping, resends every second (``tries`` times), waits for pong; sans-IO."""

    tries: int = 3
    start: float = 0.0
    sent: int = 0
    buffer: bytes = b""
    ignored: int = 0
    received: list[bytes] = field(default_factory=list)
    _out: list[bytes] = field(default_factory=list)
    _events: deque[str] = field(default_factory=deque)
    _due: float | None = None

    def begin(self, now: float) -> None:
        self._ping(now)

    def _ping(self, now: float) -> None:
        self.sent += 1
        self._out.append(b"ping")
        self._due = now + 1.0

    def receive(self, data: bytes, now: float) -> None:
        self.received.append(data)
        if data == b"":
            self._due = None
            self._events.append(f"closed at {now:g}")
            return
        self.buffer += data
        if self.buffer == b"pong":
            self._due = None
            self._events.append(f"pong at {now:g}")
        elif not b"pong".startswith(self.buffer):
            self.ignored += 1  # peer garbage: ignored, never raised
            self.buffer = b""

    def bytes_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def next_event(self) -> str | None:
        return self._events.popleft() if self._events else None

    def timer(self) -> float | None:
        return self._due

    def handle_timer(self, now: float) -> None:
        if self.sent >= self.tries:
            self._due = None
            self._events.append("gave up")
        else:
            self._ping(now)


class ScriptedLink:
    """Answers the n-th ping with pong after ``delay``; waiting moves the fake clock."""

    def __init__(self, clock: FakeClock, answer_ping: int | None, delay: float = 0.25) -> None:
        self.clock = clock
        self.answer_ping = answer_ping
        self.delay = delay
        self.pings: list[float] = []
        self.pending: list[tuple[float, bytes]] = []

    async def send(self, data: bytes) -> None:
        self.pings.append(self.clock.monotonic())
        if len(self.pings) == self.answer_ping:
            self.pending.append((self.clock.monotonic() + self.delay, b"pong"))

    async def recv(self, timeout: float | None) -> bytes | None:
        now = self.clock.monotonic()
        if self.pending and (timeout is None or self.pending[0][0] <= now + timeout):
            when, data = self.pending.pop(0)
            self.clock.advance(max(0.0, when - now))
            return data
        assert timeout is not None, "the driver would wait forever"
        self.clock.advance(timeout)
        return None


def run(core: PingCore, link: object, **kw: object) -> str:
    return asyncio.run(drive(core, link, lambda e: e, **kw))  # type: ignore[arg-type]


def test_timers_fire_on_time_and_the_first_result_ends_the_run() -> None:
    clock = FakeClock(monotonic=10.0)
    core, link = PingCore(), ScriptedLink(clock, answer_ping=2)
    core.begin(clock.monotonic())
    assert run(core, link, clock=clock) == "pong at 11.25"
    assert link.pings == [10.0, 11.0] and core.sent == 2


def test_a_stalled_peer_lets_the_core_give_up_by_its_own_timers() -> None:
    clock = FakeClock(monotonic=0.0)
    core, link = PingCore(tries=3), ScriptedLink(clock, answer_ping=None)
    core.begin(0.0)
    assert run(core, link, clock=clock) == "gave up"
    assert link.pings == [0.0, 1.0, 2.0] and clock.monotonic() == 3.0


def test_the_deadline_ends_a_run_that_has_no_result() -> None:
    clock = FakeClock(monotonic=0.0)
    core, link = PingCore(tries=100), ScriptedLink(clock, answer_ping=None)
    core.begin(0.0)
    with pytest.raises(DriveTimeoutError):
        run(core, link, clock=clock, deadline=2.5)
    assert clock.monotonic() == 2.5 and link.pings == [0.0, 1.0, 2.0]


def test_errors_from_on_event_end_the_run_unchanged() -> None:
    clock = FakeClock(monotonic=0.0)
    core = PingCore(tries=1)
    core.begin(0.0)

    def refuse(event: str) -> None:
        raise ValueError(event)

    with pytest.raises(ValueError, match="gave up"):
        asyncio.run(drive(core, ScriptedLink(clock, None), refuse, clock=clock))


async def _tcp_peer(replies: list[bytes]) -> tuple[asyncio.Server, int]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readexactly(4) == b"ping"
        for piece in replies:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.02)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_stream_link_bytes_cut_anywhere_then_end_of_stream() -> None:
    async def main() -> tuple[str, PingCore]:
        server, port = await _tcp_peer([b"po", b"ng"])
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            core = PingCore()
            core.begin(SYSTEM_CLOCK.monotonic())
            result = await drive(core, StreamLink(reader, writer), lambda e: e)
            closed = await drive(core, StreamLink(reader, writer),
                                 lambda e: e if e.startswith("closed") else None)
            writer.close()
            return result.split(" at ")[0] + " / " + closed.split(" at ")[0], core

    result, core = asyncio.run(main())
    assert result == "pong / closed" and core.received[-1] == b"" and core.buffer == b"pong"
    assert len(core.received) >= 3  # two pieces at least, then the end of the stream


def test_after_the_peer_closed_a_core_without_timers_is_a_link_error() -> None:
    async def main() -> None:
        server, port = await _tcp_peer([b"xx"])
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            core = PingCore()
            core.begin(SYSTEM_CLOCK.monotonic())
            try:
                await drive(core, StreamLink(reader, writer), lambda e: None)
            finally:
                writer.close()

    with pytest.raises(LinkError, match="closed"):
        asyncio.run(main())


class DatagramSocket:
    """One end of a socketpair, shaped like PlcModem for PacketLink."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, frame: bytes) -> None:
        self.sock.send(frame)

    def recv_ready(self) -> bytes | None:
        try:
            return self.sock.recv(4096)
        except BlockingIOError:
            return None


def test_packet_link_waits_on_the_event_loop() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)

    async def main() -> tuple[bytes | None, float, bytes | None, bytes]:
        link = PacketLink(DatagramSocket(ours))
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        silent = await link.recv(0.05)
        waited = time.monotonic() - started
        loop.call_later(0.02, theirs.send, b"frame-1")
        got = await link.recv(5.0)
        await link.send(b"frame-2")
        return silent, waited, got, theirs.recv(100)

    try:
        silent, waited, got, echoed = asyncio.run(main())
    finally:
        ours.close()
        theirs.close()
    assert silent is None and waited >= 0.04
    assert got == b"frame-1" and echoed == b"frame-2"


def test_in_process_link_lets_time_pass_only_through_its_wait() -> None:
    clock = FakeClock(monotonic=0.0)
    line = Powerline([PortConfig("ev", "ev"), PortConfig("e1", "evse", 20)],
                     rng=random.Random(0))
    wire = InProcessLine(line, clock)
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    link = InProcessLink(wire.endpoint("ev", bytes.fromhex("020000000e01")), [], wait=wait)
    assert asyncio.run(link.recv(0.5)) is None and waits == [0.5] and clock.monotonic() == 0.5
    with pytest.raises(LinkError, match="nobody sends"):
        asyncio.run(link.recv(None))


def test_the_runtime_loop_keeps_timers_to_well_under_a_millisecond() -> None:
    async def lateness() -> float:
        loop = asyncio.get_running_loop()
        worst = 0.0
        for _ in range(10):
            start = loop.time()
            await asyncio.sleep(0.0105)
            worst = max(worst, loop.time() - start - 0.0105)
        return worst

    assert isinstance(new_event_loop()._selector, selectors.SelectSelector)  # type: ignore[attr-defined]
    assert run_on_loop(lateness()) < 0.05  # a sanity bound only; precision is benchmarked

"""The bench charger on the network: asyncio TCP and TLS 1.2 listeners around :class:`SeccCore`,
plus the SDP responder. One session at a time; :meth:`BenchCharger.close` leaves no task or
socket behind. Usable as ``async with BenchCharger(...) as charger:``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import ssl
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from evcc.bench.secc.config import ChargerConfig
from evcc.bench.secc.core import SeccCore
from evcc.bench.secc.discovery import ChargerError, SdpOffer, SdpServer, link_local
from evcc.bench.secc.tls import server_context
from evcc.sdp import SDP_PORT

__all__ = ["BenchCharger", "SessionRecord", "TlsMode"]

TlsMode = Literal["off", "on", "required"]
_READ = 65536
_TLS_HANDSHAKE_TIMEOUT = 10.0


@dataclass(frozen=True)
class SessionRecord:
    """What one connection did: one line of ``evcc bench charger`` output."""

    index: int
    protocol: str | None
    tls: str | None  # TLS version, or None for plain TCP
    cipher: str | None
    requests: list[str] = field(default_factory=list)
    close_reason: str = ""
    detail: str = ""
    loop_messages: int = 0
    session_id: str | None = None
    duration_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class BenchCharger:
    """The SECC simulator: TCP (and TLS) listeners, and an SDP responder when asked."""

    def __init__(
        self,
        config: ChargerConfig,
        *,
        host: str = "::1",
        iface: str | None = None,
        tls: TlsMode = "off",
        pki: Path | None = None,
        sdp: bool = False,
        sdp_port: int = SDP_PORT,
        sessions: int | None = None,
        on_session: Callable[[SessionRecord], None] | None = None,
        rng: random.Random | None = None,
        address_wait: float = 5.0,
    ) -> None:
        if tls != "off" and pki is None:
            raise ChargerError("TLS needs a bench PKI directory (evcc pki init DIR)")
        self.config = config
        self.tls_mode = tls
        self.records: list[SessionRecord] = []
        self.sdp: SdpServer | None = None
        self.tcp_port: int | None = None
        self.tls_port: int | None = None
        self.address = host
        self.scope_id = 0
        self._host, self._iface, self._pki = host, iface, pki
        self._want_sdp, self._sdp_port = sdp, sdp_port
        self._limit = sessions
        self._on_session = on_session
        self._rng = rng if rng is not None else random.Random()
        self._address_wait = address_wait
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = False
        self._closing = False
        self._paused: bytes | None = None
        self._done = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> BenchCharger:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise

    async def _start(self) -> None:
        await self._resolve_address()
        context = None
        if self.tls_mode != "off":
            assert self._pki is not None
            context = server_context(self._pki, expired=self._fault("expired_cert"),
                                     foreign=self._fault("foreign_root"))
            self.tls_port = await self._listen(context)
        if self.tls_mode != "required":
            self.tcp_port = await self._listen(None)
        if self._want_sdp:
            offer = SdpOffer(ipaddress.IPv6Address(self.address), self.tls_port, self.tcp_port)
            on_iface = self._iface is not None
            self.sdp = SdpServer(offer, host="::" if on_iface else self.address,
                                 port=self._sdp_port, scope_id=self.scope_id)
            await self.sdp.start()

    async def close(self) -> None:
        """Stop listening, end a running session, release every socket and task."""
        self._closing = True
        if self.sdp is not None:
            self.sdp.close()
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        self._done.set()

    async def wait_done(self) -> None:
        """Until ``sessions`` sessions were served (or the charger was closed)."""
        await self._done.wait()

    # ------------------------------------------------------------------ setup
    def _fault(self, name: str) -> bool:
        return self.config.fault_set().has(name)

    async def _resolve_address(self) -> None:
        if self._iface is not None:
            deadline = time.monotonic() + self._address_wait
            while (found := link_local(self._iface)) is None:
                if time.monotonic() >= deadline:
                    raise ChargerError(f"no usable fe80:: address on {self._iface}")
                await asyncio.sleep(0.1)
            self.address, self.scope_id = found
            return
        host, _, scope = self._host.partition("%")
        self.address = host
        if scope:
            try:
                self.scope_id = int(scope) if scope.isdigit() else socket.if_nametoindex(scope)
            except OSError:
                raise ChargerError(f"no interface {scope!r}") from None

    async def _listen(self, context: ssl.SSLContext | None) -> int:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.address, 0, 0, self.scope_id))
            sock.listen(2)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise ChargerError(f"cannot listen on [{self.address}]: {exc}") from None
        port: int = sock.getsockname()[1]

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._connection(reader, writer)

        server = await asyncio.start_server(
            handle, sock=sock, ssl=context,
            ssl_handshake_timeout=_TLS_HANDSHAKE_TIMEOUT if context else None)
        self._servers.append(server)
        return port

    # ------------------------------------------------------------------ sessions
    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        if self._busy or self._closing:
            writer.close()  # one outlet: one session at a time
            return
        self._busy = True
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._session(reader, writer)
        finally:
            self._busy = False
            self._tasks.discard(task)
            writer.close()
            with suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        core = SeccCore(self.config, started, rng=self._rng, paused_session=self._paused)
        try:
            while True:
                out = b"".join(core.bytes_to_send())
                if out:
                    writer.write(out)
                    await writer.drain()
                if core.done:
                    break
                deadline = core.timer()
                try:
                    async with asyncio.timeout_at(deadline):
                        data = await reader.read(_READ)
                except TimeoutError:
                    core.handle_timer(loop.time())
                    continue
                except (ConnectionError, OSError):
                    data = b""
                core.receive(data, loop.time())
        except (ConnectionError, OSError):
            core.receive(b"", loop.time())
        finally:
            self._finish(core, writer, started, loop.time())

    def _finish(self, core: SeccCore, writer: asyncio.StreamWriter, started: float,
                ended: float) -> None:
        ssl_object = writer.get_extra_info("ssl_object")
        cipher = ssl_object.cipher() if ssl_object is not None else None
        closed = core.closed
        record = SessionRecord(
            index=len(self.records) + 1, protocol=core.protocol,
            tls=ssl_object.version() if ssl_object is not None else None,
            cipher=cipher[0] if cipher else None, requests=list(core.received),
            close_reason=closed.reason.value if closed else "aborted",
            detail=closed.detail if closed else "charger closed",
            loop_messages=core.loop_messages,
            session_id=core.session_id.hex().upper() if core.session_id else None,
            duration_ms=round((ended - started) * 1000))
        if core.paused_session_id is not None:
            self._paused = core.paused_session_id
        elif core.session_id is not None:
            self._paused = None
        self.records.append(record)
        if self._on_session is not None:
            self._on_session(record)
        if self._limit is not None and len(self.records) >= self._limit:
            self._done.set()

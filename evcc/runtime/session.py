"""One V2G session on a link that is up: SDP, TCP or TLS 1.2, then the session core.

:func:`run_session` never raises for anything the charger does: every end is a
:class:`SessionResult` with a stable ``stop_reason`` (the CLI's JSON contract). It raises only
for the EV's own configuration (no such interface, no root to trust for TLS).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.runtime.drive import DriveTimeoutError, SansIoCore, drive
from evcc.runtime.link import LinkError
from evcc.runtime.sdp import discover
from evcc.runtime.stream import StreamLink
from evcc.sdp import SDP_MULTICAST_ADDRESS, SDP_PORT, Discovered, SdpConfig, TlsPolicy
from evcc.session.config import ChargeConfig
from evcc.session.core import Command, ProtocolFactory, SessionConfig, SessionCore
from evcc.session.events import Ended, SessionEstablished, SessionEvent
from evcc.session.protocol import ProtocolSpec
from evcc.session.vehicle import Vehicle

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["SessionOptions", "SessionResult", "run_session"]

Auth = Literal["eim", "pnc"]
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class SessionOptions:
    """What the EV wants of one session."""

    iface: str
    vehicle: Vehicle
    charge: ChargeConfig = field(default_factory=ChargeConfig)
    protocols: tuple[str, ...] = ("iso2", "din")
    auth: Auth = "eim"
    tls: TlsPolicy = "auto"
    roots: Sequence[x509.Certificate] = ()
    keylog: Path | None = None
    timeout: float | None = None  # the whole session, seconds
    timeout_scale: float = 1.0  # bench: stretch message timeouts for a slow peer
    sdp_port: int = SDP_PORT
    sdp_address: str = SDP_MULTICAST_ADDRESS
    sdp_requests: int = 50  # SDP requests before giving up ([V2G2-161])
    resume_session: bytes | None = None  # ISO-2: the id of a paused session to resume


@dataclass
class SessionResult:
    """How a session went; :meth:`to_json` is the CLI's last JSON line."""

    ok: bool
    stop_reason: str
    detail: str
    protocol: str | None = None
    energy: str = "dc"
    auth: str = "eim"
    tls: str | None = None
    emaid: str | None = None
    cert_installed: bool = False
    requests: int = 0
    duration_ms: float = 0.0
    evse_id: str | None = None
    session_id: str | None = None
    resumed: bool = False
    secc: str | None = None
    bench: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok, "protocol": self.protocol, "energy": self.energy, "auth": self.auth,
            "tls": self.tls, "emaid": self.emaid, "cert_installed": self.cert_installed,
            "requests": self.requests, "stop_reason": self.stop_reason,
            "duration_ms": round(self.duration_ms, 1), "detail": self.detail,
            "evse_id": self.evse_id, "session_id": self.session_id, "resumed": self.resumed,
            "secc": self.secc,
        }
        if self.bench:
            out["bench_options"] = self.bench
        if self.notes:
            out["notes"] = self.notes
        return out


def _factories(options: SessionOptions) -> dict[str, ProtocolFactory]:
    """Protocol factories; each imports its protocol (and grammar) only when chosen."""
    vehicle, charge = options.vehicle, options.charge
    resume = options.resume_session

    def make_iso2() -> ProtocolSpec[Any]:
        from evcc.session import iso2  # noqa: PLC0415 - load the grammar only when chosen

        return iso2.protocol(vehicle, charge, resume_session=resume)

    def make_din() -> ProtocolSpec[Any]:
        from evcc.session import din  # noqa: PLC0415 - load the grammar only when chosen

        return din.protocol(vehicle, charge)

    made: dict[str, ProtocolFactory] = {"iso2": make_iso2}
    if charge.energy == "dc":
        made["din"] = make_din
    return made


async def run_session(options: SessionOptions, *, clock: Clock = SYSTEM_CLOCK,
                      on_event: Callable[[SessionEvent], None] | None = None) -> SessionResult:
    """SDP, connect, run the session to its end; the result says how it went."""
    start = clock.monotonic()
    result = SessionResult(ok=False, stop_reason="", detail="", energy=options.charge.energy,
                           auth=options.auth, bench=_bench(options))
    factories = _factories(options)
    protocols = tuple(p for p in options.protocols if p in factories)
    if options.auth == "pnc":
        return _done(result, "pnc_unavailable",
                     "Plug & Charge is not available in this version; use --auth eim", clock, start)
    if not protocols:
        return _done(result, "no_protocol",
                     f"none of {', '.join(options.protocols)} can charge {options.charge.energy}",
                     clock, start)
    policy = options.tls
    if policy == "auto" and not options.roots:
        policy = "off"
        result.notes.append("no V2G root to trust: plain TCP (EIM only)")
    if policy == "on" and not options.roots:
        return _done(result, "tls_no_trusted_root", "TLS needs a V2G root in the keystore",
                     clock, start)
    loopback = ipaddress.ip_address(options.sdp_address).is_loopback
    sdp = SdpConfig(tls=policy, allow_loopback=loopback, max_requests=options.sdp_requests)
    try:
        found = await asyncio.wait_for(
            discover(options.iface, sdp, clock=clock, port=options.sdp_port,
                     address=options.sdp_address),
            options.timeout)
    except TimeoutError:
        return _done(result, "timeout_overall", "the overall timeout passed during SDP",
                     clock, start)
    if not isinstance(found, Discovered):
        return _done(result, found.reason.value, found.detail, clock, start)
    secc = found.response
    host = f"{secc.address}%{options.iface}" if secc.address.is_link_local else str(secc.address)
    result.secc = f"[{host}]:{secc.port}"
    connected = await _connect(host, secc.port, use_tls=secc.tls, options=options, clock=clock,
                               result=result)
    if isinstance(connected, _Refused):
        return _done(result, connected.reason, connected.detail, clock, start)
    reader, writer = connected
    try:
        core = SessionCore(SessionConfig(protocols=protocols, timeout_scale=options.timeout_scale),
                           factories)
        await _drive(core, StreamLink(reader, writer), options, clock=clock, start=start,
                     result=result, on_event=on_event)
    finally:
        await _close(writer)
    result.duration_ms = (clock.monotonic() - start) * 1000
    return result


async def _drive(core: SessionCore, link: StreamLink, options: SessionOptions, *,
                 clock: Clock, start: float, result: SessionResult,
                 on_event: Callable[[SessionEvent], None] | None) -> None:
    def handle(event: SessionEvent) -> Ended | None:
        if on_event is not None:
            on_event(event)
        if isinstance(event, SessionEstablished):
            result.evse_id, result.session_id = event.evse_id, event.session_id.hex().upper()
            result.resumed = event.resumed
        return event if isinstance(event, Ended) else None

    core.start(clock.monotonic())
    deadline = None if options.timeout is None else start + options.timeout
    sansio: SansIoCore[SessionEvent] = core
    try:
        ended = await drive(sansio, link, handle, clock=clock, deadline=deadline)
    except (DriveTimeoutError, LinkError, OSError, ssl.SSLError) as exc:
        core.send(Command.ABORT, clock.monotonic())
        result.ok = False
        if isinstance(exc, DriveTimeoutError):
            result.stop_reason, result.detail = "timeout_overall", "the overall timeout passed"
        else:
            result.stop_reason, result.detail = "connection_lost", f"{type(exc).__name__}: {exc}"
    else:
        result.ok = ended.ok
        result.stop_reason = ended.reason.value
        result.detail = ended.detail
    result.protocol = core.protocol
    result.requests = core.requests
    ctx = core.context
    if ctx is not None:
        result.notes.extend(ctx.notes)


@dataclass(frozen=True, slots=True)
class _Refused:
    reason: str
    detail: str


async def _connect(host: str, port: int, *, use_tls: bool, options: SessionOptions,
                   clock: Clock, result: SessionResult
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | _Refused:
    """TCP, or TLS 1.2 with the SECC chain checked; the refusal when the EV will not go on."""
    if not use_tls:
        try:
            return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            return _Refused("tcp_connect_failed", f"{result.secc}: {exc}")
    from evcc.runtime import tls  # noqa: PLC0415 - cryptography only when TLS is used

    context = tls.client_context(options.roots, keylog=options.keylog)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=""),
            CONNECT_TIMEOUT)
    except (ssl.SSLError, ssl.CertificateError) as exc:
        failed = tls.refusal_of(exc)
        return _Refused(failed.reason, failed.detail)
    except (OSError, TimeoutError) as exc:
        return _Refused("tcp_connect_failed", f"{result.secc}: {exc}")
    ssl_object = writer.get_extra_info("ssl_object")
    result.tls = ssl_object.version() if ssl_object is not None else None
    chain = tls.verified_chain(ssl_object) if ssl_object is not None else None
    refusal = tls.check_secc_chain(chain or [], clock.utc(), result.notes)
    if refusal is None:
        return reader, writer
    await _close(writer)
    return _Refused(refusal.reason, refusal.detail)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)


def _bench(options: SessionOptions) -> dict[str, Any]:
    used: dict[str, Any] = {}
    if options.timeout_scale != 1.0:
        used["timeout_scale"] = options.timeout_scale
    if options.charge.lenient_pre_charge is not None:
        used["lenient_pre_charge"] = options.charge.lenient_pre_charge
    return used


def _done(result: SessionResult, reason: str, detail: str, clock: Clock,
          start: float) -> SessionResult:
    result.stop_reason, result.detail = reason, detail
    result.duration_ms = (clock.monotonic() - start) * 1000
    return result

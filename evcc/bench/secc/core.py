"""The SECC side of one V2G connection, sans-IO: SupportedAppProtocol, then DIN or ISO-2.

Driver API, the mirror of the EV core: :meth:`SeccCore.receive` (TCP/TLS bytes cut anywhere;
``b""`` when the EV closed), :meth:`~SeccCore.bytes_to_send`, :meth:`~SeccCore.next_event`,
:meth:`~SeccCore.timer`, :meth:`~SeccCore.handle_timer`. Output can be scheduled for later
(the ``drip`` fault): :meth:`~SeccCore.timer` then names the time of the next piece, and
:meth:`~SeccCore.bytes_to_send` hands out what is due. When :attr:`~SeccCore.done` is true the
driver closes the connection. Nothing the EV sends raises out of the core.

Checked for every request: V2GTP framing, the grammar, the session id (``FAILED_UnknownSession``),
the order (``FAILED_SequenceError``); a FAILED answer is followed by closing the connection.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from evcc import exi, v2gtp
from evcc.bench.secc import din, iso2
from evcc.bench.secc.config import PROTOCOL_NAMESPACES, ChargerConfig
from evcc.bench.secc.events import CloseReason, RequestReceived, SeccEvent, SessionClosed
from evcc.bench.secc.evse import EvseOutput
from evcc.bench.secc.faults import Fault
from evcc.bench.secc.flow import Flow, Next, Refuse, SessionState
from evcc.errors import EvccError, ExiDecodeError, ExiEncodeError, V2gtpError
from evcc.messages import app

__all__ = ["DRIP_CHUNK", "DRIP_INTERVAL", "SeccCore"]

SAP_REQUEST = "SupportedAppProtocolReq"
SETUP_REQUEST = "SessionSetupReq"
STOP_REQUEST = "SessionStopReq"
#: The ``drip`` fault sends a response DRIP_CHUNK bytes at a time, DRIP_INTERVAL s apart.
DRIP_CHUNK = 3
DRIP_INTERVAL = 0.05
_FLOWS: dict[str, Flow] = {"din": din.FLOW, "iso2": iso2.FLOW}
_ZERO_SESSION = bytes(8)
# What a handler may raise on a request that decodes but makes no sense to it.
_HANDLER_ERRORS = (EvccError, ValueError, TypeError, AttributeError, KeyError, IndexError,
                   ArithmeticError)


@dataclass(frozen=True, slots=True)
class _Choice:
    protocol: str | None
    schema_id: int | None
    code: app.ResponseCodeType


class SeccCore:
    """One TCP/TLS connection of the bench charger."""

    def __init__(
        self,
        config: ChargerConfig,
        now: float,
        *,
        rng: random.Random | None = None,
        utc: Callable[[], float] = time.time,
        paused_session: bytes | None = None,
    ) -> None:
        self.config = config
        self._faults = config.fault_set()
        self._rng = rng if rng is not None else random.Random()
        self._utc = utc
        self._paused = paused_session
        self._stream = v2gtp.StreamBuffer()
        self._out: deque[tuple[float, bytes]] = deque()
        self._events: deque[SeccEvent] = deque()
        self._now = now
        self._deadline: float | None = now + config.sequence_timeout
        self._flow: Flow | None = None
        self._state = SessionState(config, self._faults, EvseOutput(config.limits))
        self._expect: frozenset[str] = frozenset({SAP_REQUEST})
        self._session_id: bytes | None = None
        self._counts: dict[str, int] = {}
        self._stalled = False
        self.closed: SessionClosed | None = None
        self.protocol: str | None = None
        self.received: list[str] = []
        self.answered: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ driver API
    @property
    def session_id(self) -> bytes | None:
        return self._session_id

    @property
    def paused_session_id(self) -> bytes | None:
        """The session id to keep for a resumed SessionSetup (after SessionStop with Pause)."""
        if self.closed is not None and self.closed.reason is CloseReason.PAUSED:
            return self._session_id
        return None

    @property
    def done(self) -> bool:
        """The session is over and everything was handed out: close the connection."""
        return self.closed is not None and not self._out

    @property
    def loop_messages(self) -> int:
        return self._state.loop_messages

    def receive(self, data: bytes, now: float) -> None:
        """Bytes from the EV, cut anywhere; ``b""`` means the EV closed the connection."""
        self._now = now
        if self.closed is not None:
            return
        if not data:
            self._out.clear()  # nobody left to read it
            self._close(CloseReason.EV_CLOSED)
            return
        if self._stalled:
            return
        try:
            frames = self._stream.feed(data)
        except V2gtpError as exc:
            self._close(CloseReason.BAD_FRAMING, str(exc))
            return
        for frame in frames:
            if self.closed is not None or self._stalled:
                return
            if self.config.sequence_timeout:
                self._deadline = now + self.config.sequence_timeout
            try:
                self._on_frame(frame)
            except Exception as exc:  # last line of defence: the core never raises on input
                self._close(CloseReason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")

    def bytes_to_send(self) -> list[bytes]:
        """Output due by the last ``now`` the core was given, one item per write."""
        out: list[bytes] = []
        while self._out and self._out[0][0] <= self._now:
            out.append(self._out.popleft()[1])
        return out

    def next_event(self) -> SeccEvent | None:
        return self._events.popleft() if self._events else None

    def timer(self) -> float | None:
        """When :meth:`handle_timer` wants to run: the next scheduled output or the timeout."""
        times = [self._out[0][0]] if self._out and self._out[0][0] > self._now else []
        if self.closed is None and self._deadline is not None:
            times.append(self._deadline)
        return min(times) if times else None

    def handle_timer(self, now: float) -> None:
        self._now = now
        if self.closed is None and self._deadline is not None and now >= self._deadline:
            self._close(CloseReason.TIMEOUT, "no request within the sequence timeout")

    # ------------------------------------------------------------------ requests
    def _on_frame(self, frame: v2gtp.Frame) -> None:
        if frame.payload_type is not v2gtp.PayloadType.EXI:
            self._close(CloseReason.BAD_FRAMING, f"payload type {frame.payload_type.name}")
            return
        if self._flow is None:
            self._handshake(frame.payload)
            return
        try:
            session_id, body = self._flow.dialect.decode(frame.payload)
        except ExiDecodeError as exc:
            self._close(CloseReason.BAD_EXI, str(exc))
            return
        except _HANDLER_ERRORS as exc:  # a document that decodes without a Header or Body
            self._close(CloseReason.BAD_EXI, f"{type(exc).__name__}: {exc}")
            return
        name = self._flow.name_of(body)
        if name is None:
            self._close(CloseReason.SEQUENCE_ERROR, f"{type(body).__name__} is not served here")
            return
        faults = self._note(name)
        if faults is None:
            return
        if name == SETUP_REQUEST and SETUP_REQUEST in self._expect:
            self._session_setup(session_id, body, faults)
            return
        if session_id != self._session_id:
            self._refuse(name, "FAILED_UnknownSession", faults, CloseReason.UNKNOWN_SESSION,
                         f"session id {session_id.hex()}")
            return
        if name not in self._expect and not (name == STOP_REQUEST and self._session_id):
            self._refuse(name, "FAILED_SequenceError", faults, CloseReason.SEQUENCE_ERROR,
                         f"{name} while expecting {', '.join(sorted(self._expect))}")
            return
        self._process(name, body, faults, "OK")

    def _note(self, name: str) -> list[Fault] | None:
        """Record a request and apply close/stall faults (None: nothing more to do)."""
        self.received.append(name)
        self._events.append(RequestReceived(name))
        count = self._counts.get(name, 0) + 1
        self._counts[name] = count
        faults = self._faults.at_request(name, count)
        names = {f.name for f in faults}
        if "close" in names:
            self._close(CloseReason.FAULT, f"close at {name}")
            return None
        if "stall" in names:
            self._stalled = True
            return None
        return faults

    def _session_setup(self, session_id: bytes, body: object, faults: list[Fault]) -> None:
        if self._paused is not None and session_id == self._paused != _ZERO_SESSION:
            self._session_id, code = self._paused, "OK_OldSessionJoined"
        else:
            fresh = self._rng.randbytes(8)
            while fresh in (_ZERO_SESSION, self._paused):
                fresh = self._rng.randbytes(8)
            self._session_id, code = fresh, "OK_NewSessionEstablished"
        self._process(SETUP_REQUEST, body, faults, code)

    def _process(self, name: str, body: object, faults: list[Fault], code: str) -> None:
        assert self._flow is not None
        failed = [f for f in faults if f.name == "failed"]
        if failed:
            self._refuse(name, failed[0].code or "FAILED", faults, CloseReason.FAILED_SENT,
                         "failed fault")
            return
        try:
            step: Next | Refuse = self._flow.process[name](self._state, body)
        except _HANDLER_ERRORS as exc:
            step = Refuse("FAILED", f"{type(exc).__name__}: {exc}")
        if isinstance(step, Refuse):
            self._refuse(name, step.code, faults, CloseReason.FAILED_SENT, step.detail)
            return
        self._expect = step.expect
        self._answer(name, code, faults)
        if step.end is not None:
            self._close(step.end)

    def _refuse(self, name: str, code: str, faults: list[Fault], reason: CloseReason,
                detail: str) -> None:
        self._answer(name, code, faults)
        self._close(reason, detail or code)

    def _answer(self, name: str, code: str, faults: list[Fault]) -> None:
        assert self._flow is not None
        self._state.timestamp = int(self._utc())
        session_id = self._session_id or _ZERO_SESSION
        if any(f.name == "wrong_session_id" for f in faults):
            session_id = bytes(b ^ 0xFF for b in session_id)
        try:
            body = self._flow.respond[name](self._state, code)
            payload = self._flow.dialect.encode(session_id, body)
        except (ExiEncodeError, *_HANDLER_ERRORS) as exc:
            self._close(CloseReason.INTERNAL_ERROR, f"cannot answer {name}: {exc}")
            return
        self.answered.append((name, code))
        self._send(payload, faults)

    # ------------------------------------------------------------------ handshake
    def _handshake(self, payload: bytes) -> None:
        try:
            req = exi.decode(payload, "app")
        except ExiDecodeError as exc:
            self._close(CloseReason.BAD_EXI, str(exc))
            return
        if not isinstance(req, app.SupportedAppProtocolReq):
            self._close(CloseReason.BAD_EXI, f"{type(req).__name__} before the handshake")
            return
        faults = self._note(SAP_REQUEST)
        if faults is None:
            return
        choice = self._choose(req)
        if any(f.name == "failed" for f in faults):
            choice = _Choice(None, None, app.ResponseCodeType.Failed_NoNegotiation)
        res = app.SupportedAppProtocolRes(response_code=choice.code, schema_id=choice.schema_id)
        self.answered.append((SAP_REQUEST, choice.code.value))
        self._send(exi.encode(res, "app"), faults)
        if choice.protocol is None:
            self._close(CloseReason.NO_COMMON_PROTOCOL, "no offered protocol is served")
            return
        self.protocol = choice.protocol
        self._flow = _FLOWS[choice.protocol]
        self._expect = frozenset({SETUP_REQUEST})

    def _choose(self, req: app.SupportedAppProtocolReq) -> _Choice:
        """The EV's highest-priority protocol (1 = highest) this charger serves."""
        served = [p for p in self.config.protocols
                  if not (p == "din" and self.config.energy == "ac")]
        best: tuple[int, str, int, bool] | None = None
        for offer in req.app_protocol or []:
            for name in served:
                namespace, major, minor = PROTOCOL_NAMESPACES[name]
                if offer.protocol_namespace != namespace or offer.version_number_major != major:
                    continue
                candidate = (offer.priority, name, offer.schema_id,
                             offer.version_number_minor != minor)
                if best is None or candidate[0] < best[0]:
                    best = candidate
        if best is None:
            return _Choice(None, None, app.ResponseCodeType.Failed_NoNegotiation)
        code = (app.ResponseCodeType.OK_SuccessfulNegotiationWithMinorDeviation if best[3]
                else app.ResponseCodeType.OK_SuccessfulNegotiation)
        return _Choice(best[1], best[2], code)

    # ------------------------------------------------------------------ output
    def _send(self, payload: bytes, faults: list[Fault]) -> None:
        names = {f.name for f in faults}
        if "malformed_exi" in names:
            payload = _malformed(payload)
        data = v2gtp.frame(v2gtp.PayloadType.EXI, payload)
        if "garbage_v2gtp" in names:
            data = b"\x02" + data[1:]
        if "drip" in names:
            start = max([self._now, *(t for t, _ in self._out)])
            for i in range(0, len(data), DRIP_CHUNK):
                self._out.append((start + (i // DRIP_CHUNK) * DRIP_INTERVAL,
                                  data[i:i + DRIP_CHUNK]))
            return
        self._out.append((self._now, data))

    def _close(self, reason: CloseReason, detail: str = "") -> None:
        if self.closed is None:
            self.closed = SessionClosed(reason, detail)
            self._events.append(self.closed)


def _malformed(payload: bytes) -> bytes:
    """EXI that no V2G grammar accepts: the body cut in half and its first event code broken."""
    cut = payload[: max(2, len(payload) // 2)]
    return cut[:1] + bytes([cut[1] | 0xF0]) + cut[2:]

"""The sans-IO session core: handshake, framing, one outstanding request, checks and timers.

Driver API (as every protocol core here): :meth:`SessionCore.start`, :meth:`~SessionCore.receive`
(TCP/TLS bytes cut anywhere; ``b""`` when the peer closed), :meth:`~SessionCore.bytes_to_send`,
:meth:`~SessionCore.next_event`, :meth:`~SessionCore.timer`, :meth:`~SessionCore.handle_timer`,
and :meth:`~SessionCore.send` for the car's commands. Whatever the peer sends, the core never
raises: the session ends with exactly one :class:`~evcc.session.events.Ended`. Only misuse of
the API (starting twice) raises.

Checked here once, for every response: V2GTP framing and payload type, the EXI grammar, the
expected response type, the session id, a ``FAILED*`` response code, the message timeout and
the sequence timers (communication setup, Ongoing, CableCheck, PreCharge).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evcc import exi, v2gtp
from evcc.errors import EvccError, ExiDecodeError, ExiEncodeError, V2gtpError
from evcc.messages.app import SupportedAppProtocolReq, SupportedAppProtocolRes
from evcc.session import handshake
from evcc.session.events import (
    Ended,
    SessionEstablished,
    SessionEvent,
    StateEntered,
)
from evcc.session.protocol import Context, ProtocolSpec, State, StopRequest
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail, Finish, Guard, Next, Repeat, Step
from evcc.session.timeouts import HANDSHAKE_TIMEOUT, TimerTable

__all__ = ["Command", "SessionConfig", "SessionCore"]

ProtocolFactory = Callable[[], ProtocolSpec[Any]]

_GUARD_REASON = {
    Guard.ONGOING: StopReason.ONGOING_TIMEOUT,
    Guard.CABLE_CHECK: StopReason.CABLE_CHECK_TIMEOUT,
    Guard.PRE_CHARGE: StopReason.PRE_CHARGE_TIMEOUT,
}
# What a state handler may raise on a response that decodes but makes no sense to it.
_HANDLER_ERRORS = (EvccError, ValueError, TypeError, AttributeError, KeyError, IndexError,
                   ArithmeticError)


class Command(StrEnum):
    """Input from the car."""

    STOP = "stop"  # finish charging and end with SessionStop (Terminate)
    PAUSE = "pause"  # end with SessionStop (Pause), to resume later with the same session id
    ABORT = "abort"  # end now without a word (CP state A, shutdown)


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """The EV's choices for one session."""

    protocols: tuple[str, ...] = ("iso2", "din")
    timeout_scale: float = 1.0
    communication_setup: float = 20.0
    max_payload: int = v2gtp.DEFAULT_MAX_PAYLOAD


class SessionCore:
    """One V2G communication session of the EV, from SupportedAppProtocolReq to the end."""

    def __init__(self, config: SessionConfig, protocols: Mapping[str, ProtocolFactory]) -> None:
        missing = [p for p in config.protocols if p not in protocols]
        if missing:
            raise ValueError(f"no implementation for protocol {missing[0]!r}")
        self.config = config
        self._offer = handshake.offer(config.protocols)
        self._factories = dict(protocols)
        self._stream = v2gtp.StreamBuffer(config.max_payload)
        self._out = bytearray()
        self._events: deque[SessionEvent] = deque()
        self._spec: ProtocolSpec[Any] | None = None
        self._timers: TimerTable | None = None
        self._state: State[Any] | None = None
        self._awaiting: type[object] | None = None
        self._request = ""
        self._msg_deadline: float | None = None
        self._send_at: float | None = None
        self._setup_deadline: float | None = None
        self._guard: tuple[Guard, float] | None = None
        self._started = False
        self._established = False
        self._ended: Ended | None = None
        self.requests = 0
        self.ignored_after_end = 0

    # ------------------------------------------------------------------ driver API
    @property
    def ended(self) -> Ended | None:
        return self._ended

    @property
    def context(self) -> Context | None:
        return None if self._spec is None else self._spec.context

    @property
    def protocol(self) -> str | None:
        return None if self._spec is None else self._spec.dialect.name

    def start(self, now: float) -> None:
        """Send SupportedAppProtocolReq (the TCP or TLS connection is up)."""
        if self._started:
            raise RuntimeError("session already started")
        self._started = True
        self._setup_deadline = now + self.config.communication_setup
        req = handshake.build_request(self._offer)
        try:
            payload = exi.encode(req, "app")
        except ExiEncodeError as exc:
            self._end(StopReason.ENCODE_ERROR, f"SupportedAppProtocolReq: {exc}", now)
            return
        self._transmit(v2gtp.PayloadType.EXI, payload, "SupportedAppProtocolReq",
                       SupportedAppProtocolRes,
                       timeout=HANDSHAKE_TIMEOUT * self.config.timeout_scale, now=now)
        self._events.append(StateEntered("handshake", "SupportedAppProtocolReq", now))

    def send(self, command: Command, now: float) -> None:
        """A command from the car."""
        if self._ended is not None:
            return
        if command is Command.ABORT:
            self._end(StopReason.ABORTED, "stopped by the vehicle", now)
            return
        request = StopRequest.PAUSE if command is Command.PAUSE else StopRequest.TERMINATE
        if self._spec is None:
            # Before a protocol is agreed there is no session to stop politely.
            self._end(StopReason.ABORTED, f"{command.value} before the session was set up", now)
            return
        self._spec.context.stop = request

    def receive(self, data: bytes, now: float) -> None:
        """Bytes read from the connection; ``b""`` means the SECC closed it."""
        if self._ended is not None:
            self.ignored_after_end += len(data)
            return
        if not data:
            self._end(StopReason.PEER_CLOSED, f"the SECC closed the connection ({self._request})",
                      now)
            return
        try:
            frames = self._stream.feed(data)
        except V2gtpError as exc:
            self._end(StopReason.BAD_FRAMING, str(exc), now)
            return
        for frame in frames:
            if self._ended is not None:
                return
            self._on_frame(frame, now)

    def bytes_to_send(self) -> list[bytes]:
        """What to write to the connection now (one item, or none)."""
        if not self._out:
            return []
        out = bytes(self._out)
        self._out.clear()
        return [out]

    def next_event(self) -> SessionEvent | None:
        return self._events.popleft() if self._events else None

    def timer(self) -> float | None:
        if self._ended is not None:
            return None
        times = [t for t in (self._msg_deadline, self._send_at, self._setup_deadline)
                 if t is not None]
        if self._guard is not None and self._msg_deadline is not None:
            times.append(self._guard[1])
        return min(times) if times else None

    def handle_timer(self, now: float) -> None:
        if self._ended is not None:
            return
        if self._setup_deadline is not None and now >= self._setup_deadline:
            self._end(StopReason.COMMUNICATION_SETUP_TIMEOUT,
                      "no SessionSetupRes within the communication setup time", now)
            return
        if self._guard is not None and self._msg_deadline is not None and now >= self._guard[1]:
            guard = self._guard[0]
            self._end(_GUARD_REASON[guard], f"{self._request}: {guard.value} time is over", now)
            return
        if self._msg_deadline is not None and now >= self._msg_deadline:
            self._end(StopReason.MSG_TIMEOUT, f"no response to {self._request}", now)
            return
        if self._send_at is not None and now >= self._send_at:
            self._send_at = None
            self._send_state(now)

    # ------------------------------------------------------------------ internals
    def _on_frame(self, frame: v2gtp.Frame, now: float) -> None:
        if self._awaiting is None:
            self._end(StopReason.UNSOLICITED_MESSAGE,
                      f"a message arrived while no request was outstanding (after {self._request})",
                      now)
            return
        if self._spec is None:
            self._on_handshake(frame, now)
            return
        dialect = self._spec.dialect
        if frame.payload_type is not dialect.payload_type:
            self._end(StopReason.BAD_PAYLOAD_TYPE,
                      f"payload type 0x{frame.payload_type:04X} in a {dialect.name} session", now)
            return
        try:
            session_id, body = dialect.decode(frame.payload)
        except (ExiDecodeError, *_HANDLER_ERRORS) as exc:
            self._end(StopReason.BAD_EXI, f"response to {self._request}: {exc}", now)
            return
        if not isinstance(body, self._awaiting):
            self._end(StopReason.UNEXPECTED_MESSAGE,
                      f"{type(body).__name__} in answer to {self._request}", now)
            return
        ctx = self._spec.context
        if isinstance(body, dialect.session_setup_response):
            if not 1 <= len(session_id) <= 8:
                self._end(StopReason.INVALID_RESPONSE, "SessionSetupRes without a session id", now)
                return
            ctx.resumed = session_id == ctx.session_id and any(ctx.session_id)
            ctx.session_id = session_id
        elif session_id != ctx.session_id:
            self._end(StopReason.WRONG_SESSION_ID,
                      f"{type(body).__name__} for session {session_id.hex()},"
                      f" ours is {ctx.session_id.hex()}", now)
            return
        try:
            code = dialect.response_code(body)
        except _HANDLER_ERRORS as exc:
            self._end(StopReason.INVALID_RESPONSE, f"{type(body).__name__}: {exc}", now)
            return
        if code.upper().startswith("FAILED"):
            self._end(StopReason.RESPONSE_FAILED, f"{type(body).__name__}: {code}", now)
            return
        self._msg_deadline = None
        self._awaiting = None
        assert self._state is not None
        try:
            step = self._state.handle(ctx, body, now)
        except _HANDLER_ERRORS as exc:
            self._end(StopReason.INVALID_RESPONSE,
                      f"{type(body).__name__}: {type(exc).__name__}: {exc}", now)
            return
        if isinstance(body, dialect.session_setup_response) and not self._established:
            self._established = True
            self._setup_deadline = None
            self._events.append(SessionEstablished(ctx.session_id, ctx.evse_id, ctx.resumed))
        self._follow(step, now)

    def _on_handshake(self, frame: v2gtp.Frame, now: float) -> None:
        if frame.payload_type is not v2gtp.PayloadType.EXI:
            self._end(StopReason.BAD_PAYLOAD_TYPE,
                      f"payload type 0x{frame.payload_type:04X} for SupportedAppProtocolRes", now)
            return
        try:
            res = exi.decode(frame.payload, "app")
        except ExiDecodeError as exc:
            self._end(StopReason.BAD_EXI, f"SupportedAppProtocolRes: {exc}", now)
            return
        if not isinstance(res, SupportedAppProtocolRes):
            name = "SupportedAppProtocolReq" if isinstance(res, SupportedAppProtocolReq) else \
                type(res).__name__
            self._end(StopReason.UNEXPECTED_MESSAGE, f"{name} in answer to the handshake", now)
            return
        self._msg_deadline = None
        self._awaiting = None
        try:
            outcome = handshake.evaluate(self._offer, res)
        except _HANDLER_ERRORS as exc:  # schema deviations decode to untyped strings
            self._end(StopReason.INVALID_RESPONSE, f"SupportedAppProtocolRes: {exc}", now)
            return
        if isinstance(outcome, Fail):
            self._end(outcome.reason, outcome.detail, now)
            return
        chosen, agreed = outcome
        self._spec = self._factories[chosen.name]()
        self._timers = self._spec.dialect.timers
        if self.config.timeout_scale != 1.0:
            self._timers = self._timers.scaled(self.config.timeout_scale)
        self._events.append(agreed)
        self._enter(self._spec.first, now)

    def _follow(self, step: Step, now: float) -> None:
        if isinstance(step, Finish | Fail):
            self._end(step.reason, step.detail, now)
        elif isinstance(step, Next):
            self._guard = None
            self._enter(step.state, now, step.delay)
        else:
            self._repeat(step, now)

    def _repeat(self, step: Repeat, now: float) -> None:
        if step.guard is not None:
            if self._guard is None or self._guard[0] is not step.guard:
                assert self._timers is not None
                self._guard = (step.guard, now + self._timers.guard(step.guard))
            elif now >= self._guard[1]:
                self._end(_GUARD_REASON[step.guard],
                          f"{self._request}: {step.guard.value} time is over", now)
                return
        self._schedule(now, step.delay)

    def _enter(self, name: str, now: float, delay: float = 0.0) -> None:
        assert self._spec is not None
        state = self._spec.states.get(name)
        if state is None:
            self._end(StopReason.INTERNAL_ERROR, f"no state named {name!r}", now)
            return
        self._state = state
        self._schedule(now, delay)

    def _schedule(self, now: float, delay: float) -> None:
        if delay > 0:
            self._send_at = now + delay
        else:
            self._send_state(now)

    def _send_state(self, now: float) -> None:
        assert self._spec is not None and self._state is not None and self._timers is not None
        state, ctx = self._state, self._spec.context
        try:
            body = state.build(ctx, now)
            payload = self._spec.dialect.encode(ctx.session_id, body)
        except ExiEncodeError as exc:
            self._end(StopReason.ENCODE_ERROR, f"{state.REQUEST}: {exc}", now)
            return
        timeout = self._timers.message(state.REQUEST)
        self._transmit(self._spec.dialect.payload_type, payload, state.REQUEST, state.RESPONSE,
                       timeout=timeout, now=now)
        self._events.append(StateEntered(state.NAME, state.REQUEST, now))

    def _transmit(self, payload_type: v2gtp.PayloadType, payload: bytes, request: str,
                  response: type[object], *, timeout: float, now: float) -> None:
        self._out += v2gtp.frame(payload_type, payload)
        self._request = request
        self._awaiting = response
        self._msg_deadline = now + timeout
        self.requests += 1

    def _end(self, reason: StopReason, detail: str, now: float) -> None:
        if self._ended is not None:
            return
        self._ended = Ended(reason, detail, self.requests, now)
        self._msg_deadline = self._send_at = self._setup_deadline = None
        self._guard = None
        self._awaiting = None
        self._events.append(self._ended)

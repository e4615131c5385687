"""SECC Discovery Protocol, EV side (ISO 15118-2 §7.10.1, DIN SPEC 70121 §8.7.3): sans-IO.

The EV multicasts an SDP request (the security it wants, TCP) to ``[ff02::1]:15118`` and
waits ``request_timeout`` (250 ms, [V2G2-162]) for a response; it sends at most
``max_requests`` (50, [V2G2-161]) requests. A valid response names the SECC's address, port
and the security it will use. Whether that security is acceptable is this core's decision:
TLS is required for Plug & Charge and whenever ``tls="on"``; plain TCP is accepted only for
EIM with ``tls="auto"`` or ``"off"``.

The core has the shape of every protocol core here: :meth:`SdpClient.start`,
:meth:`~SdpClient.receive` (one UDP datagram), :meth:`~SdpClient.bytes_to_send`,
:meth:`~SdpClient.next_event`, :meth:`~SdpClient.timer`, :meth:`~SdpClient.handle_timer`.
Nothing a peer sends raises: malformed datagrams are counted and ignored.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Literal, TypeVar

from evcc import v2gtp
from evcc.errors import FrameError, SdpError

__all__ = [
    "SDP_MULTICAST_ADDRESS",
    "SDP_PORT",
    "Discovered",
    "SdpClient",
    "SdpConfig",
    "SdpEnded",
    "SdpEvent",
    "SdpRequest",
    "SdpResponse",
    "SdpStop",
    "Security",
    "TlsPolicy",
    "Transport",
]

SDP_MULTICAST_ADDRESS = "ff02::1"
SDP_PORT = 15118
_RESPONSE_LEN = 20

TlsPolicy = Literal["auto", "on", "off"]


class Security(IntEnum):
    """The SDP security byte."""

    TLS = 0x00
    NO_TLS = 0x10


class Transport(IntEnum):
    """The SDP transport protocol byte (only TCP is used for V2G sessions)."""

    TCP = 0x00
    UDP = 0x10


class SdpStop(StrEnum):
    """Why discovery ended without a usable SECC."""

    NO_RESPONSE = "sdp_no_response"
    TLS_REQUIRED = "sdp_secc_offers_no_tls"
    TLS_REFUSED = "sdp_secc_requires_tls"
    ABORTED = "sdp_aborted"


@dataclass(frozen=True, slots=True)
class SdpRequest:
    """SECC Discovery Request payload (2 bytes)."""

    security: Security
    transport: Transport = Transport.TCP

    def to_bytes(self) -> bytes:
        return v2gtp.frame(
            v2gtp.PayloadType.SDP_REQUEST, bytes((int(self.security), int(self.transport)))
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> SdpRequest:
        if len(payload) != 2:
            raise SdpError(f"SDP request payload of {len(payload)} bytes, expected 2")
        security = _enum(Security, payload[0], "security")
        return cls(security, _enum(Transport, payload[1], "transport"))


@dataclass(frozen=True, slots=True)
class SdpResponse:
    """SECC Discovery Response payload (20 bytes): where the SECC listens and how."""

    address: ipaddress.IPv6Address
    port: int
    security: Security
    transport: Transport

    def to_bytes(self) -> bytes:
        payload = (
            self.address.packed
            + self.port.to_bytes(2, "big")
            + bytes((int(self.security), int(self.transport)))
        )
        return v2gtp.frame(v2gtp.PayloadType.SDP_RESPONSE, payload)

    @classmethod
    def from_payload(cls, payload: bytes) -> SdpResponse:
        if len(payload) != _RESPONSE_LEN:
            raise SdpError(f"SDP response payload of {len(payload)} bytes, expected 20")
        address = ipaddress.IPv6Address(payload[:16])
        if address.is_unspecified or address.is_multicast:
            raise SdpError(f"SDP response names an unusable SECC address {address}")
        port = int.from_bytes(payload[16:18], "big")
        if port == 0:
            raise SdpError("SDP response names port 0")
        return cls(
            address,
            port,
            _enum(Security, payload[18], "security"),
            _enum(Transport, payload[19], "transport"),
        )

    @property
    def tls(self) -> bool:
        return self.security is Security.TLS


_E = TypeVar("_E", bound=IntEnum)


def _enum(kind: type[_E], value: int, what: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        raise SdpError(f"SDP {what} byte 0x{value:02X} is not defined") from None


@dataclass(frozen=True, slots=True)
class SdpConfig:
    """What the EV asks for and how long it tries."""

    tls: TlsPolicy = "auto"
    pnc: bool = False  # Plug & Charge needs TLS, whatever ``tls`` says
    request_timeout: float = 0.25
    max_requests: int = 50
    allow_loopback: bool = False  # a charger on this host (tests, a bench on one machine)

    def __post_init__(self) -> None:
        if self.tls not in ("auto", "on", "off"):
            raise ValueError(f"tls must be auto, on or off, not {self.tls!r}")
        if self.pnc and self.tls == "off":
            raise ValueError("Plug & Charge is never run over plain TCP: tls cannot be off")
        if not 0 < self.request_timeout <= 60:
            raise ValueError("request_timeout must be in (0, 60] seconds")
        if not 1 <= self.max_requests <= 1000:
            raise ValueError("max_requests must be in [1, 1000]")

    @property
    def requested_security(self) -> Security:
        return Security.NO_TLS if self.tls == "off" else Security.TLS

    def accepts(self, security: Security) -> SdpStop | None:
        """None if a response with ``security`` can be used, else why not."""
        if security is Security.TLS:
            return SdpStop.TLS_REFUSED if self.tls == "off" else None
        if self.pnc or self.tls == "on":
            return SdpStop.TLS_REQUIRED
        return None


@dataclass(frozen=True, slots=True)
class Discovered:
    """A usable SECC was found."""

    response: SdpResponse
    requests_sent: int
    elapsed: float


@dataclass(frozen=True, slots=True)
class SdpEnded:
    """Discovery ended without a usable SECC; ``detail`` says more for people."""

    reason: SdpStop
    detail: str
    requests_sent: int


SdpEvent = Discovered | SdpEnded


class SdpClient:
    """The EV's SDP exchange for one discovery cycle."""

    def __init__(self, config: SdpConfig | None = None) -> None:
        self.config = config or SdpConfig()
        self._out: list[bytes] = []
        self._events: deque[SdpEvent] = deque()
        self._deadline: float | None = None
        self._started: float | None = None
        self._sent = 0
        self._done = False
        self._refusal: tuple[SdpStop, str] | None = None
        #: Datagrams ignored because they were not a well-formed SDP response.
        self.ignored = 0

    @property
    def done(self) -> bool:
        return self._done

    def start(self, now: float) -> None:
        """Send the first request."""
        if self._started is not None:
            raise RuntimeError("SDP already started")
        self._started = now
        self._send(now)

    def abort(self) -> None:
        """Stop trying (e.g. the plug was pulled)."""
        if not self._done:
            self._end(SdpStop.ABORTED, "discovery aborted")

    def receive(self, data: bytes, now: float) -> None:
        """One UDP datagram from port 15118."""
        if self._done or self._started is None:
            return
        try:
            frame = v2gtp.parse_datagram(data, max_payload=64)
            if frame.payload_type is not v2gtp.PayloadType.SDP_RESPONSE:
                raise SdpError(f"payload type 0x{frame.payload_type:04X} is not an SDP response")
            response = SdpResponse.from_payload(frame.payload)
        except FrameError:
            self.ignored += 1
            return
        if response.transport is not Transport.TCP or (
                response.address.is_loopback and not self.config.allow_loopback):
            self.ignored += 1
            return
        refusal = self.config.accepts(response.security)
        if refusal is not None:
            # Keep asking: another SECC on the link (or a later answer) may offer what we need.
            self._refusal = (refusal, f"SECC {response.address} port {response.port} offers "
                             f"{response.security.name}, {self._want()}")
            return
        self._done = True
        self._deadline = None
        self._events.append(Discovered(response, self._sent, now - self._started))

    def bytes_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def next_event(self) -> SdpEvent | None:
        return self._events.popleft() if self._events else None

    def timer(self) -> float | None:
        return self._deadline

    def handle_timer(self, now: float) -> None:
        if self._done or self._deadline is None or now < self._deadline:
            return
        if self._sent >= self.config.max_requests:
            if self._refusal is not None:
                self._end(*self._refusal)
            else:
                self._end(
                    SdpStop.NO_RESPONSE,
                    f"no valid SDP response to {self._sent} requests"
                    f" ({self.ignored} datagrams ignored)",
                )
            return
        self._send(now)

    def _want(self) -> str:
        if self.config.tls == "off":
            return "the EV is set to plain TCP"
        return "Plug & Charge needs TLS" if self.config.pnc else "the EV is set to TLS only"

    def _send(self, now: float) -> None:
        self._out.append(SdpRequest(self.config.requested_security).to_bytes())
        self._sent += 1
        self._deadline = now + self.config.request_timeout

    def _end(self, reason: SdpStop, detail: str) -> None:
        self._done = True
        self._deadline = None
        self._out.clear()
        self._events.append(SdpEnded(reason, detail, self._sent))

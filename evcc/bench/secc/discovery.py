"""SDP, SECC side: answer an SdpRequest with where the charger listens and with what security.

:func:`answer` is the sans-IO part (a datagram in, a datagram or nothing out);
:class:`SdpServer` runs it on a UDP socket: on an interface, bound to port 15118 and joined
to ``ff02::1`` with hop limit 1, or unicast on a given address (loopback tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from evcc import v2gtp
from evcc.errors import EvccError, FrameError
from evcc.sdp import SDP_MULTICAST_ADDRESS, SDP_PORT, SdpRequest, SdpResponse, Security, Transport

__all__ = ["ChargerError", "SdpOffer", "SdpServer", "answer", "link_local"]

_IF_INET6 = Path("/proc/net/if_inet6")
_TENTATIVE = 0x40
_DAD_FAILED = 0x08


class ChargerError(EvccError):
    """The bench charger cannot start (no link-local address, port taken, bad PKI ...)."""


@dataclass(frozen=True, slots=True)
class SdpOffer:
    """Where the charger listens: a TLS port, a plain TCP port, or both (None: not offered)."""

    address: ipaddress.IPv6Address
    tls_port: int | None = None
    tcp_port: int | None = None


def answer(datagram: bytes, offer: SdpOffer) -> bytes | None:
    """The SdpResponse to ``datagram`` (None: not a usable SDP request, ignored).

    TLS is answered when the EV asks for it or when plain TCP is not offered; NO_TLS only when
    the EV asks for it and the charger offers plain TCP.
    """
    try:
        frame = v2gtp.parse_datagram(datagram)
        if frame.payload_type is not v2gtp.PayloadType.SDP_REQUEST:
            return None
        request = SdpRequest.from_payload(frame.payload)
    except FrameError:
        return None
    if request.transport is not Transport.TCP:
        return None
    if offer.tls_port is not None and (request.security is Security.TLS
                                       or offer.tcp_port is None):
        return SdpResponse(offer.address, offer.tls_port, Security.TLS, Transport.TCP).to_bytes()
    if offer.tcp_port is not None:
        return SdpResponse(offer.address, offer.tcp_port, Security.NO_TLS,
                           Transport.TCP).to_bytes()
    return None


def link_local(iface: str) -> tuple[str, int] | None:
    """The usable (not tentative) fe80:: address of ``iface`` and its scope id, if any."""
    try:
        index = socket.if_nametoindex(iface)
        lines = _IF_INET6.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) != 6 or fields[5] != iface or not fields[0].startswith("fe80"):
            continue
        if int(fields[4], 16) & (_TENTATIVE | _DAD_FAILED):
            continue
        return str(ipaddress.IPv6Address(bytes.fromhex(fields[0]))), index
    return None


class _SdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: SdpServer) -> None:
        self._server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        scope = self._server.scope_id
        if scope and len(addr) == 4 and addr[3] not in (0, scope):
            return  # another interface
        response = answer(data, self._server.offer)
        if response is None:
            self._server.ignored += 1
            return
        self._server.answered += 1
        if self.transport is not None:
            self.transport.sendto(response, addr)


class SdpServer:
    """The UDP side of the charger. ``scope_id`` set: multicast on that interface."""

    def __init__(self, offer: SdpOffer, *, host: str = "::", port: int = SDP_PORT,
                 scope_id: int = 0) -> None:
        self.offer = offer
        self.host, self.port, self.scope_id = host, port, scope_id
        self.answered = 0
        self.ignored = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
            if self.scope_id:
                group = socket.inet_pton(socket.AF_INET6, SDP_MULTICAST_ADDRESS)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                                group + struct.pack("@I", self.scope_id))
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
            sock.bind((self.host, self.port, 0, 0 if self.host == "::" else self.scope_id))
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise ChargerError(f"SDP socket on [{self.host}]:{self.port}: {exc}") from None
        self.port = sock.getsockname()[1]
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _SdpProtocol(self), sock=sock)
        self._transport = transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

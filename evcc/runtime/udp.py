"""UDP over IPv6 link-local as a :class:`~evcc.runtime.link.Link` (SDP to ``[ff02::1%iface]``)."""

from __future__ import annotations

import asyncio
import socket

from evcc.errors import EvccError

__all__ = ["UdpLink", "interface_index"]


def interface_index(iface: str) -> int:
    """The scope id of ``iface``; a typed error when it does not exist."""
    try:
        return socket.if_nametoindex(iface)
    except OSError:
        raise EvccError(f"no network interface named {iface!r}") from None


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=256)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if data and not self.queue.full():  # a flood is dropped, not buffered without bound
            self.queue.put_nowait(data)


class UdpLink:
    """One UDP socket bound to ``iface``; sends to a fixed destination (multicast by default).

    Multicast goes out with hop limit 1 on ``iface`` only (ISO 15118-2 [V2G2-139]).
    Use :meth:`open`, and :meth:`close` when done.
    """

    def __init__(self, transport: asyncio.DatagramTransport, proto: _Protocol,
                 destination: tuple[str, int, int, int]) -> None:
        self._transport = transport
        self._proto = proto
        self._destination = destination

    @classmethod
    async def open(cls, iface: str, port: int, address: str = "ff02::1") -> UdpLink:
        scope = interface_index(iface)
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, scope)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
            sock.bind(("::", 0, 0, 0))
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise EvccError(f"cannot open a UDP socket on {iface}: {exc.strerror}") from None
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_datagram_endpoint(_Protocol, sock=sock)
        return cls(transport, proto, (address, port, 0, scope))

    async def send(self, data: bytes) -> None:
        self._transport.sendto(data, self._destination)

    async def recv(self, timeout: float | None) -> bytes | None:
        try:
            return await asyncio.wait_for(self._proto.queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        self._transport.close()

"""Run SDP (:class:`evcc.sdp.SdpClient`) on an interface to find the SECC."""

from __future__ import annotations

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.runtime.drive import SansIoCore, drive
from evcc.runtime.udp import UdpLink
from evcc.sdp import SDP_MULTICAST_ADDRESS, SDP_PORT, SdpClient, SdpConfig, SdpEvent

__all__ = ["discover"]


async def discover(iface: str, config: SdpConfig, *, clock: Clock = SYSTEM_CLOCK,
                   port: int = SDP_PORT, address: str = SDP_MULTICAST_ADDRESS) -> SdpEvent:
    """Discovered (where the SECC listens) or SdpEnded (why not); never raises for the peer."""
    client = SdpClient(config)
    link = await UdpLink.open(iface, port, address)
    try:
        client.start(clock.monotonic())
        core: SansIoCore[SdpEvent] = client
        return await drive(core, link, lambda event: event, clock=clock)
    finally:
        client.abort()
        link.close()

"""The emulated powerline inside one process: endpoints with the FrameLink interface."""

from __future__ import annotations

from collections import deque

from evcc.clock import Clock
from evcc_platform.sim.powerline import Powerline


class SimEndpoint:
    """One host interface on the in-process line (send/recv like PlcModem)."""

    def __init__(self, line: InProcessLine, port: str, mac: bytes) -> None:
        self._line = line
        self.port = port
        self.mac = mac
        self.queue: deque[bytes] = deque()

    def send(self, frame: bytes) -> None:
        self._line.transmit(self.port, frame)

    def recv(self, timeout: float | None = 0.0) -> bytes | None:
        """Next delivered frame or None (never blocks: the line runs synchronously)."""
        return self.queue.popleft() if self.queue else None


class InProcessLine:
    """Wires endpoints to a :class:`Powerline`; time comes from ``clock`` (monotonic)."""

    def __init__(self, line: Powerline, clock: Clock) -> None:
        self.line = line
        self.clock = clock
        self._endpoints: dict[str, SimEndpoint] = {}

    def endpoint(self, port: str, mac: bytes) -> SimEndpoint:
        ep = SimEndpoint(self, port, mac)
        self._endpoints[port] = ep
        return ep

    def transmit(self, port: str, frame: bytes) -> None:
        for dest, out in self.line.receive(port, frame, self.clock.monotonic()):
            if dest in self._endpoints:
                self._endpoints[dest].queue.append(out)

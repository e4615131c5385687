"""Access to a HomePlug Green PHY modem (QCA7000/7005) over an AF_PACKET socket."""

from __future__ import annotations

import select
import socket
from dataclasses import dataclass
from pathlib import Path

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.errors import FrameError
from evcc.slac import constants as k
from evcc.slac.mme import build, fmt_mac, parse
from evcc_platform.errors import ModemError

PACKET_OUTGOING = 4


@dataclass(frozen=True)
class ModemInfo:
    """A modem that answered VS_SW_VER."""

    mac: bytes
    device_id: int
    version: str

    def __str__(self) -> str:
        return f"{fmt_mac(self.mac)} device 0x{self.device_id:02x} {self.version}"


def interface_mac(iface: str) -> bytes:
    """Hardware address of a network interface (from sysfs)."""
    try:
        text = Path(f"/sys/class/net/{iface}/address").read_text(encoding="ascii").strip()
        return bytes.fromhex(text.replace(":", ""))
    except (OSError, ValueError) as exc:
        raise ModemError(f"interface {iface!r} not found") from exc


class PlcModem:
    """HomePlug frames (ethertype 0x88E1 only) on one interface, plus modem management."""

    def __init__(
        self, iface: str, modem_mac: bytes = k.MODEM_MGMT_MAC, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.iface = iface
        self.clock = clock
        self.mac = interface_mac(iface)
        self.modem_mac = modem_mac
        try:
            self._sock = socket.socket(
                socket.AF_PACKET, socket.SOCK_RAW, socket.htons(k.ETHERTYPE_HOMEPLUG)
            )
            self._sock.bind((iface, k.ETHERTYPE_HOMEPLUG))
        except OSError as exc:
            raise ModemError(f"cannot open AF_PACKET socket on {iface}: {exc}") from exc
        self._sock.setblocking(False)

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> PlcModem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, frame: bytes) -> None:
        """Transmit one complete Ethernet frame."""
        try:
            self._sock.send(frame)
        except OSError as exc:
            raise ModemError(f"send on {self.iface} failed: {exc}") from exc

    def recv(self, timeout: float | None) -> bytes | None:
        """Next received HomePlug frame, or None after ``timeout`` seconds."""
        deadline = None if timeout is None else self.clock.monotonic() + timeout
        while (frame := self.recv_ready()) is None:
            remaining = None if deadline is None else max(0.0, deadline - self.clock.monotonic())
            ready, _, _ = select.select([self._sock], [], [], remaining)
            if not ready:
                return None
        return frame

    def recv_ready(self) -> bytes | None:
        """The next HomePlug frame already received, or None (never blocks)."""
        while True:
            try:
                data, addr = self._sock.recvfrom(4096)
            except BlockingIOError:
                return None
            except OSError as exc:
                raise ModemError(f"receive on {self.iface} failed: {exc}") from exc
            if addr[2] != PACKET_OUTGOING and data[12:14] == k.ETHERTYPE_HOMEPLUG_BYTES:
                return data

    def request(self, frame: bytes, want: int, timeout: float) -> list[bytes]:
        """Send ``frame`` and collect every answer of MMTYPE ``want`` until ``timeout``."""
        self.send(frame)
        answers: list[bytes] = []
        deadline = self.clock.monotonic() + timeout
        while (left := deadline - self.clock.monotonic()) > 0:
            data = self.recv(left)
            if data is None:
                break
            if data[0:6] == self.mac and data[15:17] == want.to_bytes(2, "little"):
                answers.append(data)
        return answers

    def discover(self, timeout: float = 0.3) -> list[ModemInfo]:
        """Find modems with VS_SW_VER (sent to the local management address)."""
        req = build(k.VS_SW_VER | k.REQ, self.modem_mac, self.mac)
        found: list[ModemInfo] = []
        for data in self.request(req, k.VS_SW_VER | k.CNF, timeout):
            try:
                msg = parse(data)
            except FrameError:
                continue
            found.append(ModemInfo(msg.src, msg["device_id"], msg["version"]))
        return found

    def reset(self, timeout: float = 0.5) -> None:
        """Reset the local modem (VS_RS_DEV); raises ModemError if it does not confirm."""
        req = build(k.VS_RS_DEV | k.REQ, self.modem_mac, self.mac)
        for data in self.request(req, k.VS_RS_DEV | k.CNF, timeout):
            try:
                if parse(data)["mstatus"] == 0:
                    return
            except FrameError:
                continue
            raise ModemError("modem refused VS_RS_DEV")
        raise ModemError(f"no VS_RS_DEV.CNF on {self.iface}")

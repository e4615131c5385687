"""Run the emulated powerline between real interfaces (veth ends) with AF_PACKET sockets."""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from typing import TextIO

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.errors import FrameError
from evcc.slac import constants as k
from evcc.slac.mme import MESSAGES, fmt_mac, peek_mmtype
from evcc.slac.pcap import PcapWriter
from evcc_platform.errors import PlatformError
from evcc_platform.sim.checksum import fix_l4_checksum
from evcc_platform.sim.powerline import Powerline

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_CSUMNOTREADY = 1 << 3
_AUX = struct.Struct("IIIHHHH")


class Bridge:
    """Forward frames between ``interfaces`` (port name -> interface) through ``line``."""

    def __init__(
        self,
        line: Powerline,
        interfaces: dict[str, str],
        *,
        pcap: PcapWriter | None = None,
        events: TextIO | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.line = line
        self.clock = clock
        self._pcap = pcap
        self._events = events
        self._socks: dict[str, socket.socket] = {}
        self._by_fd: dict[int, str] = {}
        try:
            for port, iface in interfaces.items():
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
                self._socks[port] = sock  # registered first: close() also covers a failed bind
                self._by_fd[sock.fileno()] = port
                sock.bind((iface, ETH_P_ALL))
                sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
                sock.setblocking(False)
        except OSError as exc:
            self.close()
            raise PlatformError(f"cannot open AF_PACKET sockets: {exc}") from exc
        line.observer = self._observe

    def close(self) -> None:
        for sock in self._socks.values():
            sock.close()
        self._socks.clear()

    def _observe(self, now: float, port: str, direction: str, frame: bytes) -> None:
        from_modem = frame[6:9] == k.QCA_OUI
        if self._pcap is not None and (direction == "rx" or from_modem):
            self._pcap.write(time.time(), frame)
        if self._events is None or frame[12:14] != k.ETHERTYPE_HOMEPLUG_BYTES:
            return
        try:
            mmtype = peek_mmtype(frame)
        except FrameError:
            return
        if direction == "tx" and not from_modem:
            return
        name = MESSAGES[mmtype][0] if mmtype in MESSAGES else f"0x{mmtype:04X}"
        record = {
            "t": now, "port": port, "dir": direction, "mme": name,
            "src": fmt_mac(frame[6:12]), "dst": fmt_mac(frame[0:6]),
        }
        self._events.write(json.dumps(record) + "\n")
        self._events.flush()

    def _read(self, sock: socket.socket) -> bytes | None:
        try:
            data, ancdata, _flags, addr = sock.recvmsg(65536, socket.CMSG_SPACE(_AUX.size))
        except BlockingIOError:
            return None
        if addr[2] == PACKET_OUTGOING:
            return None
        for level, kind, payload in ancdata:
            aux = level == SOL_PACKET and kind == PACKET_AUXDATA and len(payload) >= _AUX.size
            if aux and _AUX.unpack_from(payload)[0] & TP_STATUS_CSUMNOTREADY:
                data = fix_l4_checksum(data)
        return data

    def poll(self, timeout: float) -> int:
        """Wait up to ``timeout`` for frames and forward them; returns frames handled."""
        ready, _, _ = select.select(list(self._socks.values()), [], [], timeout)
        handled = 0
        for sock in ready:
            port = self._by_fd[sock.fileno()]
            while (frame := self._read(sock)) is not None:
                handled += 1
                for dest, out in self.line.receive(port, frame, self.clock.monotonic()):
                    try:
                        self._socks[dest].send(out)
                    except OSError:
                        continue  # a peer interface went away; the line stays up
        return handled


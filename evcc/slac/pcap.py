"""Minimal pcap (libpcap 2.4, Ethernet link type) reader and writer for MME traces."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from evcc.errors import FrameError

_MAGIC_US = 0xA1B2C3D4
_MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1


class PcapWriter:
    """Append Ethernet frames with timestamps (seconds) to a pcap file."""

    def __init__(self, path: str | Path) -> None:
        self._fh: BinaryIO = Path(path).open("wb")  # noqa: SIM115 - closed by close()
        self._fh.write(struct.pack("<IHHiIII", _MAGIC_US, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))

    def write(self, timestamp: float, frame: bytes) -> None:
        sec = int(timestamp)
        usec = round((timestamp - sec) * 1e6)
        if usec >= 1_000_000:
            sec, usec = sec + 1, usec - 1_000_000
        self._fh.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def read_pcap(path: str | Path) -> Iterator[tuple[float, bytes]]:
    """Yield (timestamp, frame) from a pcap file; FrameError if it is not one."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FrameError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) < 24:
        raise FrameError(f"{path}: too short for a pcap header")
    magic_le = struct.unpack("<I", data[:4])[0]
    magic_be = struct.unpack(">I", data[:4])[0]
    if magic_le in (_MAGIC_US, _MAGIC_NS):
        end, magic = "<", magic_le
    elif magic_be in (_MAGIC_US, _MAGIC_NS):
        end, magic = ">", magic_be
    else:
        raise FrameError(f"{path}: not a pcap file (pcapng is not supported)")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise FrameError(f"{path}: link type {linktype} is not Ethernet")
    scale = 1e-9 if magic == _MAGIC_NS else 1e-6
    pos = 24
    while pos < len(data):
        if pos + 16 > len(data):
            raise FrameError(f"{path}: truncated record header at byte {pos}")
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[pos : pos + 16])
        pos += 16
        if pos + incl > len(data):
            raise FrameError(f"{path}: truncated record at byte {pos}")
        yield sec + frac * scale, data[pos : pos + incl]
        pos += incl

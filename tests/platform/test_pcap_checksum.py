"""pcap reader/writer and the L4 checksum completion of the bridge."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from evcc_platform.sim.checksum import fix_l4_checksum
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.errors import FrameError
from evcc.slac.pcap import PcapWriter, read_pcap


def test_pcap_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.pcap"
    writer = PcapWriter(path)
    writer.write(10.25, b"a" * 60)
    writer.write(10.5, b"b" * 71)
    writer.close()
    assert list(read_pcap(path)) == [(10.25, b"a" * 60), (10.5, b"b" * 71)]


def test_pcap_defects(tmp_path: Path) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(b"nope")
    with pytest.raises(FrameError, match="too short"):
        list(read_pcap(path))
    path.write_bytes(bytes(24))
    with pytest.raises(FrameError, match="not a pcap"):
        list(read_pcap(path))
    with pytest.raises(FrameError, match="cannot read"):
        list(read_pcap(tmp_path / "missing.pcap"))


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=200))
def test_pcap_fuzz(tail: bytes) -> None:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    path = Path("/tmp") / f"evs-fuzz-{id(tail)}.pcap"
    path.write_bytes(header + tail)
    try:
        for _ in read_pcap(path):
            pass
    except FrameError:
        pass
    finally:
        path.unlink()


def _ones_sum(data: bytes) -> int:
    data += b"\x00" * (len(data) % 2)
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def test_udp_over_ipv6_checksum_is_completed() -> None:
    src = bytes.fromhex("fe800000000000000000000000000e01")
    dst = bytes.fromhex("ff020000000000000000000000000001")
    payload = b"\x01\xfe\x90\x00\x00\x00\x00\x02\x10\x00"
    udp = struct.pack(">HHHH", 50000, 15118, 8 + len(payload), 0x1234) + payload
    ip6 = struct.pack(">IHBB", 0x60000000, len(udp), 17, 1) + src + dst
    frame = bytes(6) + bytes(6) + b"\x86\xdd" + ip6 + udp
    fixed = fix_l4_checksum(frame)
    l4 = fixed[54:]
    pseudo = src + dst + struct.pack(">I", len(l4)) + b"\x00\x00\x00\x11"
    assert _ones_sum(pseudo + l4) == 0xFFFF and fixed[:54] == frame[:54]
    assert fixed[62:] == payload
    # other traffic passes untouched
    other = b"\x00" * 12 + b"\x88\xe1" + bytes(50)
    assert fix_l4_checksum(other) == other

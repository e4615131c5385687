"""PlcModem and the emulator bridge on real veth pairs in network namespaces (needs root)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from evcc_platform.plc import PlcModem
from evcc_platform.sim.netns import Topology, netns_available

from evcc.slac.mme import build

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

if reason := netns_available():
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[Topology, Path]]:
    topo = Topology(f"evsp{os.getpid() % 100000}", evses=1)
    pcap = tmp_path / "line.pcap"
    emu = subprocess.Popen(
        topo.exec_args(topo.plc_ns, [PY, "-m", "evcc_platform.sim", "--ev", "pev",
                                     "--evse", "pe1:20", "--pcap", str(pcap)]),
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert emu.stdout is not None and "ready" in emu.stdout.readline()
        yield topo, pcap
    finally:
        emu.terminate()
        emu.wait(5)
        topo.close()


PROBE = """
import json
from evcc_platform.plc import PlcModem
with PlcModem("ev0") as modem:
    found = modem.discover(0.3)
    modem.reset(0.5)
    print(json.dumps({"mac": modem.mac.hex(), "found": [str(m) for m in found]}))
"""


def test_discovery_reset_and_pcap(lab: tuple[Topology, Path]) -> None:
    topo, pcap = lab
    out = subprocess.run(
        topo.exec_args(topo.ev_ns, [PY, "-c", PROBE]), capture_output=True, text=True,
        cwd=ROOT, timeout=30, check=True,
    )
    data = json.loads(out.stdout)
    assert data["mac"] == "020000000e01"
    assert len(data["found"]) == 1 and "00:b0:52:e0:00:01" in data["found"][0]
    decoded = subprocess.run(
        [PY, "-m", "evcc", "slac", "decode", str(pcap)], capture_output=True, text=True,
        cwd=ROOT, timeout=30, check=True,
    ).stdout
    assert "VS_SW_VER.REQ" in decoded and "VS_RS_DEV.CNF" in decoded


def test_slac_run_without_charger_times_out_with_clear_error(lab: tuple[Topology, Path]) -> None:
    topo, _ = lab
    out = subprocess.run(
        topo.exec_args(topo.ev_ns, [PY, "-m", "evcc", "slac", "run", "--iface", "ev0",
                                    "--timeout", "1"]),
        capture_output=True, text=True, cwd=ROOT, timeout=30, check=False,
    )
    assert out.returncode == 2, out.stderr
    assert "no match within 1 s" in out.stderr and "Traceback" not in out.stderr
    assert "CM_SLAC_PARM.CNF" in out.stderr  # progress lines


def test_missing_interface_is_a_clear_error() -> None:
    out = subprocess.run(
        [PY, "-m", "evcc", "slac", "run", "--iface", "evs-none0"], capture_output=True,
        text=True, cwd=ROOT, timeout=30, check=False,
    )
    assert out.returncode == 2 and "not found" in out.stderr and "Traceback" not in out.stderr


@pytest.fixture
def veth() -> Iterator[tuple[str, str]]:
    a, b = f"evpf{os.getpid() % 100000}a", f"evpf{os.getpid() % 100000}b"
    subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
    try:
        for name in (a, b):
            subprocess.run(["ip", "link", "set", name, "up"], check=True)
        yield a, b
    finally:
        subprocess.run(["ip", "link", "del", a], check=False)


def test_modem_socket_takes_only_homeplug_frames_from_others(veth: tuple[str, str]) -> None:
    a, b = veth
    peer = bytes.fromhex("02aabbccddee")
    with PlcModem(a) as modem, socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as raw:
        raw.bind((b, 0))
        raw.send(modem.mac + peer + b"\x86\xdd" + bytes(60))  # IPv6: not for the modem socket
        homeplug = build("CM_SET_KEY.CNF", modem.mac, peer, result=1)
        raw.send(homeplug)
        assert modem.recv(2.0) == homeplug
        modem.send(build("CM_SET_KEY.CNF", peer, modem.mac, result=0))  # our own frame
        assert modem.recv(0.3) is None

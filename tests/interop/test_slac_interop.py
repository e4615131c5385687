"""SLAC interop through the modem emulator in network namespaces (needs root).

our EV <-> emulator <-> pyslac 0.8.3 EVSE, <-> open-plc-utils evse, both at once
(crosstalk), and open-plc-utils pev <-> emulator <-> pyslac (emulator faithfulness).
After each match, UDP over IPv6 link-local flows EV -> EVSE (the path SDP uses).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.slac_lab import Lab, lab, missing

pytestmark = pytest.mark.interop

EVSE1 = "02:00:00:00:5e:01"
EVSE2 = "02:00:00:00:5e:02"
OPU_NID = "026bcba5354e08"  # NID of open-plc-utils' default NMK "HomePlugAV0123"


def need(*what: str) -> None:
    if reason := missing(*what):
        pytest.skip(reason)


@pytest.fixture
def one(tmp_path: Path) -> Iterator[Lab]:
    need()
    with lab("evsi", 1, tmp_path) as the_lab:
        the_lab.emulator([15], "--join-delay", "0.5")
        yield the_lab


def test_our_ev_with_pyslac_evse(one: Lab) -> None:
    need("pyslac")
    evse = one.pyslac_evse(0, settle=0.5)
    time.sleep(0.5)  # pyslac opens its socket for CM_SLAC_PARM.REQ after READY
    assert not one.udp_echo(0, attempts=0.5), "data must not flow before SLAC"
    result = one.our_ev()
    assert result["evse_mac"] == EVSE1 and result["attenuation_db"] == {EVSE1: 15.0}
    assert evse.stdout is not None and evse.stdout.readline().split() == ["MATCHED", "020000000e01"]
    assert one.udp_echo(0), "IPv6 link-local UDP EV -> EVSE after the match"
    assert one.match_times() and one.match_times()[0] < 1.0


def test_our_ev_with_plc_utils_evse(one: Lab) -> None:
    need("evse")
    one.opu_evse(0)
    result = one.our_ev()
    assert result["evse_mac"] == EVSE1 and result["nid"] == OPU_NID
    assert result["attenuation_db"] == {EVSE1: 15.0}
    assert one.udp_echo(0)


def test_plc_utils_pev_with_pyslac_evse(one: Lab) -> None:
    need("pyslac", "pev")
    evse = one.pyslac_evse(0, settle=0.5)
    time.sleep(0.5)
    pev = one.pev(charge=6)
    assert one.wait_for("CM_SLAC_MATCH.CNF", 10.0), (one.workdir / "pev.log").read_text()[-2000:]
    assert evse.stdout is not None and evse.stdout.readline().split() == ["MATCHED", "020000000e01"]
    assert one.udp_echo(0), "IPv6 link-local UDP while pev holds the AVLN key"
    assert pev.wait(15) == 0


def test_our_ev_picks_the_lower_attenuation_of_two_peers(tmp_path: Path) -> None:
    need("pyslac", "evse")
    with lab("evsx", 2, tmp_path) as two:
        two.emulator([45, 12], "--join-delay", "0.5")
        two.pyslac_evse(0, settle=0.5)
        two.opu_evse(1)
        time.sleep(0.5)
        result = two.our_ev()
        assert result["evse_mac"] == EVSE2 and result["nid"] == OPU_NID
        assert result["attenuation_db"] == {EVSE1: 45.0, EVSE2: 12.0}
        assert two.udp_echo(1) and not two.udp_echo(0, attempts=0.5)

"""The modem + powerline emulator core, in process, with a fake clock."""

from __future__ import annotations

import random

import pytest
from evcc_platform.errors import PlatformError
from evcc_platform.sim.inproc import InProcessLine
from evcc_platform.sim.powerline import PortConfig, Powerline
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.bench.chargers.slac import EvseSlac, SimEvseSlac
from evcc.clock import FakeClock
from evcc.slac import constants as k
from evcc.slac.ev import SlacEv
from evcc.slac.events import Matched
from evcc.slac.mme import Mme, build, parse
from evcc.slac.nid import nid_from_nmk

EV = bytes.fromhex("020000000e01")
E1 = bytes.fromhex("020000005e01")
E2 = bytes.fromhex("020000005e02")
NMK = bytes(range(16))
RUN = b"R" * 8


def line(**kw: object) -> Powerline:
    ports = [PortConfig("ev", "ev"), PortConfig("e1", "evse", 45), PortConfig("e2", "evse", 12)]
    return Powerline(ports, rng=random.Random(1), **kw)  # type: ignore[arg-type]


def names(out: list[tuple[str, bytes]]) -> list[tuple[str, str]]:
    return [(port, parse(frame).name) for port, frame in out]


def set_key(pl: Powerline, port: str, host: bytes, nmk: bytes, now: float) -> Mme:
    req = build("CM_SET_KEY.REQ", k.MODEM_MGMT_MAC, host, nid=nid_from_nmk(nmk), new_key=nmk)
    (dest, cnf), = pl.receive(port, req, now)
    assert dest == port
    return parse(cnf)


def test_set_key_answer_and_modem_identity() -> None:
    pl = line(set_key_result=0)
    cnf = set_key(pl, "ev", EV, NMK, 0.0)
    assert cnf.name == "CM_SET_KEY.CNF" and cnf["result"] == 0 and cnf.dst == EV
    assert cnf.src == pl.modem_mac("ev") and pl.nid_of("ev") == nid_from_nmk(NMK)
    ver = pl.receive("ev", build("VS_SW_VER.REQ", k.BROADCAST_MAC, EV), 0.0)
    assert names(ver) == [("ev", "VS_SW_VER.CNF")] and "QCA7000" in parse(ver[0][1])["version"]
    rst = pl.receive("ev", build("VS_RS_DEV.REQ", pl.modem_mac("ev"), EV), 0.0)
    assert names(rst) == [("ev", "VS_RS_DEV.CNF")] and pl.nid_of("ev") is None


def test_slac_passes_unpaired_and_sounds_get_attenuation_profiles() -> None:
    pl = line()
    parm = build("CM_SLAC_PARM.REQ", k.BROADCAST_MAC, EV, run_id=RUN)
    assert sorted(names(pl.receive("ev", parm, 0.0))) == [
        ("e1", "CM_SLAC_PARM.REQ"), ("e2", "CM_SLAC_PARM.REQ"),
    ]
    cnf = build("CM_SLAC_PARM.CNF", EV, E1, forwarding_sta=EV, run_id=RUN)
    assert names(pl.receive("e1", cnf, 0.0)) == [("ev", "CM_SLAC_PARM.CNF")]
    pl.receive("e2", build("CM_SLAC_PARM.CNF", EV, E2, forwarding_sta=EV, run_id=RUN), 0.0)
    sound = build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, EV, cnt=9, run_id=RUN, rnd=bytes(16))
    out = pl.receive("ev", sound, 0.0)
    assert sorted(names(out)) == [
        ("e1", "CM_ATTEN_PROFILE.IND"), ("e1", "CM_MNBC_SOUND.IND"),
        ("e2", "CM_ATTEN_PROFILE.IND"), ("e2", "CM_MNBC_SOUND.IND"),
    ]
    profiles = {port: parse(f) for port, f in out if parse(f).name == "CM_ATTEN_PROFILE.IND"}
    assert profiles["e1"]["aag"] == [45] * 58 and profiles["e2"]["aag"] == [12] * 58
    assert profiles["e1"]["pev_mac"] == EV and profiles["e1"].dst == E1
    assert profiles["e1"].src == pl.modem_mac("e1")
    # unicast goes only to the host that owns the address
    match = build("CM_SLAC_MATCH.REQ", E2, EV, mvf_length=62, pev_mac=EV, evse_mac=E2, run_id=RUN)
    assert names(pl.receive("ev", match, 0.0)) == [("e2", "CM_SLAC_MATCH.REQ")]


def test_short_sounds_are_padded_and_loss_and_first_start_only() -> None:
    pl = line(first_start_atten_only=True)
    start = build("CM_START_ATTEN_CHAR.IND", k.BROADCAST_MAC, EV, forwarding_sta=EV, run_id=RUN)
    assert len(pl.receive("ev", start, 0.0)) == 2
    assert pl.receive("ev", start, 0.02) == []
    full = build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, EV, cnt=1, run_id=RUN, rnd=b"r" * 16)
    short = full[:47] + b"s" * 17
    delivered = [f for _, f in pl.receive("ev", short, 0.0) if f[15:17] == b"\x76\x60"]
    assert len(delivered[0]) == 71 and parse(delivered[0])["rnd"] == b"s" * 16
    lossy = line(sound_loss=0.5)
    sound = build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, EV, cnt=1, run_id=RUN, rnd=bytes(16))
    got = sum(len(lossy.receive("ev", sound, 0.0)) for _ in range(400)) / 2
    assert 300 < got < 500  # 800 deliveries expected without loss
    with pytest.raises(PlatformError):
        line(sound_loss=1.0)
    with pytest.raises(PlatformError):
        Powerline([PortConfig("a", "ev"), PortConfig("a", "evse")])
    with pytest.raises(PlatformError):
        PortConfig("x", "car")


def test_data_path_needs_equal_nmk_and_join_delay() -> None:
    pl = line(join_delay=1.0)
    ipv6 = E1 + EV + b"\x86\xdd" + bytes(60)
    pl.receive("e1", build("CM_SLAC_PARM.CNF", EV, E1, forwarding_sta=EV, run_id=RUN), 0.0)
    assert pl.receive("ev", ipv6, 0.0) == []
    set_key(pl, "ev", EV, NMK, 0.0)
    set_key(pl, "e1", E1, bytes(16), 0.0)
    assert pl.receive("ev", ipv6, 5.0) == []  # different NMK
    set_key(pl, "e1", E1, NMK, 5.0)
    assert pl.receive("ev", ipv6, 5.5) == []  # joining
    link = pl.receive("ev", build("VS_PL_LINK_STATUS.REQ", k.MODEM_MGMT_MAC, EV), 5.5)
    assert parse(link[0][1])["link_status"] == 0
    assert pl.receive("ev", ipv6, 6.0) == [("e1", ipv6)]
    link = pl.receive("ev", build("VS_PL_LINK_STATUS.REQ", k.MODEM_MGMT_MAC, EV), 6.0)
    assert parse(link[0][1])["link_status"] == 1
    amp = build("CM_AMP_MAP.REQ", E1, EV, amdata=bytes(4))
    assert names(pl.receive("ev", amp, 6.0)) == [("e1", "CM_AMP_MAP.REQ")]
    info = pl.receive("ev", build("VS_NW_INFO.REQ", k.MODEM_MGMT_MAC, EV, mmv=1), 6.0)
    net = parse(info[0][1])
    assert net.mmv == 1 and net["networks"][0]["nid"] == nid_from_nmk(NMK)
    assert net["networks"][0]["stations"][0]["mac"] == pl.modem_mac("e1")
    keys = pl.receive("ev", build("CM_GET_KEY.REQ", k.BROADCAST_MAC, EV), 6.0)
    results = sorted(parse(f)["result"] for _, f in keys)
    assert results == [0, 1] and parse(keys[0][1])["key"] == NMK
    # e2 holds no key: nothing reaches it, and garbage is dropped
    assert pl.receive("ev", k.BROADCAST_MAC + EV + b"\x86\xdd" + bytes(60), 6.0) == [
        ("e1", k.BROADCAST_MAC + EV + b"\x86\xdd" + bytes(60))
    ]
    assert pl.receive("ev", b"\x00" * 5, 6.0) == []
    assert pl.receive("ev", build("CM_SET_KEY.REQ", k.MODEM_MGMT_MAC, EV, nid=bytes(7),
                                  new_key=NMK)[:30], 6.0) == []


def test_ev_state_machine_matches_lower_attenuation_through_the_emulator() -> None:
    clock = FakeClock(monotonic=0.0)
    pl = line(join_delay=0.3)
    wire = InProcessLine(pl, clock)
    ev_ep = wire.endpoint("ev", EV)
    # the simulated EVSE averages the CM_ATTEN_PROFILE.IND its modem adds, like pyslac
    evses = [SimEvseSlac(wire.endpoint("e1", E1), EvseSlac(E1, b"1" * 16)),
             SimEvseSlac(wire.endpoint("e2", E2), EvseSlac(E2, b"2" * 16))]
    gen = random.Random(5)
    ev = SlacEv(EV, lambda n: bytes(gen.getrandbits(8) for _ in range(n)))
    ev.start(0.0)
    result = None
    while clock.monotonic() < 5.0 and result is None:
        now = clock.monotonic()
        for frame in ev.bytes_to_send():
            ev_ep.send(frame)
        for evse in evses:
            evse.poll()
        while (got := ev_ep.recv()) is not None:
            ev.receive(got, now)
        deadline = ev.timer()
        if deadline is not None and deadline <= now:
            ev.handle_timer(now)
        while (event := ev.next_event()) is not None:
            if isinstance(event, Matched):
                result = event
        clock.advance(round(now + 0.001, 6) - now)
    now = clock.monotonic()
    assert result is not None and result.evse_mac == E2
    assert result.attenuation_db == {E1: 45.0, E2: 12.0}
    assert pl.nid_of("ev") == nid_from_nmk(b"2" * 16) and pl.joined("ev", "e2", now)
    assert not pl.joined("ev", "e1", now)
    assert result.duration_ms >= 300  # link only after the join delay


def _valid_frames() -> list[bytes]:
    return [
        build("CM_SET_KEY.REQ", k.MODEM_MGMT_MAC, EV, nid=bytes(7), new_key=NMK),
        build("CM_GET_KEY.REQ", k.BROADCAST_MAC, EV),
        build("VS_NW_INFO.REQ", k.MODEM_MGMT_MAC, EV, mmv=1),
        build("VS_PL_LINK_STATUS.REQ", k.MODEM_MGMT_MAC, EV),
        build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, EV, cnt=1, run_id=RUN, rnd=bytes(16)),
        build("CM_START_ATTEN_CHAR.IND", k.BROADCAST_MAC, EV, forwarding_sta=EV, run_id=RUN),
        EV + E1 + b"\x86\xdd" + bytes(60),
    ]


def _mutate(frame: bytes, pos: int, value: int, cut: int) -> bytes:
    return (frame[:pos] + bytes([value]) + frame[pos + 1 :])[: len(frame) - cut]


@settings(max_examples=300, deadline=1000)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ev", "e1", "e2", "nope"]),
            st.one_of(
                st.binary(max_size=120),
                st.builds(
                    _mutate, st.sampled_from(_valid_frames()), st.integers(0, 80),
                    st.integers(0, 255), st.integers(0, 50),
                ),
            ),
        ),
        max_size=20,
    )
)
def test_fuzz_line_never_raises(steps: list[tuple[str, bytes]]) -> None:
    pl = line(sound_loss=0.3, first_start_atten_only=True)
    for i, (port, frame) in enumerate(steps):
        for dest, out in pl.receive(port, frame, i * 0.1):
            assert dest in pl.ports and len(out) >= 14
            if dest == port:  # only the modem answers its own host
                assert out[6:9] == b"\x00\xb0\x52"

"""Fuzzing the EV state machine: no frame sequence makes it raise or lose its timers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.slac.ev import Phase, SlacConfig, SlacEv
from evcc.slac.mme import build
from tests.evcc.slac.fakes import EV_MAC, NID, NMK, rng_from

E1 = bytes.fromhex("020000005e01")
RUN = rng_from(0)(8)  # the first RunID a machine seeded like the one below chooses


def _valid_frames() -> list[bytes]:
    return [
        build("CM_SET_KEY.CNF", EV_MAC, E1, result=1),
        build("CM_SLAC_PARM.CNF", EV_MAC, E1, forwarding_sta=EV_MAC, run_id=RUN),
        build("CM_ATTEN_CHAR.IND", EV_MAC, E1, source_address=EV_MAC, run_id=RUN,
              num_sounds=10, aag=[5] * 58),
        build("CM_SLAC_MATCH.CNF", EV_MAC, E1, mvf_length=0x56, pev_mac=EV_MAC, evse_mac=E1,
              run_id=RUN, nid=NID, nmk=NMK),
        build("VS_PL_LINK_STATUS.CNF", EV_MAC, E1, link_status=1),
        build("VS_NW_INFO.CNF", EV_MAC, E1, networks=[{"nid": NID, "stations": []}]),
        build("CM_VALIDATE.CNF", EV_MAC, E1, result=2),
        build("CM_AMP_MAP.REQ", EV_MAC, E1, amdata=b"\x11"),
        build("CM_AMP_MAP.CNF", EV_MAC, E1, res_type=0),
    ]


VALID = _valid_frames()
frames = st.one_of(
    st.binary(max_size=120),
    st.builds(
        lambda f, pos, val, cut: (f[:pos] + bytes([val]) + f[pos + 1 :])[: len(f) - cut],
        st.sampled_from(VALID), st.integers(0, 108), st.integers(0, 255), st.integers(0, 60),
    ),
    st.sampled_from(VALID),
)


@settings(max_examples=300, deadline=1000)
@given(
    st.lists(st.tuples(frames, st.floats(0.0, 0.5)), max_size=30),
    st.booleans(),
)
def test_state_machine_survives_arbitrary_frames(
    steps: list[tuple[bytes, float]], val: bool
) -> None:
    ev = SlacEv(EV_MAC, rng_from(0), SlacConfig(validate=val, amp_map=b"\x00" if val else None))
    ev.start(0.0)
    now = 0.0
    for frame, dt in steps:
        now += dt
        ev.receive(frame, now)  # peer input never raises
        deadline = ev.timer()
        if deadline is not None and deadline <= now:
            ev.handle_timer(now)
        ev.bytes_to_send()
        while ev.next_event() is not None:
            pass
        # a running machine always has a timer pending; a finished one has none
        if ev.phase in (Phase.FAILED, Phase.MATCHED):
            assert ev.timer() is None
        else:
            assert ev.timer() is not None

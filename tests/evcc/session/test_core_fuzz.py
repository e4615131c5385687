"""Hostile SECC: random and mutated responses never raise out of the core, and end it once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.session.events import Ended
from tests.evcc.session.minimal import auth_res, new_core, sap_res, setup_res, stop_res

VALID = [sap_res(), setup_res(), auth_res(ongoing=True), auth_res(ongoing=False), stop_res()]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data[pos] = draw(st.integers(min_value=0, max_value=255))
    if draw(st.booleans()):
        del data[draw(st.integers(min_value=0, max_value=len(data))):]
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=60), mutated(), st.sampled_from(VALID)),
                max_size=8),
       st.integers(min_value=0, max_value=1))
def test_hostile_responses_end_once_without_raising(chunks: list[bytes], rounds: int) -> None:
    core = new_core(ongoing_rounds=rounds)
    core.start(0.0)
    now = 0.0
    for chunk in chunks:
        now += 0.05
        core.receive(chunk, now)
        b"".join(core.bytes_to_send())
        core.handle_timer(now)
    while (deadline := core.timer()) is not None:
        now = max(now, deadline)
        core.handle_timer(now)
        assert now < 500
    ends = []
    while (event := core.next_event()) is not None:
        if isinstance(event, Ended):
            ends.append(event)
    assert len(ends) == 1
    assert core.timer() is None

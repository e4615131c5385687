"""Fuzzing the MME parser: arbitrary and mutated frames yield an Mme or a FrameError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.errors import FrameError
from evcc.slac.mme import NAMES, Mme, build, parse
from tests.evcc.slac.test_mme import EV, EVSE, SAMPLES

VALID = [build(name, EVSE, EV, SAMPLES[name]) for name in sorted(NAMES)]


def _parse_or_typed_error(data: bytes) -> None:
    try:
        result = parse(data)
    except FrameError:
        return
    assert isinstance(result, Mme)
    result.describe()


@settings(max_examples=400, deadline=1000)
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _parse_or_typed_error(data)


@settings(max_examples=600, deadline=1000)
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=8),
    st.integers(0, 200),
)
def test_mutated_valid_frames(frame: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(frame)
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    _parse_or_typed_error(bytes(data[: len(data) - cut % (len(data) + 1)]))


@settings(max_examples=300, deadline=1000)
@given(st.sampled_from(sorted(NAMES)), st.binary(max_size=300))
def test_valid_header_random_payload(name: str, payload: bytes) -> None:
    head = build(name, EVSE, EV, SAMPLES[name])
    start = 20 if NAMES[name] >= 0xA000 else 19
    _parse_or_typed_error(head[:start] + payload)

"""The product clock and its test fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evcc.clock import SYSTEM_CLOCK, Clock, FakeClock


def test_system_clock_is_utc_and_monotonic() -> None:
    assert isinstance(SYSTEM_CLOCK, Clock)
    assert SYSTEM_CLOCK.utc().tzinfo is UTC
    first = SYSTEM_CLOCK.monotonic()
    assert SYSTEM_CLOCK.monotonic() >= first


def test_fake_clock_moves_both_readings_together() -> None:
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    clock = FakeClock(utc=start, monotonic=10.0)
    assert isinstance(clock, Clock)
    clock.advance(2.5)
    assert clock.monotonic() == 12.5
    assert clock.utc() == start + timedelta(seconds=2.5)


def test_fake_clock_refuses_going_back_and_naive_times() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        FakeClock(utc=datetime(2030, 1, 1))
    with pytest.raises(ValueError):
        clock.set_utc(datetime(2030, 1, 1))


def test_fake_clock_wall_jump_keeps_monotonic() -> None:
    clock = FakeClock(monotonic=5.0)
    clock.set_utc(datetime(1999, 1, 1, tzinfo=UTC))
    assert clock.monotonic() == 5.0
    assert clock.utc().year == 1999

"""The simulated power stage and the physical values it puts on the wire."""

from __future__ import annotations

import pytest

from evcc.bench.secc import EvseLimits
from evcc.bench.secc.evse import EvseOutput, physical, reading
from evcc.messages import iso2

W = iso2.UnitSymbolType.W


@pytest.mark.parametrize(("amount", "multiplier", "value"), [
    (400.0, 0, 400), (50_000.0, 1, 5000), (111.1111, -1, 1111), (0.5, -1, 5),
    (-20.0, 0, -20), (1e12, 3, 32767),
])
def test_physical_fits_a_short(amount: float, multiplier: int, value: int) -> None:
    pv = physical(iso2.PhysicalValueType, W, amount)
    assert (pv.multiplier, pv.value) == (multiplier, value)


def test_reading_tolerates_nonsense() -> None:
    assert reading(iso2.PhysicalValueType(multiplier=-3, unit=W, value=32000)) == 32.0
    assert reading(None, 7.0) == 7.0
    assert reading(iso2.PhysicalValueType(multiplier=10**6, unit=W, value=1), 1.0) == 1.0


def test_output_respects_voltage_current_and_power_limits() -> None:
    out = EvseOutput(EvseLimits(max_voltage=500, max_current=125, max_power=50_000,
                                current_step=1000))
    out.demand(600, 50)
    assert (out.voltage, out.current, out.voltage_limited) == (500, 50, True)
    out.demand(300, 200)
    assert out.current == 125 and out.current_limited and not out.power_limited
    out.demand(450, 200)
    assert out.current == pytest.approx(50_000 / 450) and out.power_limited
    out.off()
    assert out.current == 0 and not out.power_limited
    out.discharge()
    assert out.voltage == pytest.approx(90)

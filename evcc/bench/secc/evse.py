"""The simulated EVSE power stage: output voltage and current, and physical values on the wire."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from evcc.bench.secc.config import EvseLimits
from evcc.session.physical import from_physical, to_physical

__all__ = ["EvseOutput", "PhysicalValue", "physical", "reading"]

class PhysicalValue(Protocol):
    """What ``reading`` needs of a PhysicalValueType (DIN or ISO-2)."""

    multiplier: int
    value: int


def physical(cls: Any, unit: Any, amount: float) -> Any:
    """A PhysicalValueType of ``cls`` for ``amount``: whole units when they fit a short,
    tenths at most, saturated at the largest value."""
    amount = max(-1e9, min(1e9, amount))
    finest = 0 if amount == round(amount) else -1
    multiplier, value = to_physical(amount, finest=finest, saturate=True)
    return cls(multiplier=multiplier, unit=unit, value=value)


def reading(pv: PhysicalValue | None, default: float = 0.0) -> float:
    """The SI amount of a PhysicalValue the EV sent (``default`` when absent or nonsense)."""
    if pv is None:
        return default
    try:
        amount = from_physical(int(pv.multiplier), int(pv.value))
    except (TypeError, ValueError, OverflowError, AttributeError):
        return default
    return amount if math.isfinite(amount) else default


@dataclass
class EvseOutput:
    """DC output stage: voltage ramps in PreCharge, follows the EV in CurrentDemand."""

    limits: EvseLimits
    voltage: float = 0.0
    current: float = 0.0
    current_limited: bool = False
    voltage_limited: bool = False
    power_limited: bool = False

    def pre_charge(self, target_voltage: float) -> None:
        """Move the output voltage one step towards the EV's target (no current)."""
        target = max(0.0, min(target_voltage, self.limits.max_voltage))
        step = self.limits.pre_charge_step
        self.voltage += max(-step, min(step, target - self.voltage))
        self.current = 0.0

    def demand(self, target_voltage: float, target_current: float) -> None:
        """Deliver what the EV asks, within the EVSE's voltage, current and power limits."""
        lim = self.limits
        self.voltage_limited = target_voltage > lim.max_voltage
        self.voltage = max(0.0, min(target_voltage, lim.max_voltage))
        wanted = max(0.0, target_current)
        ceiling = lim.max_current
        self.current_limited = wanted > ceiling
        power_cap = lim.max_power / self.voltage if self.voltage > 1.0 else ceiling
        self.power_limited = wanted > power_cap and power_cap < ceiling
        goal = min(wanted, ceiling, power_cap)
        step = lim.current_step
        self.current += max(-step, min(step, goal - self.current))

    def off(self) -> None:
        """Contactors open: no current; the output capacitors discharge over welding detection."""
        self.current = 0.0
        self.current_limited = self.voltage_limited = self.power_limited = False

    def discharge(self) -> None:
        self.current = 0.0
        self.voltage = 0.0 if self.voltage < 20.0 else self.voltage * 0.2

"""The vehicle as the session sees it, and a simulated battery for benches and tests.

The session reads a :class:`VehicleStatus` before each request and tells the vehicle what the
charger delivers (:meth:`Vehicle.observe`). The runtime feeds a real implementation from the
vehicle bus; :class:`SimulatedBattery` integrates the delivered power into a state of charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["SimulatedBattery", "Vehicle", "VehicleStatus"]


@dataclass(frozen=True, slots=True)
class VehicleStatus:
    """One reading of the vehicle: state, limits and targets (SI units, percent)."""

    soc: float
    ready: bool = True
    error: str = "NO_ERROR"  # DC_EVErrorCode name
    max_voltage: float = 450.0
    max_current: float = 125.0
    max_power: float = 50_000.0
    min_current: float = 6.0  # AC
    battery_voltage: float = 400.0  # what PreCharge aims at
    target_voltage: float = 420.0  # DC charge loop
    target_current: float = 100.0  # DC charge loop
    energy_request: float = 30_000.0  # Wh (AC EAmount, DC EVEnergyRequest)
    energy_capacity: float = 60_000.0  # Wh
    full_soc: int = 100
    bulk_soc: int = 80
    bulk_complete: bool = False
    complete: bool = False
    departure_time: int | None = None  # seconds from now
    remaining_to_full: int | None = None  # seconds
    remaining_to_bulk: int | None = None  # seconds
    ac_phases: int = 3


class Vehicle(Protocol):
    """What a session reads of the car and tells it."""

    def status(self, now: float) -> VehicleStatus: ...

    def observe(self, voltage: float, current: float, now: float) -> None:
        """The charger's present voltage and current (DC), or AC current per phase."""
        ...


@dataclass
class SimulatedBattery:
    """A battery that charges with what it is given; ``speedup`` compresses bench time."""

    capacity_wh: float = 60_000.0
    soc: float = 30.0
    target_soc: float = 80.0
    max_voltage: float = 450.0
    max_current: float = 125.0
    max_power: float = 50_000.0
    nominal_voltage: float = 400.0
    speedup: float = 1.0
    energy_wh: float = field(default=0.0, init=False)
    _last: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.soc <= 100 or not 0 < self.target_soc <= 100:
            raise ValueError("soc and target_soc are percentages")
        if min(self.capacity_wh, self.speedup, self.max_voltage, self.max_current,
               self.max_power, self.nominal_voltage) <= 0:
            raise ValueError("capacity, limits, nominal voltage and speedup must be positive")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SimulatedBattery:
        """A battery from a vehicle file's ``[battery]`` table (unknown keys refused)."""
        known = {"capacity_wh", "soc", "target_soc", "max_voltage", "max_current", "max_power",
                 "nominal_voltage", "speedup"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown battery setting {unknown[0]!r}; known: {sorted(known)}")
        values: dict[str, float] = {}
        for key, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"battery setting {key!r} must be a number")
            values[key] = float(value)
        return cls(**values)

    def status(self, now: float) -> VehicleStatus:
        voltage = self.nominal_voltage * (0.9 + 0.1 * self.soc / 100)
        missing_wh = max(0.0, (self.target_soc - self.soc) / 100 * self.capacity_wh)
        complete = self.soc >= self.target_soc
        hours = missing_wh / self.max_power if self.max_power else 0.0
        return VehicleStatus(
            soc=round(self.soc, 1),
            max_voltage=self.max_voltage,
            max_current=self.max_current,
            max_power=self.max_power,
            battery_voltage=round(voltage, 1),
            target_voltage=min(self.max_voltage, round(voltage + 10, 1)),
            target_current=0.0 if complete else min(self.max_current, self.max_power / voltage),
            energy_request=round(missing_wh),
            energy_capacity=self.capacity_wh,
            full_soc=100,
            bulk_soc=int(min(self.target_soc, 80)),
            bulk_complete=self.soc >= min(self.target_soc, 80),
            complete=complete,
            remaining_to_full=int(hours * 3600 / self.speedup),
            remaining_to_bulk=int(hours * 3600 / self.speedup),
        )

    def observe(self, voltage: float, current: float, now: float) -> None:
        if self._last is not None and now > self._last:
            power = max(0.0, min(voltage * current, self.max_power))
            wh = power * (now - self._last) / 3600 * self.speedup
            self.energy_wh += wh
            self.soc = min(100.0, self.soc + wh / self.capacity_wh * 100)
        self._last = now

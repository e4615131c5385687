"""Control pilot (IEC 61851-1): the interface the EV runtime uses, and a simulated backend."""

from __future__ import annotations

from enum import Enum
from typing import Protocol, runtime_checkable

from evcc_platform.errors import PlatformError


class CpState(Enum):
    """IEC 61851-1 states as the EV sees them (positive plateau voltage)."""

    A = "A"  # +12 V: not connected
    B = "B"  # +9 V: connected, S2 open
    C = "C"  # +6 V: S2 closed, charging allowed
    D = "D"  # +3 V: S2 closed, ventilation required
    E = "E"  # 0 V: error (short, no supply)
    F = "F"  # -12 V: EVSE not available


@runtime_checkable
class ControlPilot(Protocol):
    """What the EV reads from and drives on the control pilot line."""

    def state(self) -> CpState:
        """The current state."""

    def duty_cycle(self) -> float | None:
        """PWM duty cycle in percent, None while the EVSE sends a steady level."""

    def set_s2(self, closed: bool) -> None:
        """Open or close switch S2 (B <-> C)."""

    def s2_closed(self) -> bool:
        """Whether S2 is closed."""


def digital_communication_requested(duty: float | None) -> bool:
    """True for the nominal 5 % PWM that asks for ISO 15118 / DIN 70121 (3-7 % tolerated)."""
    return duty is not None and 3.0 <= duty <= 7.0


class SimulatedControlPilot:
    """A control pilot whose EVSE side is driven by a test or the bench simulator."""

    def __init__(self) -> None:
        self._plugged = False
        self._duty: float | None = None
        self._s2 = False
        self._ventilation = False
        self._error = False
        self._unavailable = False

    # EVSE / cable side
    def plug(self, plugged: bool = True) -> None:
        """Connect or disconnect the cable."""
        self._plugged = plugged
        if not plugged:
            self._duty = None

    def set_pwm(self, duty: float | None) -> None:
        """EVSE oscillator: duty cycle in percent (0 < duty <= 100) or None (steady +12 V)."""
        if duty is not None and not 0.0 < duty <= 100.0:
            raise PlatformError(f"duty cycle {duty} % outside 0..100 %")
        self._duty = duty

    def set_error(self, error: bool = True) -> None:
        """Short / no supply (state E)."""
        self._error = error

    def set_unavailable(self, unavailable: bool = True) -> None:
        """EVSE signals -12 V (state F)."""
        self._unavailable = unavailable

    def require_ventilation(self, required: bool = True) -> None:
        """The vehicle needs ventilation: a closed S2 then reads as D."""
        self._ventilation = required

    # EV side (ControlPilot)
    def state(self) -> CpState:
        if self._error:
            return CpState.E
        if self._unavailable:
            return CpState.F
        if not self._plugged:
            return CpState.A
        if self._s2:
            return CpState.D if self._ventilation else CpState.C
        return CpState.B

    def duty_cycle(self) -> float | None:
        return self._duty if self._plugged and not (self._error or self._unavailable) else None

    def set_s2(self, closed: bool) -> None:
        self._s2 = closed

    def s2_closed(self) -> bool:
        return self._s2

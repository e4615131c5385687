"""How the EV runs the charging part of a session (bench options are off by default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ChargeConfig", "Energy"]

Energy = Literal["ac", "dc"]


@dataclass(frozen=True, slots=True)
class ChargeConfig:
    """Pacing and limits of the charge part; all times in seconds, voltages in volts."""

    energy: Energy = "dc"
    evcc_id: bytes = bytes.fromhex("020000000e01")  # the EV's MAC
    ongoing_interval: float = 0.5  # between repeated requests while EVSEProcessing=Ongoing
    cable_check_interval: float = 0.25
    pre_charge_interval: float = 0.1
    pre_charge_tolerance: float = 20.0  # |EVSEPresentVoltage - target| to close contactors
    #: Bench only: leave PreCharge after this many answers even if the charger's present
    #: voltage never comes close (some simulators always report 1 V). None = the standard.
    lenient_pre_charge: int | None = None
    dc_loop_interval: float = 0.05  # between CurrentDemandReq
    ac_loop_interval: float = 1.0  # between ChargingStatusReq
    max_loop: int | None = None  # stop charging after this many loop messages
    max_charge_time: float | None = None  # stop charging after this many seconds in the loop
    pause_at_end: bool = False  # ISO-2: end with SessionStop(Pause) when a limit above is hit
    welding_max: int = 10  # WeldingDetectionReq until the voltage is below welding_voltage
    welding_voltage: float = 60.0
    max_schedule_tuples: int | None = None  # ISO-2 MaxEntriesSAScheduleTuple

    def __post_init__(self) -> None:
        if self.energy not in ("ac", "dc"):
            raise ValueError("energy must be ac or dc")
        if len(self.evcc_id) != 6:
            raise ValueError("EVCCID is the EV's 6-byte MAC address")
        for name in ("ongoing_interval", "cable_check_interval", "pre_charge_interval",
                     "dc_loop_interval", "ac_loop_interval"):
            if not 0 <= getattr(self, name) <= 10:
                raise ValueError(f"{name} must be within [0, 10] seconds")
        if self.max_loop is not None and self.max_loop < 1:
            raise ValueError("max_loop must be at least 1")
        if self.lenient_pre_charge is not None and self.lenient_pre_charge < 1:
            raise ValueError("lenient_pre_charge must be at least 1")

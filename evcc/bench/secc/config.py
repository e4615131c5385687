"""What the bench charger is: protocols, energy, EVSE limits, Ongoing rounds, faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from evcc.bench.secc.faults import Fault, FaultSet, parse_fault

__all__ = ["PROTOCOL_NAMESPACES", "ChargerConfig", "EvseLimits"]

#: Protocols the bench charger speaks: name -> (namespace, major version, minor version).
PROTOCOL_NAMESPACES = {
    "din": ("urn:din:70121:2012:MsgDef", 2, 0),
    "iso2": ("urn:iso:15118:2:2013:MsgDef", 2, 0),
}

Energy = Literal["ac", "dc"]


@dataclass(frozen=True, slots=True)
class EvseLimits:
    """Electrical limits of the simulated EVSE (SI units)."""

    max_voltage: float = 500.0  # V, DC
    min_voltage: float = 150.0  # V, DC
    max_current: float = 125.0  # A, DC
    min_current: float = 0.0  # A, DC
    max_power: float = 50_000.0  # W, DC and the PMax of the schedule
    peak_current_ripple: float = 2.0  # A
    nominal_voltage: float = 230.0  # V, AC per phase
    ac_max_current: float = 32.0  # A, AC per phase
    ac_max_power: float = 22_000.0  # W, AC three phase
    pre_charge_step: float = 150.0  # V the output moves per PreChargeReq
    current_step: float = 50.0  # A the output current moves per CurrentDemandReq


@dataclass(frozen=True, slots=True)
class ChargerConfig:
    """One bench charger. ``faults`` are :class:`Fault` objects or ``NAME[:ARG]`` strings."""

    protocols: tuple[str, ...] = ("iso2", "din")
    energy: Energy = "dc"
    evse_id_din: bytes = bytes.fromhex("49A89A6360")
    evse_id_iso2: str = "DE*PNX*E12345*1"
    limits: EvseLimits = field(default_factory=EvseLimits)
    authorization_ongoing: int = 1  # Authorization / ContractAuthentication Ongoing rounds
    charge_parameter_ongoing: int = 1  # ChargeParameterDiscovery Ongoing rounds
    cable_check_ongoing: int = 2  # CableCheck Ongoing rounds
    schedule_tuples: int = 1  # SAScheduleTuples offered (ISO-2)
    schedule_duration: int = 86_400  # s, PMaxSchedule interval
    sequence_timeout: float = 60.0  # s without a request before the SECC closes
    faults: tuple[Fault | str, ...] = ()

    def __post_init__(self) -> None:
        if not self.protocols:
            raise ValueError("the charger must speak at least one protocol")
        unknown = [p for p in self.protocols if p not in PROTOCOL_NAMESPACES]
        if unknown:
            raise ValueError(f"unknown protocol {unknown[0]!r}; known: din, iso2")
        if self.energy not in ("ac", "dc"):
            raise ValueError(f"energy must be ac or dc, not {self.energy!r}")
        if not 1 <= self.schedule_tuples <= 3:
            raise ValueError("schedule_tuples must be 1..3")
        for f in self.faults:
            if isinstance(f, str):
                parse_fault(f)

    def fault_set(self) -> FaultSet:
        return FaultSet(self.faults)

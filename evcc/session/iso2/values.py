"""ISO 15118-2 value builders and readers shared by the ISO-2 state modules."""

from __future__ import annotations

from dataclasses import dataclass, field

from evcc.messages import iso2
from evcc.session.charge import ChargeContext, Verdict, evse_verdict
from evcc.session.physical import from_physical, to_physical
from evcc.session.vehicle import VehicleStatus

__all__ = ["Iso2Context", "ac_verdict", "dc_verdict", "ev_status", "pv", "read"]

U = iso2.UnitSymbolType


@dataclass
class Iso2Context(ChargeContext):
    """An ISO-2 session's state."""

    transfer_mode: iso2.EnergyTransferModeType = iso2.EnergyTransferModeType.DC_extended
    schedule: list[tuple[int, float]] = field(default_factory=list)  # (start s, PMax W)
    evse_nominal_voltage: float = 230.0
    detail_services: list[int] = field(default_factory=list)


def pv(value: float, unit: iso2.UnitSymbolType) -> iso2.PhysicalValueType:
    multiplier, scaled = to_physical(value)
    return iso2.PhysicalValueType(multiplier=multiplier, unit=unit, value=scaled)


def read(value: iso2.PhysicalValueType) -> float:
    return from_physical(value.multiplier, value.value)


def ev_status(status: VehicleStatus) -> iso2.DC_EVStatusType:
    try:
        error = iso2.DC_EVErrorCodeType(status.error)
    except ValueError:
        error = iso2.DC_EVErrorCodeType.NoData
    return iso2.DC_EVStatusType(ev_ready=status.ready, ev_error_code=error,
                                evresssoc=max(0, min(100, round(status.soc))))


def dc_verdict(status: iso2.DC_EVSEStatusType) -> Verdict:
    isolation = status.evse_isolation_status
    return evse_verdict(status.evse_notification.value, status.evse_status_code.value,
                        None if isolation is None else isolation.value)


def ac_verdict(status: iso2.AC_EVSEStatusType) -> Verdict:
    if status.rcd:
        return Verdict.EMERGENCY  # the residual current device tripped
    return evse_verdict(status.evse_notification.value)


def status_verdict(status: object) -> Verdict:
    """Verdict of an EVSEStatus of either kind (PowerDeliveryRes carries one of them)."""
    if isinstance(status, iso2.DC_EVSEStatusType):
        return dc_verdict(status)
    if isinstance(status, iso2.AC_EVSEStatusType):
        return ac_verdict(status)
    return Verdict.GO_ON

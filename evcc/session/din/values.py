"""DIN SPEC 70121 value builders and readers shared by the DIN state modules."""

from __future__ import annotations

from dataclasses import dataclass

from evcc.messages import din
from evcc.session.charge import ChargeContext, Verdict, evse_verdict
from evcc.session.physical import from_physical, to_physical
from evcc.session.vehicle import VehicleStatus

__all__ = ["DinContext", "ev_status", "pv", "read", "verdict"]


@dataclass
class DinContext(ChargeContext):
    """A DIN session's state (DC only)."""

    energy_transfer: din.EVRequestedEnergyTransferType = (
        din.EVRequestedEnergyTransferType.DC_extended)


def pv(value: float, unit: din.UnitSymbolType) -> din.PhysicalValueType:
    multiplier, scaled = to_physical(value)
    return din.PhysicalValueType(multiplier=multiplier, unit=unit, value=scaled)


def read(value: din.PhysicalValueType) -> float:
    return from_physical(value.multiplier, value.value)


def ev_status(status: VehicleStatus) -> din.DC_EVStatusType:
    try:
        error = din.DC_EVErrorCodeType(status.error)
    except ValueError:
        error = din.DC_EVErrorCodeType.NoData
    return din.DC_EVStatusType(ev_ready=status.ready, ev_error_code=error,
                               evresssoc=max(0, min(100, round(status.soc))))


def verdict(status: din.DC_EVSEStatusType) -> Verdict:
    isolation = status.evse_isolation_status
    return evse_verdict(status.evse_notification.value, status.evse_status_code.value,
                        None if isolation is None else isolation.value)

"""DIN SPEC 70121 DC with external identification: one module per request/response pair."""

from __future__ import annotations

from collections.abc import Mapping

from evcc.session.config import ChargeConfig
from evcc.session.din import (
    cable_check,
    charge_parameter_discovery,
    contract_authentication,
    current_demand,
    names,
    power_delivery,
    pre_charge,
    service_discovery,
    service_payment_selection,
    session_setup,
    session_stop,
    welding_detection,
)
from evcc.session.din.dialect import DIN
from evcc.session.din.values import DinContext
from evcc.session.protocol import ProtocolSpec, State
from evcc.session.vehicle import Vehicle

__all__ = ["DinContext", "protocol"]

STATES: Mapping[str, State[DinContext]] = {
    s.NAME: s
    for s in (
        session_setup, service_discovery, service_payment_selection, contract_authentication,
        charge_parameter_discovery, cable_check, pre_charge, power_delivery.START,
        current_demand, power_delivery.STOP, welding_detection, session_stop,
    )
}


def protocol(vehicle: Vehicle, config: ChargeConfig) -> ProtocolSpec[DinContext]:
    """A fresh DIN session for ``vehicle``."""
    if config.energy != "dc":
        raise ValueError("DIN SPEC 70121 charges DC only")
    ctx = DinContext(vehicle=vehicle, config=config)
    return ProtocolSpec(DIN, STATES, names.SESSION_SETUP, ctx)

"""ISO 15118-2 AC and DC with external identification: one module per request/response pair."""

from __future__ import annotations

from collections.abc import Mapping

from evcc.session.config import ChargeConfig
from evcc.session.iso2 import (
    authorization,
    cable_check,
    charge_parameter_discovery,
    charging_status,
    current_demand,
    names,
    payment_service_selection,
    power_delivery,
    pre_charge,
    service_detail,
    service_discovery,
    session_setup,
    session_stop,
    welding_detection,
)
from evcc.session.iso2.dialect import ISO2
from evcc.session.iso2.values import Iso2Context
from evcc.session.protocol import ProtocolSpec, State
from evcc.session.vehicle import Vehicle

__all__ = ["Iso2Context", "protocol"]

STATES: Mapping[str, State[Iso2Context]] = {
    s.NAME: s
    for s in (
        session_setup, service_discovery, service_detail, payment_service_selection,
        authorization, charge_parameter_discovery, cable_check, pre_charge,
        power_delivery.START, power_delivery.RENEGOTIATE, power_delivery.STOP,
        charging_status, current_demand, welding_detection, session_stop,
    )
}


def protocol(vehicle: Vehicle, config: ChargeConfig, *, resume_session: bytes | None = None,
             detail_services: tuple[int, ...] = ()) -> ProtocolSpec[Iso2Context]:
    """A fresh ISO-2 session for ``vehicle``; ``resume_session`` after a pause."""
    ctx = Iso2Context(vehicle=vehicle, config=config, detail_services=list(detail_services))
    if resume_session is not None:
        ctx.session_id = resume_session
    return ProtocolSpec(ISO2, STATES, names.SESSION_SETUP, ctx)

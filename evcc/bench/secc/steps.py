"""Request steps the bench charger takes the same way in DIN SPEC 70121 and ISO 15118-2."""

from __future__ import annotations

from typing import Protocol

from evcc.bench.secc.evse import PhysicalValue, reading
from evcc.bench.secc.flow import Next, Refuse, SessionState

__all__ = ["cable_check", "pre_charge", "session_setup", "welding_detection"]


class _TargetVoltage(Protocol):
    @property
    def ev_target_voltage(self) -> PhysicalValue: ...


def session_setup(st: SessionState, req: object) -> Next | Refuse:
    return Next(frozenset({"ServiceDiscoveryReq"}))


def cable_check(st: SessionState, req: object) -> Next | Refuse:
    if st.ongoing("CableCheckReq", st.config.cable_check_ongoing):
        return Next(frozenset({"CableCheckReq"}))
    st.cable_checked = True
    return Next(frozenset({"PreChargeReq"}))


def pre_charge(st: SessionState, req: _TargetVoltage) -> Next | Refuse:
    st.output.pre_charge(reading(req.ev_target_voltage))
    return Next(frozenset({"PreChargeReq", "PowerDeliveryReq"}))


def welding_detection(st: SessionState, req: object) -> Next | Refuse:
    st.output.discharge()
    return Next(frozenset({"WeldingDetectionReq", "SessionStopReq"}))

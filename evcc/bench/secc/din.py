"""DIN SPEC 70121 DC with External Identification Means, SECC side: requests in, responses out."""

from __future__ import annotations

from typing import Any

from evcc.bench.secc import steps
from evcc.bench.secc.events import CloseReason
from evcc.bench.secc.evse import physical, reading
from evcc.bench.secc.flow import Flow, Next, Refuse, SessionState
from evcc.messages import din
from evcc.session.din.dialect import DIN

__all__ = ["FLOW"]

_V, _A, _W = din.UnitSymbolType.V, din.UnitSymbolType.A, din.UnitSymbolType.W
_ENERGY = din.EVSESupportedEnergyTransferType.DC_extended
_ACCEPTED_TRANSFER = {din.EVRequestedEnergyTransferType.DC_extended,
                      din.EVRequestedEnergyTransferType.DC_core}
_CHARGE_SERVICE_ID = 1
_PMAX_MAX = 32767  # PMaxType is a short


def _code(code: str) -> din.ResponseCodeType:
    try:
        return din.ResponseCodeType(code)
    except ValueError:
        return din.ResponseCodeType.FAILED


def _pv(unit: din.UnitSymbolType, amount: float) -> din.PhysicalValueType:
    pv: din.PhysicalValueType = physical(din.PhysicalValueType, unit, amount)
    return pv


def _status(st: SessionState, *, loop: bool = False) -> din.DC_EVSEStatusType:
    code = din.DC_EVSEStatusCodeType.EVSE_Ready
    notification = din.EVSENotificationType.None_
    if loop and st.faults.at_loop("emergency_shutdown", st.loop_messages):
        code = din.DC_EVSEStatusCodeType.EVSE_EmergencyShutdown
    if loop and st.faults.at_loop("notify_stop", st.loop_messages):
        notification = din.EVSENotificationType.StopCharging
    elif loop and st.faults.at_loop("notify_renegotiate", st.loop_messages):
        notification = din.EVSENotificationType.ReNegotiation
    if not st.cable_checked and st.rounds.get("CableCheckReq", 0):
        code = din.DC_EVSEStatusCodeType.EVSE_IsolationMonitoringActive
    isolation = (din.IsolationLevelType.Valid if st.cable_checked
                 else din.IsolationLevelType.Invalid)
    return din.DC_EVSEStatusType(evse_isolation_status=isolation, evse_status_code=code,
                                 notification_max_delay=0, evse_notification=notification)


def _processing(st: SessionState, name: str, wanted: int) -> din.EVSEProcessingType:
    return (din.EVSEProcessingType.Ongoing if st.still_ongoing(name, wanted)
            else din.EVSEProcessingType.Finished)


# ---------------------------------------------------------------- process (request -> state)
def _service_discovery(st: SessionState, req: din.ServiceDiscoveryReqType) -> Next | Refuse:
    return Next(frozenset({"ServicePaymentSelectionReq"}))


def _payment_selection(st: SessionState, req: din.ServicePaymentSelectionReqType) -> Next | Refuse:
    if req.selected_payment_option is not din.PaymentOptionType.ExternalPayment:
        return Refuse("FAILED_PaymentSelectionInvalid", "only ExternalPayment is offered")
    services = req.selected_service_list.selected_service or []
    if not any(s.service_id == _CHARGE_SERVICE_ID for s in services):
        return Refuse("FAILED_ServiceSelectionInvalid", "the charge service was not selected")
    return Next(frozenset({"ContractAuthenticationReq"}))


def _contract_authentication(st: SessionState, req: Any) -> Next | Refuse:
    if st.ongoing("ContractAuthenticationReq", st.config.authorization_ongoing):
        return Next(frozenset({"ContractAuthenticationReq"}))
    return Next(frozenset({"ChargeParameterDiscoveryReq"}))


def _charge_parameter(st: SessionState, req: din.ChargeParameterDiscoveryReqType) -> Next | Refuse:
    if req.ev_requested_energy_transfer_type not in _ACCEPTED_TRANSFER:
        return Refuse("FAILED_WrongEnergyTransferType",
                      f"{req.ev_requested_energy_transfer_type} is not offered")
    if not isinstance(req.ev_charge_parameter, din.DC_EVChargeParameterType):
        return Refuse("FAILED_WrongChargeParameter", "DC_EVChargeParameter expected")
    if st.ongoing("ChargeParameterDiscoveryReq", st.config.charge_parameter_ongoing):
        return Next(frozenset({"ChargeParameterDiscoveryReq"}))
    return Next(frozenset({"CableCheckReq"}))


def _power_delivery(st: SessionState, req: din.PowerDeliveryReqType) -> Next | Refuse:
    profile = req.charging_profile
    if profile is not None and profile.sa_schedule_tuple_id != st.schedule_id:
        return Refuse("FAILED_TariffSelectionInvalid",
                      f"SAScheduleTupleID {profile.sa_schedule_tuple_id} was not offered")
    if req.ready_to_charge_state:
        st.charging = True
        return Next(frozenset({"CurrentDemandReq", "PowerDeliveryReq"}))
    st.charging = False
    st.output.off()
    return Next(frozenset({"WeldingDetectionReq", "SessionStopReq"}))


def _current_demand(st: SessionState, req: din.CurrentDemandReqType) -> Next | Refuse:
    st.loop_messages += 1
    st.output.demand(reading(req.ev_target_voltage), reading(req.ev_target_current))
    return Next(frozenset({"CurrentDemandReq", "PowerDeliveryReq"}))


def _session_stop(st: SessionState, req: din.SessionStopType) -> Next | Refuse:
    st.output.off()
    return Next(frozenset(), CloseReason.SESSION_STOP)


# ---------------------------------------------------------------- respond (state -> response)
def _r_session_setup(st: SessionState, code: str) -> object:
    return din.SessionSetupResType(response_code=_code(code), evseid=st.config.evse_id_din,
                                   date_time_now=st.timestamp)


def _r_service_discovery(st: SessionState, code: str) -> object:
    tag = din.ServiceTagType(service_id=_CHARGE_SERVICE_ID,
                             service_category=din.ServiceCategoryType.EVCharging)
    return din.ServiceDiscoveryResType(
        response_code=_code(code),
        payment_options=din.PaymentOptionsType(
            payment_option=[din.PaymentOptionType.ExternalPayment]),
        charge_service=din.ServiceChargeType(service_tag=tag, free_service=False,
                                             energy_transfer_type=_ENERGY),
    )


def _r_payment_selection(st: SessionState, code: str) -> object:
    return din.ServicePaymentSelectionResType(response_code=_code(code))


def _r_contract_authentication(st: SessionState, code: str) -> object:
    return din.ContractAuthenticationResType(
        response_code=_code(code),
        evse_processing=_processing(st, "ContractAuthenticationReq",
                                    st.config.authorization_ongoing))


def _r_charge_parameter(st: SessionState, code: str) -> object:
    lim = st.config.limits
    entry = din.PMaxScheduleEntryType(
        time_interval=din.RelativeTimeIntervalType(start=0,
                                                   duration=st.config.schedule_duration),
        pmax=min(_PMAX_MAX, int(lim.max_power)))
    schedules = din.SAScheduleListType(sa_schedule_tuple=[din.SAScheduleTupleType(
        sa_schedule_tuple_id=st.schedule_id,
        pmax_schedule=din.PMaxScheduleType(pmax_schedule_id=0, pmax_schedule_entry=[entry]))])
    evse = din.DC_EVSEChargeParameterType(
        dc_evse_status=_status(st),
        evse_maximum_current_limit=_pv(_A, lim.max_current),
        evse_maximum_power_limit=_pv(_W, lim.max_power),
        evse_maximum_voltage_limit=_pv(_V, lim.max_voltage),
        evse_minimum_current_limit=_pv(_A, lim.min_current),
        evse_minimum_voltage_limit=_pv(_V, lim.min_voltage),
        evse_peak_current_ripple=_pv(_A, lim.peak_current_ripple),
    )
    return din.ChargeParameterDiscoveryResType(
        response_code=_code(code),
        evse_processing=_processing(st, "ChargeParameterDiscoveryReq",
                                    st.config.charge_parameter_ongoing),
        sa_schedules=schedules, evse_charge_parameter=evse)


def _r_cable_check(st: SessionState, code: str) -> object:
    return din.CableCheckResType(
        response_code=_code(code), dc_evse_status=_status(st),
        evse_processing=(din.EVSEProcessingType.Finished if st.cable_checked
                         else din.EVSEProcessingType.Ongoing))


def _r_pre_charge(st: SessionState, code: str) -> object:
    return din.PreChargeResType(response_code=_code(code), dc_evse_status=_status(st),
                                evse_present_voltage=_pv(_V, st.output.voltage))


def _r_power_delivery(st: SessionState, code: str) -> object:
    return din.PowerDeliveryResType(response_code=_code(code), evse_status=_status(st))


def _r_current_demand(st: SessionState, code: str) -> object:
    out, lim = st.output, st.config.limits
    return din.CurrentDemandResType(
        response_code=_code(code), dc_evse_status=_status(st, loop=True),
        evse_present_voltage=_pv(_V, out.voltage), evse_present_current=_pv(_A, out.current),
        evse_current_limit_achieved=out.current_limited,
        evse_voltage_limit_achieved=out.voltage_limited,
        evse_power_limit_achieved=out.power_limited,
        evse_maximum_voltage_limit=_pv(_V, lim.max_voltage),
        evse_maximum_current_limit=_pv(_A, lim.max_current),
        evse_maximum_power_limit=_pv(_W, lim.max_power),
    )


def _r_welding_detection(st: SessionState, code: str) -> object:
    return din.WeldingDetectionResType(response_code=_code(code), dc_evse_status=_status(st),
                                       evse_present_voltage=_pv(_V, st.output.voltage))


def _r_session_stop(st: SessionState, code: str) -> object:
    return din.SessionStopResType(response_code=_code(code))


_TABLE: dict[str, tuple[type[object], Any, Any]] = {
    "SessionSetupReq": (din.SessionSetupReqType, steps.session_setup, _r_session_setup),
    "ServiceDiscoveryReq": (din.ServiceDiscoveryReqType, _service_discovery,
                            _r_service_discovery),
    "ServicePaymentSelectionReq": (din.ServicePaymentSelectionReqType, _payment_selection,
                                   _r_payment_selection),
    "ContractAuthenticationReq": (din.ContractAuthenticationReqType, _contract_authentication,
                                  _r_contract_authentication),
    "ChargeParameterDiscoveryReq": (din.ChargeParameterDiscoveryReqType, _charge_parameter,
                                    _r_charge_parameter),
    "CableCheckReq": (din.CableCheckReqType, steps.cable_check, _r_cable_check),
    "PreChargeReq": (din.PreChargeReqType, steps.pre_charge, _r_pre_charge),
    "PowerDeliveryReq": (din.PowerDeliveryReqType, _power_delivery, _r_power_delivery),
    "CurrentDemandReq": (din.CurrentDemandReqType, _current_demand, _r_current_demand),
    "WeldingDetectionReq": (din.WeldingDetectionReqType, steps.welding_detection,
                            _r_welding_detection),
    "SessionStopReq": (din.SessionStopType, _session_stop, _r_session_stop),
}

FLOW = Flow(
    dialect=DIN,
    process={name: row[1] for name, row in _TABLE.items()},
    respond={name: row[2] for name, row in _TABLE.items()},
    names={row[0]: name for name, row in _TABLE.items()},
)

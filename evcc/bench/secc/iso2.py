"""ISO 15118-2 AC and DC with External Identification Means, SECC side."""

from __future__ import annotations

from typing import Any

from evcc.bench.secc import steps
from evcc.bench.secc.events import CloseReason
from evcc.bench.secc.evse import physical, reading
from evcc.bench.secc.flow import Flow, Next, Refuse, SessionState
from evcc.messages import iso2
from evcc.session.iso2.dialect import ISO2

__all__ = ["FLOW"]

_V, _A, _W = iso2.UnitSymbolType.V, iso2.UnitSymbolType.A, iso2.UnitSymbolType.W
_MODES = {
    "ac": (iso2.EnergyTransferModeType.AC_three_phase_core,
           iso2.EnergyTransferModeType.AC_single_phase_core),
    "dc": (iso2.EnergyTransferModeType.DC_extended, iso2.EnergyTransferModeType.DC_core),
}
_CHARGE_SERVICE_ID = 1
_CERT_SERVICE_ID = 2
_METER_ID = "BENCH-METER-1"
_SECONDS_PER_LOOP_MESSAGE = 1.0  # energy metered per loop message, for a moving meter reading


def _code(code: str) -> iso2.ResponseCodeType:
    try:
        return iso2.ResponseCodeType(code)
    except ValueError:
        return iso2.ResponseCodeType.FAILED


def _pv(unit: iso2.UnitSymbolType, amount: float) -> iso2.PhysicalValueType:
    pv: iso2.PhysicalValueType = physical(iso2.PhysicalValueType, unit, amount)
    return pv


def _ac(st: SessionState) -> bool:
    return st.config.energy == "ac"


def _max_power(st: SessionState) -> float:
    return st.config.limits.ac_max_power if _ac(st) else st.config.limits.max_power


def _pmax(st: SessionState, tuple_id: int) -> list[tuple[int, float]]:
    """PMaxSchedule entries (start s, W) of tuple ``tuple_id``: 1 full power, 2 and 3 reduced."""
    power, half = _max_power(st), st.config.schedule_duration // 2
    if tuple_id == 1:
        return [(0, power)]
    if tuple_id == 2:
        return [(0, power), (half, power / 2)]
    return [(0, power / 2)]


def _notification(st: SessionState, loop: bool) -> iso2.EVSENotificationType:
    if loop and st.faults.at_loop("notify_stop", st.loop_messages):
        return iso2.EVSENotificationType.StopCharging
    if loop and st.faults.at_loop("notify_renegotiate", st.loop_messages):
        return iso2.EVSENotificationType.ReNegotiation
    return iso2.EVSENotificationType.None_


def _emergency(st: SessionState, loop: bool) -> bool:
    return loop and st.faults.at_loop("emergency_shutdown", st.loop_messages)


def _ac_status(st: SessionState, *, loop: bool = False) -> iso2.AC_EVSEStatusType:
    return iso2.AC_EVSEStatusType(notification_max_delay=0,
                                  evse_notification=_notification(st, loop),
                                  rcd=_emergency(st, loop))


def _dc_status(st: SessionState, *, loop: bool = False) -> iso2.DC_EVSEStatusType:
    code = iso2.DC_EVSEStatusCodeType.EVSE_Ready
    if not st.cable_checked and st.rounds.get("CableCheckReq", 0):
        code = iso2.DC_EVSEStatusCodeType.EVSE_IsolationMonitoringActive
    if _emergency(st, loop):
        code = iso2.DC_EVSEStatusCodeType.EVSE_EmergencyShutdown
    isolation = (iso2.IsolationLevelType.Valid if st.cable_checked
                 else iso2.IsolationLevelType.Invalid)
    return iso2.DC_EVSEStatusType(notification_max_delay=0,
                                  evse_notification=_notification(st, loop),
                                  evse_isolation_status=isolation, evse_status_code=code)


def _processing(st: SessionState, name: str, wanted: int) -> iso2.EVSEProcessingType:
    return (iso2.EVSEProcessingType.Ongoing if st.still_ongoing(name, wanted)
            else iso2.EVSEProcessingType.Finished)


def _meter(st: SessionState) -> iso2.MeterInfoType:
    return iso2.MeterInfoType(meter_id=_METER_ID, meter_reading=int(st.energy_wh))


# ---------------------------------------------------------------- process (request -> state)
def _service_discovery(st: SessionState, req: iso2.ServiceDiscoveryReqType) -> Next | Refuse:
    return Next(frozenset({"ServiceDetailReq", "PaymentServiceSelectionReq"}))


def _service_detail(st: SessionState, req: iso2.ServiceDetailReqType) -> Next | Refuse:
    if req.service_id not in (_CHARGE_SERVICE_ID, _CERT_SERVICE_ID):
        return Refuse("FAILED_ServiceIDInvalid", f"no service {req.service_id}")
    st.rounds["detail_service"] = req.service_id
    return Next(frozenset({"ServiceDetailReq", "PaymentServiceSelectionReq"}))


def _payment_selection(st: SessionState, req: iso2.PaymentServiceSelectionReqType
                       ) -> Next | Refuse:
    if req.selected_payment_option is not iso2.PaymentOptionType.ExternalPayment:
        return Refuse("FAILED_PaymentSelectionInvalid", "only ExternalPayment is offered")
    ids = [s.service_id for s in req.selected_service_list.selected_service or []]
    if any(i not in (_CHARGE_SERVICE_ID, _CERT_SERVICE_ID) for i in ids):
        return Refuse("FAILED_ServiceSelectionInvalid", f"unknown service in {ids}")
    if _CHARGE_SERVICE_ID not in ids:
        return Refuse("FAILED_NoChargeServiceSelected", "the charge service was not selected")
    return Next(frozenset({"AuthorizationReq"}))


def _authorization(st: SessionState, req: iso2.AuthorizationReqType) -> Next | Refuse:
    if st.ongoing("AuthorizationReq", st.config.authorization_ongoing):
        return Next(frozenset({"AuthorizationReq"}))
    return Next(frozenset({"ChargeParameterDiscoveryReq"}))


def _charge_parameter(st: SessionState, req: iso2.ChargeParameterDiscoveryReqType
                      ) -> Next | Refuse:
    mode = req.requested_energy_transfer_mode
    if mode not in _MODES[st.config.energy]:
        return Refuse("FAILED_WrongEnergyTransferMode", f"{mode} is not offered")
    wanted = iso2.AC_EVChargeParameterType if _ac(st) else iso2.DC_EVChargeParameterType
    if not isinstance(req.ev_charge_parameter, wanted):
        return Refuse("FAILED_WrongChargeParameter", f"{wanted.__name__} expected")
    st.energy_mode = str(mode.value)
    limit = req.max_entries_sa_schedule_tuple
    st.rounds["max_entries"] = limit if limit is not None else 0
    if st.ongoing("ChargeParameterDiscoveryReq", st.config.charge_parameter_ongoing):
        return Next(frozenset({"ChargeParameterDiscoveryReq"}))
    if _ac(st) or st.cable_checked:
        return Next(frozenset({"PowerDeliveryReq"}))
    return Next(frozenset({"CableCheckReq"}))


def _power_delivery(st: SessionState, req: iso2.PowerDeliveryReqType) -> Next | Refuse:
    loop = "ChargingStatusReq" if _ac(st) else "CurrentDemandReq"
    if req.charge_progress is iso2.ChargeProgressType.Renegotiate:
        st.rounds["ChargeParameterDiscoveryReq"] = 0
        return Next(frozenset({"ChargeParameterDiscoveryReq"}))
    if req.charge_progress is iso2.ChargeProgressType.Stop:
        st.charging = False
        st.output.off()
        return Next(frozenset({"SessionStopReq"} if _ac(st)
                              else {"WeldingDetectionReq", "SessionStopReq"}))
    if not 1 <= req.sa_schedule_tuple_id <= st.config.schedule_tuples:
        return Refuse("FAILED_TariffSelectionInvalid",
                      f"SAScheduleTupleID {req.sa_schedule_tuple_id} was not offered")
    ceiling = max(p for _, p in _pmax(st, req.sa_schedule_tuple_id))
    entries = (req.charging_profile.profile_entry or []) if req.charging_profile else []
    if any(reading(e.charging_profile_entry_max_power) > ceiling for e in entries):
        return Refuse("FAILED_ChargingProfileInvalid", "a profile entry exceeds PMax")
    st.schedule_id = req.sa_schedule_tuple_id
    st.charging = True
    return Next(frozenset({loop, "PowerDeliveryReq"}))


def _charging_status(st: SessionState, req: iso2.ChargingStatusReqType) -> Next | Refuse:
    st.loop_messages += 1
    lim = st.config.limits
    st.energy_wh += 3 * lim.nominal_voltage * lim.ac_max_current * _SECONDS_PER_LOOP_MESSAGE / 3600
    return Next(frozenset({"ChargingStatusReq", "PowerDeliveryReq"}))


def _current_demand(st: SessionState, req: iso2.CurrentDemandReqType) -> Next | Refuse:
    st.loop_messages += 1
    st.output.demand(reading(req.ev_target_voltage), reading(req.ev_target_current))
    st.energy_wh += st.output.voltage * st.output.current * _SECONDS_PER_LOOP_MESSAGE / 3600
    return Next(frozenset({"CurrentDemandReq", "PowerDeliveryReq"}))


def _session_stop(st: SessionState, req: iso2.SessionStopReqType) -> Next | Refuse:
    st.output.off()
    if req.charging_session is iso2.ChargingSessionType.Pause:
        st.paused = True
        return Next(frozenset(), CloseReason.PAUSED)
    return Next(frozenset(), CloseReason.SESSION_STOP)


# ---------------------------------------------------------------- respond (state -> response)
def _r_session_setup(st: SessionState, code: str) -> object:
    return iso2.SessionSetupResType(response_code=_code(code), evseid=st.config.evse_id_iso2,
                                    evse_time_stamp=st.timestamp)


def _r_service_discovery(st: SessionState, code: str) -> object:
    return iso2.ServiceDiscoveryResType(
        response_code=_code(code),
        payment_option_list=iso2.PaymentOptionListType(
            payment_option=[iso2.PaymentOptionType.ExternalPayment]),
        charge_service=iso2.ChargeServiceType(
            service_id=_CHARGE_SERVICE_ID, service_name="AC_DC_Charging",
            service_category=iso2.ServiceCategoryType.EVCharging, free_service=False,
            supported_energy_transfer_mode=iso2.SupportedEnergyTransferModeType(
                energy_transfer_mode=list(_MODES[st.config.energy]))),
        service_list=iso2.ServiceListType(service=[iso2.ServiceType(
            service_id=_CERT_SERVICE_ID, service_name="Certificate",
            service_category=iso2.ServiceCategoryType.ContractCertificate,
            free_service=True)]),
    )


def _r_service_detail(st: SessionState, code: str) -> object:
    service = st.rounds.get("detail_service", _CERT_SERVICE_ID)
    params = None
    if service == _CERT_SERVICE_ID:
        params = iso2.ServiceParameterListType(parameter_set=[
            iso2.ParameterSetType(parameter_set_id=i, parameter=[
                iso2.ParameterType(name="Service", string_value=value)])
            for i, value in ((1, "Installation"), (2, "Update"))])
    return iso2.ServiceDetailResType(response_code=_code(code), service_id=service,
                                     service_parameter_list=params)


def _r_payment_selection(st: SessionState, code: str) -> object:
    return iso2.PaymentServiceSelectionResType(response_code=_code(code))


def _r_authorization(st: SessionState, code: str) -> object:
    return iso2.AuthorizationResType(
        response_code=_code(code),
        evse_processing=_processing(st, "AuthorizationReq", st.config.authorization_ongoing))


def _schedules(st: SessionState) -> iso2.SAScheduleListType:
    duration = st.config.schedule_duration
    tuples = []
    for tuple_id in range(1, st.config.schedule_tuples + 1):
        points = _pmax(st, tuple_id)
        limit = st.rounds.get("max_entries", 0)
        if limit:
            points = points[:limit]
        entries = [iso2.PMaxScheduleEntryType(
            time_interval=iso2.RelativeTimeIntervalType(
                start=start, duration=(duration - start) if i == len(points) - 1 else None),
            pmax=_pv(_W, power)) for i, (start, power) in enumerate(points)]
        tuples.append(iso2.SAScheduleTupleType(
            sa_schedule_tuple_id=tuple_id,
            pmax_schedule=iso2.PMaxScheduleType(pmax_schedule_entry=entries)))
    return iso2.SAScheduleListType(sa_schedule_tuple=tuples)


def _r_charge_parameter(st: SessionState, code: str) -> object:
    lim = st.config.limits
    processing = _processing(st, "ChargeParameterDiscoveryReq",
                             st.config.charge_parameter_ongoing)
    evse: object
    if _ac(st):
        evse = iso2.AC_EVSEChargeParameterType(
            ac_evse_status=_ac_status(st), evse_nominal_voltage=_pv(_V, lim.nominal_voltage),
            evse_max_current=_pv(_A, lim.ac_max_current))
    else:
        evse = iso2.DC_EVSEChargeParameterType(
            dc_evse_status=_dc_status(st),
            evse_maximum_current_limit=_pv(_A, lim.max_current),
            evse_maximum_power_limit=_pv(_W, lim.max_power),
            evse_maximum_voltage_limit=_pv(_V, lim.max_voltage),
            evse_minimum_current_limit=_pv(_A, lim.min_current),
            evse_minimum_voltage_limit=_pv(_V, lim.min_voltage),
            evse_peak_current_ripple=_pv(_A, lim.peak_current_ripple))
    finished = processing is iso2.EVSEProcessingType.Finished and code.startswith("OK")
    return iso2.ChargeParameterDiscoveryResType(
        response_code=_code(code), evse_processing=processing,
        sa_schedules=_schedules(st) if finished else None, evse_charge_parameter=evse)


def _r_cable_check(st: SessionState, code: str) -> object:
    return iso2.CableCheckResType(
        response_code=_code(code), dc_evse_status=_dc_status(st),
        evse_processing=(iso2.EVSEProcessingType.Finished if st.cable_checked
                         else iso2.EVSEProcessingType.Ongoing))


def _r_pre_charge(st: SessionState, code: str) -> object:
    return iso2.PreChargeResType(response_code=_code(code), dc_evse_status=_dc_status(st),
                                 evse_present_voltage=_pv(_V, st.output.voltage))


def _r_power_delivery(st: SessionState, code: str) -> object:
    status = _ac_status(st) if _ac(st) else _dc_status(st)
    return iso2.PowerDeliveryResType(response_code=_code(code), evse_status=status)


def _r_charging_status(st: SessionState, code: str) -> object:
    return iso2.ChargingStatusResType(
        response_code=_code(code), evseid=st.config.evse_id_iso2,
        sa_schedule_tuple_id=st.schedule_id,
        evse_max_current=_pv(_A, st.config.limits.ac_max_current), meter_info=_meter(st),
        receipt_required=False, ac_evse_status=_ac_status(st, loop=True))


def _r_current_demand(st: SessionState, code: str) -> object:
    out, lim = st.output, st.config.limits
    return iso2.CurrentDemandResType(
        response_code=_code(code), dc_evse_status=_dc_status(st, loop=True),
        evse_present_voltage=_pv(_V, out.voltage), evse_present_current=_pv(_A, out.current),
        evse_current_limit_achieved=out.current_limited,
        evse_voltage_limit_achieved=out.voltage_limited,
        evse_power_limit_achieved=out.power_limited,
        evse_maximum_voltage_limit=_pv(_V, lim.max_voltage),
        evse_maximum_current_limit=_pv(_A, lim.max_current),
        evse_maximum_power_limit=_pv(_W, lim.max_power),
        evseid=st.config.evse_id_iso2, sa_schedule_tuple_id=st.schedule_id,
        meter_info=_meter(st), receipt_required=False)


def _r_welding_detection(st: SessionState, code: str) -> object:
    return iso2.WeldingDetectionResType(response_code=_code(code), dc_evse_status=_dc_status(st),
                                        evse_present_voltage=_pv(_V, st.output.voltage))


def _r_session_stop(st: SessionState, code: str) -> object:
    return iso2.SessionStopResType(response_code=_code(code))


_TABLE: dict[str, tuple[type[object], Any, Any]] = {
    "SessionSetupReq": (iso2.SessionSetupReqType, steps.session_setup, _r_session_setup),
    "ServiceDiscoveryReq": (iso2.ServiceDiscoveryReqType, _service_discovery,
                            _r_service_discovery),
    "ServiceDetailReq": (iso2.ServiceDetailReqType, _service_detail, _r_service_detail),
    "PaymentServiceSelectionReq": (iso2.PaymentServiceSelectionReqType, _payment_selection,
                                   _r_payment_selection),
    "AuthorizationReq": (iso2.AuthorizationReqType, _authorization, _r_authorization),
    "ChargeParameterDiscoveryReq": (iso2.ChargeParameterDiscoveryReqType, _charge_parameter,
                                    _r_charge_parameter),
    "CableCheckReq": (iso2.CableCheckReqType, steps.cable_check, _r_cable_check),
    "PreChargeReq": (iso2.PreChargeReqType, steps.pre_charge, _r_pre_charge),
    "PowerDeliveryReq": (iso2.PowerDeliveryReqType, _power_delivery, _r_power_delivery),
    "ChargingStatusReq": (iso2.ChargingStatusReqType, _charging_status, _r_charging_status),
    "CurrentDemandReq": (iso2.CurrentDemandReqType, _current_demand, _r_current_demand),
    "WeldingDetectionReq": (iso2.WeldingDetectionReqType, steps.welding_detection,
                            _r_welding_detection),
    "SessionStopReq": (iso2.SessionStopReqType, _session_stop, _r_session_stop),
}

FLOW = Flow(
    dialect=ISO2,
    process={name: row[1] for name, row in _TABLE.items()},
    respond={name: row[2] for name, row in _TABLE.items()},
    names={row[0]: name for name, row in _TABLE.items()},
)

"""Complete DIN DC, ISO-2 AC and ISO-2 DC EIM sessions against the SECC core, and its checks."""

from __future__ import annotations

import pytest

from evcc.bench.secc import ChargerConfig, CloseReason, RequestReceived, SessionClosed
from evcc.bench.secc.evse import reading
from evcc.messages import app, din, iso2
from tests.evcc.bench.secc.ev import (
    EVCC_ID,
    UTC,
    ScriptedEv,
    din_cpd,
    din_current_demand,
    din_payment,
    din_power_delivery,
    din_status,
    iso2_cpd,
    iso2_current_demand,
    iso2_payment,
    iso2_power_delivery,
    iso2_status,
    iso2_stop,
    pv,
    sap_req,
    sap_res,
)

DIN_OK = din.ResponseCodeType.OK
ISO_OK = iso2.ResponseCodeType.OK


def test_din_dc_session_complete() -> None:
    ev = ScriptedEv(ChargerConfig(protocols=("din",), authorization_ongoing=2,
                                  charge_parameter_ongoing=1, cable_check_ongoing=2), "din")
    sap = ev.handshake("iso2", "din")
    assert sap.response_code is app.ResponseCodeType.OK_SuccessfulNegotiation
    assert sap.schema_id == 11  # din, the only one served
    res = ev.send(din.SessionSetupReqType(evccid=EVCC_ID))
    assert res.response_code is din.ResponseCodeType.OK_NewSessionEstablished
    assert ev.session_id != bytes(8) and res.date_time_now == UTC
    res = ev.send(din.ServiceDiscoveryReqType())
    assert res.payment_options.payment_option == [din.PaymentOptionType.ExternalPayment]
    transfer = din.EVSESupportedEnergyTransferType.DC_extended
    assert res.charge_service.energy_transfer_type is transfer
    assert ev.send(din_payment()).response_code is DIN_OK
    processing = [ev.send(din.ContractAuthenticationReqType()).evse_processing for _ in range(3)]
    assert processing == [din.EVSEProcessingType.Ongoing] * 2 + [din.EVSEProcessingType.Finished]
    first, second = ev.send(din_cpd()), ev.send(din_cpd())
    assert first.evse_processing is din.EVSEProcessingType.Ongoing
    assert second.evse_processing is din.EVSEProcessingType.Finished
    assert reading(second.evse_charge_parameter.evse_maximum_voltage_limit) == 500.0
    assert second.sa_schedules.sa_schedule_tuple[0].pmax_schedule.pmax_schedule_entry[0].pmax > 0
    checks = [ev.send(din.CableCheckReqType(dc_ev_status=din_status())) for _ in range(3)]
    assert [c.evse_processing for c in checks][-1] is din.EVSEProcessingType.Finished
    assert checks[-1].dc_evse_status.evse_isolation_status is din.IsolationLevelType.Valid
    voltages = [reading(ev.send(din.PreChargeReqType(
        dc_ev_status=din_status(), ev_target_voltage=pv(din, 380, "V"),
        ev_target_current=pv(din, 1, "A"))).evse_present_voltage) for _ in range(4)]
    assert voltages == [150.0, 300.0, 380.0, 380.0]  # ramps to the EV target, then holds
    assert ev.send(din_power_delivery(True)).response_code is DIN_OK
    currents = []
    for _ in range(5):
        res = ev.send(din_current_demand(400, 100))
        assert res.response_code is DIN_OK
        assert res.dc_evse_status.evse_notification is din.EVSENotificationType.None_
        currents.append(reading(res.evse_present_current))
    assert currents == [50.0, 100.0, 100.0, 100.0, 100.0]
    assert reading(res.evse_present_voltage) == 400.0
    assert ev.send(din_power_delivery(False)).response_code is DIN_OK
    welding = ev.send(din.WeldingDetectionReqType(dc_ev_status=din_status()))
    assert reading(welding.evse_present_voltage) < 400.0
    assert ev.send(din.SessionStopType()).response_code is DIN_OK
    assert ev.core.done and ev.core.closed == SessionClosed(CloseReason.SESSION_STOP)
    assert ev.core.received == [
        "SupportedAppProtocolReq", "SessionSetupReq", "ServiceDiscoveryReq",
        "ServicePaymentSelectionReq", *["ContractAuthenticationReq"] * 3,
        *["ChargeParameterDiscoveryReq"] * 2, *["CableCheckReq"] * 3, *["PreChargeReq"] * 4,
        "PowerDeliveryReq", *["CurrentDemandReq"] * 5, "PowerDeliveryReq",
        "WeldingDetectionReq", "SessionStopReq"]
    events = ev.events()
    assert RequestReceived("SessionStopReq") in events and events[-1] == ev.core.closed


def _iso2_until_authorized(ev: ScriptedEv, ongoing: int) -> None:
    sap = ev.handshake("iso2", "din")
    assert sap.schema_id == 10
    assert ev.send(iso2.SessionSetupReqType(evccid=EVCC_ID)).evseid == "DE*PNX*E12345*1"
    res = ev.send(iso2.ServiceDiscoveryReqType())
    assert res.payment_option_list.payment_option == [iso2.PaymentOptionType.ExternalPayment]
    detail = ev.send(iso2.ServiceDetailReqType(service_id=2))
    assert [p.parameter[0].string_value for p in detail.service_parameter_list.parameter_set] == [
        "Installation", "Update"]
    assert ev.send(iso2_payment()).response_code is ISO_OK
    answers = [ev.send(iso2.AuthorizationReqType()).evse_processing for _ in range(ongoing + 1)]
    assert answers[-1] is iso2.EVSEProcessingType.Finished
    assert answers[:-1] == [iso2.EVSEProcessingType.Ongoing] * ongoing


def test_iso2_ac_session_with_renegotiation() -> None:
    ev = ScriptedEv(ChargerConfig(energy="ac", schedule_tuples=2, authorization_ongoing=3,
                                  faults=("notify_renegotiate:2",)))
    _iso2_until_authorized(ev, 3)
    ongoing = ev.send(iso2_cpd("ac"))
    assert ongoing.evse_processing is iso2.EVSEProcessingType.Ongoing
    assert ongoing.sa_schedules is None
    res = ev.send(iso2_cpd("ac"))
    tuples = res.sa_schedules.sa_schedule_tuple
    assert [t.sa_schedule_tuple_id for t in tuples] == [1, 2]
    assert [reading(e.pmax) for e in tuples[1].pmax_schedule.pmax_schedule_entry] == [
        22000.0, 11000.0]
    assert reading(res.evse_charge_parameter.evse_nominal_voltage) == 230.0
    assert ev.send(iso2_power_delivery("Start", 2, profile_w=11000)).response_code is ISO_OK
    notes = [ev.send(iso2.ChargingStatusReqType()) for _ in range(2)]
    assert notes[0].ac_evse_status.evse_notification is iso2.EVSENotificationType.None_
    assert notes[1].ac_evse_status.evse_notification is iso2.EVSENotificationType.ReNegotiation
    assert notes[1].sa_schedule_tuple_id == 2 and notes[1].meter_info.meter_reading > 0
    assert ev.send(iso2_power_delivery("Renegotiate", 2)).response_code is ISO_OK
    assert ev.send(iso2_cpd("ac")).evse_processing is iso2.EVSEProcessingType.Ongoing
    assert ev.send(iso2_cpd("ac")).evse_processing is iso2.EVSEProcessingType.Finished
    assert ev.send(iso2_power_delivery("Start", 1)).response_code is ISO_OK
    res = ev.send(iso2.ChargingStatusReqType())
    assert res.ac_evse_status.evse_notification is iso2.EVSENotificationType.None_
    assert ev.send(iso2_power_delivery("Stop", 1)).response_code is ISO_OK
    assert ev.send(iso2_stop()).response_code is ISO_OK
    assert ev.core.closed == SessionClosed(CloseReason.SESSION_STOP)
    assert ev.core.paused_session_id is None


def test_iso2_dc_session_pause_and_resume() -> None:
    config = ChargerConfig(energy="dc", authorization_ongoing=0, cable_check_ongoing=1)
    ev = ScriptedEv(config)
    _iso2_until_authorized(ev, 0)
    ev.send(iso2_cpd("dc"))
    res = ev.send(iso2_cpd("dc"))
    assert reading(res.evse_charge_parameter.evse_maximum_power_limit) == 50000.0
    assert ev.send(iso2.CableCheckReqType(dc_ev_status=iso2_status())).evse_processing \
        is iso2.EVSEProcessingType.Ongoing
    assert ev.send(iso2.CableCheckReqType(dc_ev_status=iso2_status())).evse_processing \
        is iso2.EVSEProcessingType.Finished
    pre = ev.send(iso2.PreChargeReqType(dc_ev_status=iso2_status(),
                                        ev_target_voltage=pv(iso2, 120, "V"),
                                        ev_target_current=pv(iso2, 1, "A")))
    assert reading(pre.evse_present_voltage) == 120.0
    assert ev.send(iso2_power_delivery("Start")).response_code is ISO_OK
    for _ in range(3):
        res = ev.send(iso2_current_demand(450, 200))
    assert reading(res.evse_present_current) == pytest.approx(111.1)  # 50 kW at 450 V
    assert res.evse_power_limit_achieved and not res.evse_voltage_limit_achieved
    assert res.evseid == "DE*PNX*E12345*1" and res.receipt_required is False
    assert ev.send(iso2_power_delivery("Stop")).response_code is ISO_OK
    ev.send(iso2.WeldingDetectionReqType(dc_ev_status=iso2_status()))
    assert ev.send(iso2_stop(pause=True)).response_code is ISO_OK
    assert ev.core.closed == SessionClosed(CloseReason.PAUSED)
    kept = ev.core.paused_session_id
    assert kept == ev.session_id

    again = ScriptedEv(config, paused_session=kept)
    again.handshake()
    res = again.send(iso2.SessionSetupReqType(evccid=EVCC_ID), session_id=kept)
    assert res.response_code is iso2.ResponseCodeType.OK_OldSessionJoined
    assert again.session_id == kept
    other = ScriptedEv(config, paused_session=kept)
    other.handshake()
    res = other.send(iso2.SessionSetupReqType(evccid=EVCC_ID), session_id=b"\x01" * 8)
    assert res.response_code is iso2.ResponseCodeType.OK_NewSessionEstablished
    assert other.session_id != kept


def test_protocol_choice_by_ev_priority_and_minor_deviation() -> None:
    both = ChargerConfig(protocols=("iso2", "din"))
    assert ScriptedEv(both).handshake("din", "iso2").schema_id == 10
    assert ScriptedEv(both).handshake("iso2", "din").schema_id == 10
    ac = ChargerConfig(protocols=("din", "iso2"), energy="ac")  # DIN is DC only
    assert ScriptedEv(ac).handshake("din", "iso2").schema_id == 11
    ev = ScriptedEv(both)
    ev.core.receive(sap_req("iso2", minor=1), ev.now)
    res = sap_res(b"".join(ev.core.bytes_to_send()))
    assert res.response_code is app.ResponseCodeType.OK_SuccessfulNegotiationWithMinorDeviation
    none = ScriptedEv(ChargerConfig(protocols=("din",)))
    res = none.handshake("iso2")
    assert res.response_code is app.ResponseCodeType.Failed_NoNegotiation
    assert res.schema_id is None
    assert none.core.closed is not None
    assert none.core.closed.reason is CloseReason.NO_COMMON_PROTOCOL


def test_out_of_order_request_is_a_sequence_error() -> None:
    ev = ScriptedEv(ChargerConfig())
    ev.handshake()
    ev.send(iso2.SessionSetupReqType(evccid=EVCC_ID))
    res = ev.send(iso2.AuthorizationReqType())
    assert res.response_code is iso2.ResponseCodeType.FAILED_SequenceError
    assert ev.core.done and ev.core.closed is not None
    assert ev.core.closed.reason is CloseReason.SEQUENCE_ERROR


def test_wrong_session_id_is_unknown_session() -> None:
    ev = ScriptedEv(ChargerConfig(protocols=("din",)), "din")
    ev.handshake()
    ev.send(din.SessionSetupReqType(evccid=EVCC_ID))
    res = ev.send(din.ServiceDiscoveryReqType(), session_id=b"\x42" * 8)
    assert res.response_code is din.ResponseCodeType.FAILED_UnknownSession
    assert ev.core.closed is not None
    assert ev.core.closed.reason is CloseReason.UNKNOWN_SESSION


def test_refusals_carry_the_standard_codes() -> None:
    ev = ScriptedEv(ChargerConfig())
    ev.handshake()
    ev.send(iso2.SessionSetupReqType(evccid=EVCC_ID))
    ev.send(iso2.ServiceDiscoveryReqType())
    res = ev.send(iso2.ServiceDetailReqType(service_id=77))
    assert res.response_code is iso2.ResponseCodeType.FAILED_ServiceIDInvalid
    ev = ScriptedEv(ChargerConfig(energy="dc", authorization_ongoing=0))
    _iso2_until_authorized(ev, 0)
    res = ev.send(iso2_cpd("ac"))
    assert res.response_code is iso2.ResponseCodeType.FAILED_WrongEnergyTransferMode
    ev = ScriptedEv(ChargerConfig(energy="ac", authorization_ongoing=0,
                                  charge_parameter_ongoing=0))
    _iso2_until_authorized(ev, 0)
    ev.send(iso2_cpd("ac"))
    res = ev.send(iso2_power_delivery("Start", 1, profile_w=30000))
    assert res.response_code is iso2.ResponseCodeType.FAILED_ChargingProfileInvalid


def test_sequence_timeout_closes_a_silent_connection() -> None:
    ev = ScriptedEv(ChargerConfig(sequence_timeout=60.0))
    ev.handshake()
    deadline = ev.core.timer()
    assert deadline == ev.now + 60.0
    ev.core.handle_timer(deadline - 0.01)
    assert ev.core.closed is None
    ev.core.handle_timer(deadline)
    assert ev.core.closed is not None and ev.core.closed.reason is CloseReason.TIMEOUT


def test_ev_close_ends_the_session() -> None:
    ev = ScriptedEv(ChargerConfig())
    ev.handshake()
    ev.core.receive(b"", ev.now)
    assert ev.core.closed == SessionClosed(CloseReason.EV_CLOSED)
    assert ev.core.timer() is None

"""Every named fault of the bench charger does what it says, checked on the bytes."""

from __future__ import annotations

import pytest

from evcc import exi, v2gtp
from evcc.bench.secc import ChargerConfig, CloseReason, FaultError, parse_fault
from evcc.bench.secc.core import DRIP_CHUNK, DRIP_INTERVAL
from evcc.bench.secc.faults import Fault
from evcc.errors import ExiDecodeError, V2gtpError
from evcc.messages import app, din, iso2
from evcc.session.iso2.dialect import ISO2
from tests.evcc.bench.secc.ev import (
    EVCC_ID,
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
    pv,
    sap_req,
)


def _iso2_setup(*faults: str, energy: str = "dc") -> ScriptedEv:
    ev = ScriptedEv(ChargerConfig(energy=energy,  # type: ignore[arg-type]
                                  faults=faults, authorization_ongoing=0,
                                  charge_parameter_ongoing=0, cable_check_ongoing=0))
    ev.handshake()
    ev.send(iso2.SessionSetupReqType(evccid=EVCC_ID))
    return ev


def _iso2_to_loop(ev: ScriptedEv) -> None:
    ev.send(iso2.ServiceDiscoveryReqType())
    ev.send(iso2_payment())
    ev.send(iso2.AuthorizationReqType())
    ev.send(iso2_cpd(ev.core.config.energy))
    if ev.core.config.energy == "dc":
        ev.send(iso2.CableCheckReqType(dc_ev_status=iso2_status()))
        ev.send(iso2.PreChargeReqType(dc_ev_status=iso2_status(),
                                      ev_target_voltage=pv(iso2, 100, "V"),
                                      ev_target_current=pv(iso2, 1, "A")))
    ev.send(iso2_power_delivery("Start"))


def _din_to_loop(*faults: str) -> ScriptedEv:
    ev = ScriptedEv(ChargerConfig(protocols=("din",), faults=faults, authorization_ongoing=0,
                                  charge_parameter_ongoing=0, cable_check_ongoing=0), "din")
    ev.handshake()
    ev.send(din.SessionSetupReqType(evccid=EVCC_ID))
    ev.send(din.ServiceDiscoveryReqType())
    ev.send(din_payment())
    ev.send(din.ContractAuthenticationReqType())
    ev.send(din_cpd())
    ev.send(din.CableCheckReqType(dc_ev_status=din_status()))
    ev.send(din.PreChargeReqType(dc_ev_status=din_status(), ev_target_voltage=pv(din, 100, "V"),
                                 ev_target_current=pv(din, 1, "A")))
    ev.send(din_power_delivery(True))
    return ev


def test_stall_never_answers_and_ignores_what_follows() -> None:
    ev = _iso2_setup("stall:CurrentDemand@2")
    _iso2_to_loop(ev)
    ev.send(iso2_current_demand())
    assert ev.raw(iso2_current_demand()) == b""
    assert ev.raw(iso2_current_demand()) == b""
    assert ev.core.closed is None
    assert ev.core.received[-2:] == ["CurrentDemandReq", "CurrentDemandReq"]  # the third ignored
    assert ev.core.timer() == pytest.approx(ev.now - 0.1 + 60.0)
    ev.core.receive(b"", ev.now)
    assert ev.core.closed is not None and ev.core.closed.reason is CloseReason.EV_CLOSED


def test_wrong_session_id_in_the_response_header() -> None:
    ev = _iso2_setup("wrong_session_id")
    established = ev.session_id
    (frame,) = v2gtp.StreamBuffer().feed(ev.raw(iso2.ServiceDiscoveryReqType()))
    session_id, body = ISO2.decode(frame.payload)
    assert isinstance(body, iso2.ServiceDiscoveryResType)
    assert session_id == bytes(b ^ 0xFF for b in established) != established


@pytest.mark.parametrize(("spec", "code"), [
    ("failed:Authorization", iso2.ResponseCodeType.FAILED),
    ("failed:Authorization=FAILED_SequenceError", iso2.ResponseCodeType.FAILED_SequenceError),
])
def test_failed_response_code_then_close(spec: str, code: iso2.ResponseCodeType) -> None:
    ev = _iso2_setup(spec)
    ev.send(iso2.ServiceDiscoveryReqType())
    ev.send(iso2_payment())
    res = ev.send(iso2.AuthorizationReqType())
    assert isinstance(res, iso2.AuthorizationResType) and res.response_code is code
    assert ev.core.done and ev.core.closed is not None
    assert ev.core.closed.reason is CloseReason.FAILED_SENT


def test_failed_handshake_is_no_negotiation() -> None:
    ev = ScriptedEv(ChargerConfig(faults=("failed:SupportedAppProtocol",)))
    res = ev.handshake()
    assert res.response_code is app.ResponseCodeType.Failed_NoNegotiation


def test_malformed_exi_keeps_framing_breaks_the_grammar() -> None:
    ev = _iso2_setup("malformed_exi:ServiceDiscovery")
    (frame,) = v2gtp.StreamBuffer().feed(ev.raw(iso2.ServiceDiscoveryReqType()))
    assert frame.payload_type is v2gtp.PayloadType.EXI
    with pytest.raises(ExiDecodeError):
        ISO2.decode(frame.payload)
    with pytest.raises(ExiDecodeError):
        exi.decode(frame.payload, "din")


def test_garbage_v2gtp_has_a_bad_version_byte() -> None:
    ev = _iso2_setup("garbage_v2gtp:ServiceDiscovery")
    data = ev.raw(iso2.ServiceDiscoveryReqType())
    assert data[:2] == b"\x02\xfe"
    with pytest.raises(V2gtpError, match="version 0x02"):
        v2gtp.StreamBuffer().feed(data)


def test_drip_sends_a_few_bytes_at_a_time() -> None:
    plain = _iso2_setup()
    whole = plain.raw(iso2.ServiceDiscoveryReqType())
    ev = _iso2_setup("drip:ServiceDiscovery")
    start = ev.now + 0.1
    first = ev.raw(iso2.ServiceDiscoveryReqType())
    assert first == whole[:DRIP_CHUNK]
    got, times = bytearray(first), []
    while (deadline := ev.core.timer()) is not None and deadline < start + 30:
        times.append(deadline)
        ev.core.handle_timer(deadline)
        got += b"".join(ev.core.bytes_to_send())
    assert bytes(got) == whole
    assert times[0] == pytest.approx(start + DRIP_INTERVAL)
    assert times[-1] == pytest.approx(start + (len(whole) - 1) // DRIP_CHUNK * DRIP_INTERVAL)


def test_close_at_a_request_sends_nothing() -> None:
    ev = _iso2_setup("close:ServiceDiscovery")
    assert ev.raw(iso2.ServiceDiscoveryReqType()) == b""
    assert ev.core.done and ev.core.closed is not None
    assert ev.core.closed.reason is CloseReason.FAULT


def test_notify_stop_in_the_din_loop() -> None:
    ev = _din_to_loop("notify_stop:2")
    notes = [ev.send(din_current_demand()).dc_evse_status.evse_notification for _ in range(3)]
    assert notes == [din.EVSENotificationType.None_] + [din.EVSENotificationType.StopCharging] * 2


def test_emergency_shutdown_dc_and_rcd_ac() -> None:
    ev = _iso2_setup("emergency_shutdown:1")
    _iso2_to_loop(ev)
    res = ev.send(iso2_current_demand())
    assert res.dc_evse_status.evse_status_code is iso2.DC_EVSEStatusCodeType.EVSE_EmergencyShutdown
    ac = _iso2_setup("emergency_shutdown:2", energy="ac")
    _iso2_to_loop(ac)
    rcd = [ac.send(iso2.ChargingStatusReqType()).ac_evse_status.rcd for _ in range(2)]
    assert rcd == [False, True]


def test_occurrence_selects_the_nth_request() -> None:
    ev = _iso2_setup("failed:CurrentDemand@3")
    _iso2_to_loop(ev)
    codes = [ev.send(iso2_current_demand()).response_code for _ in range(3)]
    assert codes == [iso2.ResponseCodeType.OK] * 2 + [iso2.ResponseCodeType.FAILED]


def test_faults_apply_to_the_sap_handshake_too() -> None:
    ev = ScriptedEv(ChargerConfig(faults=("garbage_v2gtp:SupportedAppProtocol",)))
    ev.core.receive(sap_req("iso2"), ev.now)
    assert b"".join(ev.core.bytes_to_send())[0] == 0x02


@pytest.mark.parametrize(("spec", "fault"), [
    ("stall:CurrentDemand", Fault("stall", "CurrentDemandReq")),
    ("close:PreChargeReq@2", Fault("close", "PreChargeReq", 2)),
    ("failed:Authorization=FAILED_SequenceError",
     Fault("failed", "AuthorizationReq", 1, "FAILED_SequenceError")),
    ("wrong_session_id", Fault("wrong_session_id", "ServiceDiscoveryReq")),
    ("notify_stop", Fault("notify_stop", loop_message=3)),
    ("notify_renegotiate:5", Fault("notify_renegotiate", loop_message=5)),
    ("expired_cert", Fault("expired_cert")),
])
def test_parse_fault(spec: str, fault: Fault) -> None:
    assert parse_fault(spec) == fault
    assert parse_fault(str(fault)) == fault


@pytest.mark.parametrize("spec", [
    "nope", "stall", "stall:", "stall:Current Demand", "close:X@0", "drip:X=FAILED",
    "failed:X=OK", "notify_stop:zero", "notify_stop:0", "foreign_root:x",
])
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises(FaultError):
        parse_fault(spec)
    with pytest.raises(FaultError):
        ChargerConfig(faults=(spec,))

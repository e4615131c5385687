"""ISO 15118-2 EIM sessions (AC and DC) against recorded real SECC responses."""

from __future__ import annotations

from typing import Any

import pytest

from evcc.messages import iso2 as m
from evcc.session import iso2
from evcc.session.config import ChargeConfig
from evcc.session.core import Command, SessionConfig, SessionCore
from evcc.session.events import ProtocolAgreed, SessionEstablished
from evcc.session.iso2 import schedule
from evcc.session.iso2.values import read
from evcc.session.reasons import StopReason
from evcc.session.vehicle import SimulatedBattery
from tests.evcc.session.replay import ReplaySecc, last, run

AC_LOG = "evcc_iso2_eim_ac.log"
DC_LOG = "evcc_iso15118_2_evcc_config_eim_dc.log"


def iso2_core(config: ChargeConfig, battery: SimulatedBattery | None = None) -> SessionCore:
    vehicle = battery or SimulatedBattery()
    return SessionCore(SessionConfig(protocols=("iso2", "din")),
                       {"iso2": lambda: iso2.protocol(vehicle, config),
                        "din": lambda: iso2.protocol(vehicle, config)})


def collapse_welding(names: list[str]) -> list[str]:
    return [n for i, n in enumerate(names)
            if n != "WeldingDetectionReq" or names[i - 1] != n]


def test_iso2_ac_eim_session() -> None:
    secc = ReplaySecc(AC_LOG, "iso2")
    battery = SimulatedBattery(soc=50, target_soc=80)
    loops = secc.recorded_requests.count("ChargingStatusReq")
    events = run(iso2_core(ChargeConfig(energy="ac", max_loop=loops), battery), secc)
    end = last(events)
    assert end.reason is StopReason.FINISHED, end.detail
    assert secc.requests == secc.recorded_requests
    agreed = next(e for e in events if isinstance(e, ProtocolAgreed))
    assert agreed.protocol == "iso2"
    est = next(e for e in events if isinstance(e, SessionEstablished))
    assert est.evse_id == "UK123E1234" and not est.resumed
    assert battery.energy_wh > 0  # 10 s of 32 A x 3 phases at 400 V


def test_iso2_dc_eim_session() -> None:
    secc = ReplaySecc(DC_LOG, "iso2")
    loops = secc.recorded_requests.count("CurrentDemandReq")
    config = ChargeConfig(energy="dc", lenient_pre_charge=6, max_loop=loops)
    events = run(iso2_core(config), secc)
    end = last(events)
    assert end.reason is StopReason.FINISHED, end.detail
    assert secc.requests == collapse_welding(secc.recorded_requests)


def body(message: Any) -> Any:
    return message.body.body_element


def test_renegotiation_requested_by_the_charger() -> None:
    def renegotiate(index: int, message: Any) -> None:
        if index == 2:
            body(message).ac_evse_status.evse_notification = m.EVSENotificationType.ReNegotiation

    secc = ReplaySecc(AC_LOG, "iso2", {"ChargingStatusRes": renegotiate})
    events = run(iso2_core(ChargeConfig(energy="ac", max_loop=6)), secc)
    assert last(events).reason is StopReason.FINISHED
    loop_at = secc.requests.index("ChargingStatusReq")
    assert secc.requests[loop_at + 3: loop_at + 7] == [
        "PowerDeliveryReq", "ChargeParameterDiscoveryReq", "PowerDeliveryReq",
        "ChargingStatusReq"]


def test_stop_charging_notification_ends_normally() -> None:
    def stop(index: int, message: Any) -> None:
        if index == 1:
            body(message).ac_evse_status.evse_notification = m.EVSENotificationType.StopCharging

    secc = ReplaySecc(AC_LOG, "iso2", {"ChargingStatusRes": stop})
    end = last(run(iso2_core(ChargeConfig(energy="ac")), secc))
    assert end.reason is StopReason.FINISHED and end.ok
    assert "asked to stop" in end.detail
    assert secc.requests[-3:] == ["ChargingStatusReq", "PowerDeliveryReq", "SessionStopReq"]


def test_emergency_shutdown_in_the_dc_loop_skips_welding() -> None:
    def emergency(index: int, message: Any) -> None:
        if index == 2:
            status = body(message).dc_evse_status
            status.evse_status_code = m.DC_EVSEStatusCodeType.EVSE_EmergencyShutdown

    secc = ReplaySecc(DC_LOG, "iso2", {"CurrentDemandRes": emergency})
    end = last(run(iso2_core(ChargeConfig(energy="dc", lenient_pre_charge=6)), secc))
    assert end.reason is StopReason.EVSE_EMERGENCY_SHUTDOWN
    assert not end.ok
    assert secc.requests[-3:] == ["CurrentDemandReq", "PowerDeliveryReq", "SessionStopReq"]


def test_authorization_ongoing_rounds_are_repeated() -> None:
    def ongoing(index: int, message: Any) -> None:
        if index < 3:
            body(message).evse_processing = m.EVSEProcessingType.Ongoing

    secc = ReplaySecc(AC_LOG, "iso2", {"AuthorizationRes": ongoing})
    end = last(run(iso2_core(ChargeConfig(energy="ac", max_loop=2)), secc))
    assert end.reason is StopReason.FINISHED
    assert secc.requests.count("AuthorizationReq") == 4


def test_pause_ends_with_session_stop_pause() -> None:
    secc = ReplaySecc(AC_LOG, "iso2")
    core = iso2_core(ChargeConfig(energy="ac"))
    core.start(0.0)
    now = 0.0
    while core.ended is None:
        out = b"".join(core.bytes_to_send())
        if out:
            now += 0.05
            core.receive(secc.answer(out), now)
            if secc.requests.count("ChargingStatusReq") == 2:
                core.send(Command.PAUSE, now)
        else:
            deadline = core.timer()
            assert deadline is not None
            now = deadline
            core.handle_timer(now)
    assert core.ended.reason is StopReason.PAUSED and core.ended.ok
    stop = [r for r in secc.requests if r == "SessionStopReq"]
    assert len(stop) == 1
    assert secc.stop_kinds == ["Pause"]


def test_no_external_payment_is_refused() -> None:
    def contract_only(index: int, message: Any) -> None:
        body(message).payment_option_list.payment_option = [m.PaymentOptionType.Contract]

    secc = ReplaySecc(AC_LOG, "iso2", {"ServiceDiscoveryRes": contract_only})
    end = last(run(iso2_core(ChargeConfig(energy="ac")), secc))
    assert end.reason is StopReason.NO_USABLE_SERVICE


def test_dc_ev_refuses_an_ac_only_charger() -> None:
    def ac_only(index: int, message: Any) -> None:
        body(message).charge_service.supported_energy_transfer_mode.energy_transfer_mode = [
            m.EnergyTransferModeType.AC_three_phase_core]

    secc = ReplaySecc(DC_LOG, "iso2", {"ServiceDiscoveryRes": ac_only})
    end = last(run(iso2_core(ChargeConfig(energy="dc")), secc))
    assert end.reason is StopReason.NO_USABLE_SERVICE
    assert "AC_three_phase_core" in end.detail


def test_schedule_choice_and_profile_within_pmax() -> None:
    ms = m.SAScheduleListType(sa_schedule_tuple=[
        m.SAScheduleTupleType(sa_schedule_tuple_id=7, pmax_schedule=m.PMaxScheduleType(
            pmax_schedule_entry=[
                m.PMaxScheduleEntryType(time_interval=m.RelativeTimeIntervalType(start=0),
                                        pmax=m.PhysicalValueType(multiplier=3,
                                                                 unit=m.UnitSymbolType.W,
                                                                 value=22)),
                m.PMaxScheduleEntryType(
                    time_interval=m.RelativeTimeIntervalType(start=3600, duration=3600),
                    pmax=m.PhysicalValueType(multiplier=0, unit=m.UnitSymbolType.W, value=7400)),
            ])),
        m.SAScheduleTupleType(sa_schedule_tuple_id=8, pmax_schedule=m.PMaxScheduleType(
            pmax_schedule_entry=[])),
    ])
    chosen = schedule.choose(ms)
    assert chosen == (7, [(0, 22000.0), (3600, 7400.0), (7200, 0.0)])
    profile = schedule.charging_profile(chosen[1], ev_max_power=11000)
    powers = [(e.charging_profile_entry_start, read(e.charging_profile_entry_max_power))
              for e in profile.profile_entry or []]
    assert powers == [(0, 11000), (3600, 7400), (7200, 0)]
    assert schedule.choose(m.SAScheduleListType(sa_schedule_tuple=[])) is None


def test_stalled_current_demand_times_out_after_250_ms() -> None:
    secc = ReplaySecc(DC_LOG, "iso2")
    core = iso2_core(ChargeConfig(energy="dc", lenient_pre_charge=6))
    core.start(0.0)
    now = 0.0
    while core.ended is None:
        out = b"".join(core.bytes_to_send())
        if out and secc.requests.count("CurrentDemandReq") < 3:
            now += 0.05
            core.receive(secc.answer(out), now)
            continue
        if out:
            sent_at = now
        deadline = core.timer()
        assert deadline is not None
        now = deadline
        core.handle_timer(now)
    assert core.ended.reason is StopReason.MSG_TIMEOUT
    assert now - sent_at == pytest.approx(0.25)


def test_resumed_session_keeps_the_session_id() -> None:
    old = bytes.fromhex("CC7ED4E3CBBD3CC4")  # the recorded SECC's id
    secc = ReplaySecc(AC_LOG, "iso2")
    vehicle = SimulatedBattery()
    config = ChargeConfig(energy="ac", max_loop=1)
    core = SessionCore(SessionConfig(protocols=("iso2",)),
                       {"iso2": lambda: iso2.protocol(vehicle, config, resume_session=old)})
    events = run(core, secc)
    est = next(e for e in events if isinstance(e, SessionEstablished))
    assert est.resumed and est.session_id == old
    assert secc.first_session_id == old


def test_cable_check_that_never_finishes_ends_after_40_seconds() -> None:
    def ongoing(index: int, message: Any) -> None:
        body(message).evse_processing = m.EVSEProcessingType.Ongoing

    secc = ReplaySecc(DC_LOG, "iso2", {"CableCheckRes": ongoing})
    end = last(run(iso2_core(ChargeConfig(energy="dc")), secc))
    assert end.reason is StopReason.CABLE_CHECK_TIMEOUT
    first = secc.requests.index("CableCheckReq")
    assert secc.requests[first:] == ["CableCheckReq"] * (len(secc.requests) - first)
    assert 40.0 <= end.at <= 41.0


def test_charge_parameter_discovery_ongoing_ends_after_60_seconds() -> None:
    def ongoing(index: int, message: Any) -> None:
        body(message).evse_processing = m.EVSEProcessingType.Ongoing

    secc = ReplaySecc(AC_LOG, "iso2", {"ChargeParameterDiscoveryRes": ongoing})
    end = last(run(iso2_core(ChargeConfig(energy="ac")), secc))
    assert end.reason is StopReason.ONGOING_TIMEOUT

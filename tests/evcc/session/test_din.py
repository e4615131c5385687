"""DIN SPEC 70121 DC session against a recorded real SECC and against scripted faults."""

from __future__ import annotations

from evcc.session import din
from evcc.session.config import ChargeConfig
from evcc.session.core import SessionConfig, SessionCore
from evcc.session.reasons import StopReason
from evcc.session.vehicle import SimulatedBattery
from tests.evcc.session.replay import ReplaySecc, last, run

LOG = "evcc_DIN_evcc_config.log"


def din_core(config: ChargeConfig, battery: SimulatedBattery | None = None) -> SessionCore:
    vehicle = battery or SimulatedBattery()
    return SessionCore(SessionConfig(protocols=("din",)),
                       {"din": lambda: din.protocol(vehicle, config)})


def test_full_din_dc_session_against_recorded_secc() -> None:
    secc = ReplaySecc(LOG, "din")
    config = ChargeConfig(lenient_pre_charge=6, max_loop=8)
    events = run(din_core(config), secc)
    end = last(events)
    assert end.reason is StopReason.FINISHED, end.detail
    assert "8 charge loop messages" in end.detail
    # The recorded session's request sequence, except that its EV repeats WeldingDetectionReq
    # four times; ours stops once the charger reports a voltage below 60 V (1 V here).
    expected = [n for i, n in enumerate(secc.recorded_requests)
                if n != "WeldingDetectionReq" or secc.recorded_requests[i - 1] != n]
    assert secc.requests == expected
    assert end.requests == len(secc.requests)


def test_precharge_without_lenience_times_out_on_a_charger_stuck_at_one_volt() -> None:
    secc = ReplaySecc(LOG, "din")
    events = run(din_core(ChargeConfig(max_loop=8)), secc)
    end = last(events)
    assert end.reason is StopReason.PRE_CHARGE_TIMEOUT
    assert secc.requests.count("PreChargeReq") > 10

"""Hostile EV input never raises out of the SECC core: random bytes, mutated requests, any order."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evcc import v2gtp
from evcc.bench.secc import ChargerConfig, CloseReason, SeccCore
from evcc.messages import din, iso2
from tests.evcc.bench.secc.ev import (
    EVCC_ID,
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
    msg,
    pv,
    sap_req,
)

_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])

ISO2_REQUESTS: list[object] = [
    iso2.SessionSetupReqType(evccid=EVCC_ID), iso2.ServiceDiscoveryReqType(),
    iso2.ServiceDetailReqType(service_id=2), iso2_payment((1, 2)), iso2.AuthorizationReqType(),
    iso2_cpd("dc"), iso2_cpd("ac"), iso2.CableCheckReqType(dc_ev_status=iso2_status()),
    iso2.PreChargeReqType(dc_ev_status=iso2_status(), ev_target_voltage=pv(iso2, 400, "V"),
                          ev_target_current=pv(iso2, 2, "A")),
    iso2_power_delivery("Start", 1, profile_w=11000), iso2_power_delivery("Stop"),
    iso2_power_delivery("Renegotiate"), iso2.ChargingStatusReqType(),
    iso2_current_demand(32767, 32767), iso2.WeldingDetectionReqType(dc_ev_status=iso2_status()),
    iso2_stop(), iso2_stop(pause=True),
]
DIN_REQUESTS: list[object] = [
    din.SessionSetupReqType(evccid=EVCC_ID), din.ServiceDiscoveryReqType(), din_payment(),
    din.ContractAuthenticationReqType(), din_cpd(),
    din.CableCheckReqType(dc_ev_status=din_status()),
    din.PreChargeReqType(dc_ev_status=din_status(), ev_target_voltage=pv(din, -5, "V", 3),
                         ev_target_current=pv(din, 2, "A")),
    din_power_delivery(True), din_current_demand(), din_power_delivery(False),
    din.WeldingDetectionReqType(dc_ev_status=din_status()), din.SessionStopType(),
]


def _core(protocol: str, energy: str = "dc", faults: tuple[str, ...] = ()) -> SeccCore:
    config = ChargerConfig(energy=energy, faults=faults)  # type: ignore[arg-type]
    return SeccCore(config, 0.0, rng=random.Random(1), utc=lambda: 0)


def _drain(core: SeccCore) -> bytes:
    out = b"".join(core.bytes_to_send())
    while core.next_event() is not None:
        pass
    return out


def _check_output(core: SeccCore, out: bytes) -> None:
    """What the core sends is whole, well-framed V2GTP; it never fails inside."""
    assert core.closed is None or core.closed.reason is not CloseReason.INTERNAL_ERROR, core.closed
    if out:
        frames = v2gtp.StreamBuffer().feed(out)
        assert frames and all(f.payload_type is v2gtp.PayloadType.EXI for f in frames)


@_SETTINGS
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=6),
       st.sampled_from(["din", "iso2"]), st.booleans())
def test_random_bytes_anywhere(data: bytes, cuts: list[int], protocol: str,
                               after_setup: bool) -> None:
    core = _core(protocol)
    now = 1.0
    core.receive(sap_req(protocol), now)
    if after_setup:
        setup = (iso2.SessionSetupReqType(evccid=EVCC_ID) if protocol == "iso2"
                 else din.SessionSetupReqType(evccid=EVCC_ID))
        core.receive(msg(protocol, setup, bytes(8)), now)
    _drain(core)
    points = sorted({c for c in cuts if c < len(data)})
    for start, end in zip([0, *points], [*points, len(data)], strict=True):
        now += 0.01
        core.receive(data[start:end], now)
        _check_output(core, _drain(core))
        if (deadline := core.timer()) is not None:
            core.handle_timer(deadline)


@_SETTINGS
@given(st.sampled_from(["din", "iso2"]), st.data())
def test_mutated_requests(protocol: str, data: st.DataObject) -> None:
    core = _core(protocol)
    core.receive(sap_req(protocol), 0.0)
    _drain(core)
    pool = ISO2_REQUESTS if protocol == "iso2" else DIN_REQUESTS
    for step in range(data.draw(st.integers(1, 6))):
        body = data.draw(st.sampled_from(pool))
        frame = bytearray(msg(protocol, body, core.session_id or bytes(8)))
        for _ in range(data.draw(st.integers(0, 4))):
            at = data.draw(st.integers(8, len(frame) - 1))
            frame[at] = data.draw(st.integers(0, 255))
        core.receive(bytes(frame), float(step))
        _check_output(core, _drain(core))
        if core.closed is not None:
            break


@_SETTINGS
@given(st.sampled_from(["din", "iso2"]), st.sampled_from(["ac", "dc"]),
       st.lists(st.integers(0, 16), min_size=1, max_size=25))
def test_valid_requests_in_any_order(protocol: str, energy: str, order: list[int]) -> None:
    core = _core(protocol, energy, faults=("notify_renegotiate:1", "emergency_shutdown:2"))
    core.receive(sap_req("din", "iso2"), 0.0)
    _drain(core)
    served = core.protocol or protocol
    pool = ISO2_REQUESTS if served == "iso2" else DIN_REQUESTS
    for step, index in enumerate(order):
        before = len(core.answered)
        core.receive(msg(served, pool[index % len(pool)], core.session_id or bytes(8)),
                     float(step))
        out = _drain(core)
        _check_output(core, out)
        assert core.closed is not None or len(core.answered) == before + 1
        if core.closed is not None:
            break

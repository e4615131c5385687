"""``run_session`` end to end against the bench charger on loopback: SDP, TCP or TLS 1.2, the
session through the driver; each charger fault gives its stop reason, in bounded time, with no
task or socket left behind."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from evcc.bench.pki import init_pki
from evcc.bench.secc import ChargerConfig
from evcc.bench.secc.server import BenchCharger, TlsMode
from evcc.runtime.session import SessionOptions, SessionResult, run_session
from evcc.sdp import TlsPolicy
from evcc.session.config import ChargeConfig
from evcc.session.vehicle import SimulatedBattery
from evcc.x509.parse import load_certificates

T = TypeVar("T")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    init_pki(directory, "iso2", now=datetime.now(UTC))
    return directory


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.bind(("::1", 0))
        return int(probe.getsockname()[1])


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def session(config: ChargerConfig, *, energy: str = "ac", tls: TlsMode = "off",
                  ev_tls: TlsPolicy | None = None, pki: Path | None = None,
                  protocols: Sequence[str] = ("iso2",), timeout: float = 30.0,
                  **charge: Any) -> SessionResult:
    port = free_udp_port()
    roots = load_certificates((pki / "certs" / "v2g_root.pem").read_bytes()) if pki else []
    options = SessionOptions(
        iface="lo", vehicle=SimulatedBattery(),
        charge=ChargeConfig(energy="dc" if energy == "dc" else "ac", ac_loop_interval=0.02,
                            dc_loop_interval=0.02, **({"max_loop": 4} | charge)),
        protocols=tuple(protocols), tls=ev_tls or ("on" if tls != "off" else "off"),
        roots=roots, timeout=timeout, sdp_port=port, sdp_address="::1", sdp_requests=8)
    async with BenchCharger(config, host="::1", tls=tls, pki=pki, sdp=True, sdp_port=port):
        return await run_session(options)


def run(coro: Coroutine[Any, Any, T]) -> T:
    before = open_fds()
    result = asyncio.run(coro)
    assert open_fds() <= before, "a socket was left open"
    return result


def test_iso2_ac_over_tcp() -> None:
    result = run(session(ChargerConfig(protocols=("iso2",), energy="ac")))
    assert result.ok and result.stop_reason == "finished", result
    assert result.protocol == "iso2" and result.tls is None and result.requests >= 10
    assert result.evse_id and result.session_id


def test_iso2_dc_over_tls12(pki: Path, tmp_path: Path) -> None:
    keylog = tmp_path / "keys.log"
    config = ChargerConfig(protocols=("iso2",), energy="dc")

    async def go() -> SessionResult:
        port = free_udp_port()
        roots = load_certificates((pki / "certs" / "v2g_root.pem").read_bytes())
        options = SessionOptions(
            iface="lo", vehicle=SimulatedBattery(), keylog=keylog,
            charge=ChargeConfig(energy="dc", max_loop=4, dc_loop_interval=0.02),
            protocols=("iso2",), tls="on", roots=roots, timeout=30, sdp_port=port,
            sdp_address="::1")
        async with BenchCharger(config, host="::1", tls="on", pki=pki, sdp=True, sdp_port=port):
            return await run_session(options)

    result = run(go())
    assert result.ok and result.tls == "TLSv1.2", result
    assert "CLIENT_RANDOM" in keylog.read_text()


def test_din_dc_over_tcp() -> None:
    result = run(session(ChargerConfig(protocols=("din",), energy="dc"), energy="dc",
                         protocols=("din",)))
    assert result.ok and result.protocol == "din", result


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        (("wrong_session_id",), "wrong_session_id"),
        (("failed:Authorization",), "response_code_failed"),
        (("garbage_v2gtp:ChargeParameterDiscovery",), "v2gtp_error"),
        (("malformed_exi:PaymentServiceSelection",), "exi_decode_error"),
        (("close:PowerDelivery",), "peer_closed"),
        (("failed:SupportedAppProtocol",), "sap_no_common_protocol"),
        (("notify_stop:2",), "finished"),
        (("emergency_shutdown:2",), "evse_emergency_shutdown"),
        (("drip:ServiceDiscovery",), "finished"),
    ],
)
def test_charger_faults(faults: tuple[str, ...], reason: str) -> None:
    result = run(session(ChargerConfig(protocols=("iso2",), energy="ac", faults=faults)))
    assert result.stop_reason == reason, result
    assert result.ok is (reason == "finished")


def test_stalled_charger_ends_within_the_message_timeout() -> None:
    result = run(session(ChargerConfig(protocols=("iso2",), energy="dc",
                                       faults=("stall:CurrentDemand@2",)), energy="dc"))
    assert result.stop_reason == "timeout_message" and "CurrentDemandReq" in result.detail
    assert result.duration_ms < 15_000


@pytest.mark.parametrize(
    ("charger_tls", "fault", "reason"),
    [("on", "expired_cert", "tls_secc_certificate_expired"),
     ("on", "foreign_root", "tls_secc_chain_untrusted")],
)
def test_tls_refusals(pki: Path, charger_tls: TlsMode, fault: str, reason: str) -> None:
    config = ChargerConfig(protocols=("iso2",), energy="ac", faults=(fault,))
    result = run(session(config, tls=charger_tls, pki=pki))
    assert result.stop_reason == reason and not result.ok, result


def test_security_policy_in_sdp(pki: Path) -> None:
    required = run(session(ChargerConfig(protocols=("iso2",)), tls="required", pki=pki,
                           ev_tls="off"))
    assert required.stop_reason == "sdp_secc_requires_tls"
    plain = run(session(ChargerConfig(protocols=("iso2",)), tls="off", pki=pki, ev_tls="on"))
    assert plain.stop_reason == "sdp_secc_offers_no_tls"


def test_pause_then_resume_with_the_same_session_id() -> None:
    config = ChargerConfig(protocols=("iso2",), energy="ac")

    async def go() -> tuple[SessionResult, SessionResult]:
        port = free_udp_port()

        def options(resume: bytes | None) -> SessionOptions:
            return SessionOptions(
                iface="lo", vehicle=SimulatedBattery(), protocols=("iso2",), tls="off",
                charge=ChargeConfig(energy="ac", max_loop=2, ac_loop_interval=0.02,
                                    pause_at_end=True),
                timeout=30, sdp_port=port, sdp_address="::1", sdp_requests=8,
                resume_session=resume)

        async with BenchCharger(config, host="::1", sdp=True, sdp_port=port):
            first = await run_session(options(None))
            assert first.session_id is not None
            second = await run_session(options(bytes.fromhex(first.session_id)))
        return first, second

    first, second = run(go())
    assert first.ok and first.stop_reason == "paused" and not first.resumed, first
    assert second.resumed and second.session_id == first.session_id, second


def test_overall_timeout_also_bounds_discovery() -> None:
    async def go() -> SessionResult:
        options = SessionOptions(iface="lo", vehicle=SimulatedBattery(), tls="off",
                                 timeout=0.6, sdp_port=free_udp_port(), sdp_address="::1")
        return await run_session(options)  # nobody answers SDP

    result = run(go())
    assert result.stop_reason == "timeout_overall" and not result.ok
    assert result.duration_ms < 2000

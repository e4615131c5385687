"""SDP client core: requests, retries, timeouts, the security policy, hostile datagrams."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc import v2gtp
from evcc.errors import SdpError
from evcc.sdp import (
    Discovered,
    SdpClient,
    SdpConfig,
    SdpEnded,
    SdpRequest,
    SdpResponse,
    SdpStop,
    Security,
    Transport,
)

SECC = ipaddress.IPv6Address("fe80::ff:fe00:5e01")


def response(security: Security = Security.TLS, port: int = 61000,
             transport: Transport = Transport.TCP) -> bytes:
    return SdpResponse(SECC, port, security, transport).to_bytes()


def test_request_bytes() -> None:
    assert SdpRequest(Security.TLS).to_bytes() == bytes.fromhex("01fe9000000000020000")
    assert SdpRequest(Security.NO_TLS).to_bytes() == bytes.fromhex("01fe9000000000021000")
    assert SdpRequest.from_payload(b"\x10\x00") == SdpRequest(Security.NO_TLS, Transport.TCP)


def test_response_round_trip_and_layout() -> None:
    data = response(port=0xEA60)
    assert data[:8] == bytes.fromhex("01fe900100000014")
    assert data[8:24] == SECC.packed and data[24:26] == b"\xea\x60" and data[26:] == b"\x00\x00"
    parsed = SdpResponse.from_payload(data[8:])
    assert parsed == SdpResponse(SECC, 60000, Security.TLS, Transport.TCP)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (bytes(19), "19 bytes"),
        (bytes(16) + b"\xea\x60\x00\x00", "unusable SECC address"),
        (ipaddress.IPv6Address("ff02::1").packed + b"\xea\x60\x00\x00", "unusable"),
        (ipaddress.IPv6Address("::").packed + b"\xea\x60\x00\x00", "unusable"),
        (SECC.packed + b"\x00\x00\x00\x00", "port 0"),
        (SECC.packed + b"\xea\x60\x01\x00", "security byte 0x01"),
        (SECC.packed + b"\xea\x60\x00\x20", "transport byte 0x20"),
    ],
)
def test_bad_responses_are_refused_by_name(payload: bytes, words: str) -> None:
    with pytest.raises(SdpError, match=words):
        SdpResponse.from_payload(payload)


def test_first_answer_is_taken() -> None:
    core = SdpClient()
    core.start(10.0)
    assert core.bytes_to_send() == [SdpRequest(Security.TLS).to_bytes()]
    assert core.timer() == pytest.approx(10.25)
    core.receive(response(), 10.1)
    event = core.next_event()
    assert isinstance(event, Discovered)
    assert event.response.port == 61000 and event.requests_sent == 1
    assert event.elapsed == pytest.approx(0.1)
    assert core.timer() is None and core.done
    assert core.next_event() is None


def test_silent_charger_gets_fifty_requests_250ms_apart_then_one_end() -> None:
    core = SdpClient()
    now = 0.0
    core.start(now)
    sent = len(core.bytes_to_send())
    while (deadline := core.timer()) is not None:
        now = deadline
        core.handle_timer(now)
        sent += len(core.bytes_to_send())
    assert sent == 50
    assert now == pytest.approx(50 * 0.25)
    event = core.next_event()
    assert isinstance(event, SdpEnded) and event.reason is SdpStop.NO_RESPONSE
    assert core.next_event() is None


def test_early_timer_call_does_not_resend() -> None:
    core = SdpClient()
    core.start(0.0)
    core.bytes_to_send()
    core.handle_timer(0.1)
    assert core.bytes_to_send() == []


@pytest.mark.parametrize(
    ("config", "offered", "ok", "reason"),
    [
        (SdpConfig(tls="auto"), Security.NO_TLS, True, None),
        (SdpConfig(tls="auto"), Security.TLS, True, None),
        (SdpConfig(tls="on"), Security.NO_TLS, False, SdpStop.TLS_REQUIRED),
        (SdpConfig(tls="auto", pnc=True), Security.NO_TLS, False, SdpStop.TLS_REQUIRED),
        (SdpConfig(tls="off"), Security.TLS, False, SdpStop.TLS_REFUSED),
        (SdpConfig(tls="off"), Security.NO_TLS, True, None),
    ],
)
def test_security_policy(config: SdpConfig, offered: Security, ok: bool,
                         reason: SdpStop | None) -> None:
    core = SdpClient(SdpConfig(config.tls, config.pnc, max_requests=3))
    core.start(0.0)
    core.receive(response(offered), 0.01)
    if ok:
        assert isinstance(core.next_event(), Discovered)
        return
    assert core.next_event() is None  # keeps asking: another SECC may offer what is needed
    now = 0.0
    while (deadline := core.timer()) is not None:
        now = deadline
        core.handle_timer(now)
    event = core.next_event()
    assert isinstance(event, SdpEnded) and event.reason is reason
    assert str(SECC) in event.detail


def test_pnc_never_over_plain_tcp() -> None:
    with pytest.raises(ValueError, match="plain TCP"):
        SdpConfig(tls="off", pnc=True)
    assert SdpConfig(tls="off").requested_security is Security.NO_TLS
    assert SdpConfig(pnc=True).requested_security is Security.TLS


def test_hostile_datagrams_are_counted_and_ignored() -> None:
    core = SdpClient()
    core.start(0.0)
    for bad in (
        b"",
        b"garbage",
        v2gtp.frame(v2gtp.PayloadType.SDP_REQUEST, b"\x00\x00"),
        v2gtp.frame(v2gtp.PayloadType.SDP_RESPONSE, bytes(20)),
        response(transport=Transport.UDP),
        response()[:-1],
    ):
        core.receive(bad, 0.05)
    assert core.ignored == 6
    assert core.next_event() is None
    core.receive(response(), 0.06)
    assert isinstance(core.next_event(), Discovered)


def test_abort_ends_once() -> None:
    core = SdpClient()
    core.start(0.0)
    core.abort()
    core.abort()
    event = core.next_event()
    assert isinstance(event, SdpEnded) and event.reason is SdpStop.ABORTED
    assert core.next_event() is None and core.timer() is None


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=5))
def test_fuzz_never_raises(datagrams: list[bytes]) -> None:
    core = SdpClient(SdpConfig(max_requests=2))
    core.start(0.0)
    for data in datagrams:
        core.receive(data, 0.01)
        core.receive(v2gtp.frame(v2gtp.PayloadType.SDP_RESPONSE, data[:20]), 0.01)
    while (deadline := core.timer()) is not None:
        core.handle_timer(deadline)
    events = []
    while (event := core.next_event()) is not None:
        events.append(event)
    assert len(events) == 1


def test_loopback_charger_only_when_allowed() -> None:
    here = SdpResponse(ipaddress.IPv6Address("::1"), 61000, Security.TLS, Transport.TCP)
    core = SdpClient(SdpConfig(max_requests=1))
    core.start(0.0)
    core.receive(here.to_bytes(), 0.01)
    assert core.ignored == 1 and core.next_event() is None
    allowed = SdpClient(SdpConfig(allow_loopback=True))
    allowed.start(0.0)
    allowed.receive(here.to_bytes(), 0.01)
    assert isinstance(allowed.next_event(), Discovered)

"""Session core: the happy path, every check, every timer, commands, and exactly one Ended."""

from __future__ import annotations

import pytest

from evcc import v2gtp
from evcc.messages import app, din
from evcc.session.core import Command, SessionCore
from evcc.session.din.dialect import DIN
from evcc.session.events import (
    Ended,
    ProtocolAgreed,
    SessionEstablished,
    SessionEvent,
    StateEntered,
)
from evcc.session.reasons import StopReason
from tests.evcc.session.minimal import (
    SECC_SESSION,
    auth_res,
    din_msg,
    new_core,
    requests_in,
    sap_res,
    setup_res,
    stop_res,
)


def events(core: SessionCore) -> list[SessionEvent]:
    out = []
    while (event := core.next_event()) is not None:
        out.append(event)
    return out


def ended(core: SessionCore) -> Ended:
    found = [e for e in events(core) if isinstance(e, Ended)]
    assert len(found) == 1, found
    return found[0]


def established(core: SessionCore, now: float = 0.0) -> None:
    core.start(now)
    core.receive(sap_res(), now + 0.01)
    core.receive(setup_res(), now + 0.02)
    b"".join(core.bytes_to_send())
    events(core)


def test_happy_path_din() -> None:
    core = new_core()
    core.start(0.0)
    (sap,) = requests_in(b"".join(core.bytes_to_send()))
    assert isinstance(sap, app.SupportedAppProtocolReq)
    assert [p.protocol_namespace for p in sap.app_protocol] == ["urn:din:70121:2012:MsgDef"]
    assert core.timer() == pytest.approx(2.0)
    core.receive(sap_res(), 0.1)
    (setup,) = requests_in(b"".join(core.bytes_to_send()))
    assert isinstance(setup, din.SessionSetupReqType)
    core.receive(setup_res(), 0.2)
    (stop,) = requests_in(b"".join(core.bytes_to_send()))
    assert isinstance(stop, din.SessionStopType)
    core.receive(stop_res(), 0.3)
    got = events(core)
    kinds = [type(e) for e in got]
    assert kinds == [StateEntered, ProtocolAgreed, StateEntered, SessionEstablished, StateEntered,
                     Ended]
    agreed = got[1]
    assert isinstance(agreed, ProtocolAgreed) and agreed.protocol == "din"
    assert not agreed.minor_deviation
    est = got[3]
    assert isinstance(est, SessionEstablished) and est.session_id == SECC_SESSION
    end = got[-1]
    assert isinstance(end, Ended) and end.reason is StopReason.FINISHED and end.ok
    assert end.requests == 3
    assert core.timer() is None
    core.receive(b"", 0.4)  # the SECC closes after SessionStopRes: nothing more happens
    assert core.next_event() is None


def test_session_id_is_carried_after_setup() -> None:
    core = new_core()
    core.start(0.0)
    b"".join(core.bytes_to_send())
    core.receive(sap_res(), 0.1)
    first = v2gtp.StreamBuffer().feed(b"".join(core.bytes_to_send()))[0]
    assert DIN.decode(first.payload)[0] == b"\x00"
    core.receive(setup_res(), 0.2)
    nxt = v2gtp.StreamBuffer().feed(b"".join(core.bytes_to_send()))[0]
    assert DIN.decode(nxt.payload)[0] == SECC_SESSION


def test_responses_cut_into_single_bytes() -> None:
    core = new_core()
    core.start(0.0)
    for data in (sap_res(), setup_res(), stop_res()):
        for i in range(len(data)):
            core.receive(data[i : i + 1], 0.1)
    assert ended(core).reason is StopReason.FINISHED


def test_minor_deviation_is_reported() -> None:
    core = new_core()
    core.start(0.0)
    core.receive(sap_res(code=app.ResponseCodeType.OK_SuccessfulNegotiationWithMinorDeviation),
                 0.1)
    agreed = [e for e in events(core) if isinstance(e, ProtocolAgreed)]
    assert agreed[0].minor_deviation


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (sap_res(None, app.ResponseCodeType.Failed_NoNegotiation), StopReason.NO_COMMON_PROTOCOL),
        (sap_res(7), StopReason.SAP_SCHEMA_UNKNOWN),
        (sap_res(None), StopReason.INVALID_RESPONSE),
        (b"\x01\xfe\x80\x01\x00\x00\x00\x02\xff\xff", StopReason.BAD_EXI),
        (b"\x02\xfe\x80\x01\x00\x00\x00\x00", StopReason.BAD_FRAMING),
        (v2gtp.frame(v2gtp.PayloadType.SDP_RESPONSE, bytes(20)), StopReason.BAD_PAYLOAD_TYPE),
        (setup_res(), StopReason.BAD_EXI),  # a DIN message where the handshake answer belongs
    ],
)
def test_handshake_refusals(answer: bytes, reason: StopReason) -> None:
    core = new_core()
    core.start(0.0)
    core.receive(answer, 0.1)
    assert ended(core).reason is reason
    assert core.timer() is None


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (setup_res(din.ResponseCodeType.FAILED), StopReason.RESPONSE_FAILED),
        (stop_res(), StopReason.UNEXPECTED_MESSAGE),
        (setup_res(session_id=b""), StopReason.INVALID_RESPONSE),
        (din_msg(din.SessionSetupReqType(evccid=b"\x01")), StopReason.UNEXPECTED_MESSAGE),
        (v2gtp.frame(v2gtp.PayloadType.ISO20_MAINSTREAM, b"\x80"), StopReason.BAD_PAYLOAD_TYPE),
        (v2gtp.frame(v2gtp.PayloadType.EXI, b"\x80\x98\x02"), StopReason.BAD_EXI),
        (b"\x01\xfe\x80\x01\xff\xff\xff\xff", StopReason.BAD_FRAMING),
    ],
)
def test_session_refusals(answer: bytes, reason: StopReason) -> None:
    core = new_core()
    core.start(0.0)
    core.receive(sap_res(), 0.1)
    core.receive(answer, 0.2)
    end = ended(core)
    assert end.reason is reason, end.detail


def test_wrong_session_id_after_setup() -> None:
    core = new_core()
    established(core)
    core.receive(din_msg(din.SessionStopResType(response_code=din.ResponseCodeType.OK),
                         session_id=b"\x01" * 8), 0.5)
    end = ended(core)
    assert end.reason is StopReason.WRONG_SESSION_ID
    assert SECC_SESSION.hex() in end.detail


def test_two_answers_to_one_request() -> None:
    core = new_core()
    established(core)
    core.receive(stop_res() + stop_res(), 0.5)
    assert ended(core).reason is StopReason.FINISHED  # the second arrives after the end
    assert core.ignored_after_end == 0
    core.receive(stop_res(), 0.6)
    assert core.ignored_after_end > 0 and core.next_event() is None


def test_unsolicited_message_while_waiting_to_send() -> None:
    core = new_core(ongoing_rounds=1)
    established(core)
    core.receive(auth_res(ongoing=True), 0.1)  # next request only after 0.5 s
    core.receive(auth_res(ongoing=True), 0.2)
    assert ended(core).reason is StopReason.UNSOLICITED_MESSAGE


def test_stalled_charger_gets_the_message_timeout() -> None:
    core = new_core()
    established(core)
    assert core.timer() == pytest.approx(0.02 + 2.0)
    core.handle_timer(1.0)  # early: nothing
    assert core.next_event() is None
    core.handle_timer(2.02)
    end = ended(core)
    assert end.reason is StopReason.MSG_TIMEOUT and "SessionStopReq" in end.detail


def test_stalled_handshake() -> None:
    core = new_core()
    core.start(5.0)
    core.handle_timer(7.0)
    assert ended(core).reason is StopReason.MSG_TIMEOUT


def test_timeout_scale_stretches_message_timeouts() -> None:
    core = new_core(timeout_scale=3.0)
    established(core)
    assert core.timer() == pytest.approx(0.02 + 6.0)


def test_communication_setup_timer() -> None:
    core = new_core(communication_setup=3.0)
    core.start(0.0)
    core.receive(sap_res(), 1.9)  # SessionSetupReq now waits until 3.9, setup ends at 3.0
    assert core.timer() == pytest.approx(3.0)
    core.handle_timer(3.0)
    assert ended(core).reason is StopReason.COMMUNICATION_SETUP_TIMEOUT


def test_ongoing_loop_ends_after_sixty_seconds() -> None:
    core = new_core(ongoing_rounds=1)
    established(core)
    core.receive(auth_res(ongoing=True), 0.1)  # the first Ongoing starts the 60 s guard
    now = 0.1
    answers = 1
    while core.ended is None and now < 200:
        deadline = core.timer()
        assert deadline is not None
        now = deadline
        core.handle_timer(now)  # the delayed repeat goes out
        if core.ended is None and b"".join(core.bytes_to_send()):
            answers += 1
            core.receive(auth_res(ongoing=True), now + 0.1)
    end = ended(core)
    assert end.reason is StopReason.ONGOING_TIMEOUT
    assert 60.1 <= end.at <= 61.0
    assert answers > 100


def test_ongoing_then_finished() -> None:
    core = new_core(ongoing_rounds=1)
    established(core)
    core.receive(auth_res(ongoing=True), 0.1)
    core.handle_timer(0.6)
    assert b"".join(core.bytes_to_send())
    core.receive(auth_res(ongoing=False), 0.7)
    core.receive(stop_res(), 0.8)
    assert ended(core).reason is StopReason.FINISHED


def test_peer_closes_mid_session() -> None:
    core = new_core()
    established(core)
    core.receive(b"", 0.1)
    end = ended(core)
    assert end.reason is StopReason.PEER_CLOSED and "SessionStopReq" in end.detail


def test_abort_and_commands_end_once() -> None:
    core = new_core()
    core.start(0.0)
    core.send(Command.PAUSE, 0.1)  # before a protocol: nothing to stop politely
    core.send(Command.ABORT, 0.2)
    assert ended(core).reason is StopReason.ABORTED
    core = new_core()
    established(core)
    core.send(Command.STOP, 0.1)
    ctx = core.context
    assert ctx is not None and ctx.stop is not None
    core.send(Command.ABORT, 0.2)
    core.handle_timer(100.0)
    assert ended(core).reason is StopReason.ABORTED


def test_start_twice_is_misuse() -> None:
    core = new_core()
    core.start(0.0)
    with pytest.raises(RuntimeError):
        core.start(0.1)

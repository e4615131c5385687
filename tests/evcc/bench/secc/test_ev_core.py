"""The EV's sans-IO session core against the SECC core, bytes pumped both ways with a fake
clock: a normal end, and each response fault ending the EV session with its stop reason."""

from __future__ import annotations

import random

import pytest

from evcc.bench.secc import ChargerConfig, SeccCore
from evcc.session.events import Ended
from evcc.session.reasons import StopReason
from tests.evcc.session.minimal import new_core


def _run(faults: tuple[str, ...] = (), limit: float = 120.0) -> tuple[Ended, SeccCore]:
    now = 0.0
    ev = new_core()  # SessionSetup, then SessionStop (DIN)
    secc = SeccCore(ChargerConfig(protocols=("din",), faults=faults), now,
                    rng=random.Random(3), utc=lambda: 1_795_470_629)
    ev.start(now)
    closed_sent = False
    while now < limit:
        moved = True
        while moved:  # exchange bytes until both sides are quiet
            to_secc, to_ev = b"".join(ev.bytes_to_send()), b""
            if to_secc:
                secc.receive(to_secc, now)
            to_ev = b"".join(secc.bytes_to_send())
            if to_ev:
                ev.receive(to_ev, now)
            if secc.done and not closed_sent:
                closed_sent = True
                ev.receive(b"", now)
            while (event := ev.next_event()) is not None:
                if isinstance(event, Ended):
                    return event, secc
            moved = bool(to_secc or to_ev)
        pending = [t for t in (ev.timer(), secc.timer()) if t is not None]
        if not pending:
            break
        now = max(now, min(pending))
        ev.handle_timer(now)
        secc.handle_timer(now)
    raise AssertionError("no end")


def test_ev_core_ends_normally_against_the_bench_charger() -> None:
    ended, secc = _run()
    assert ended.reason is StopReason.FINISHED
    assert secc.received == ["SupportedAppProtocolReq", "SessionSetupReq", "SessionStopReq"]


@pytest.mark.parametrize(("fault", "reason"), [
    ("wrong_session_id:SessionStop", StopReason.WRONG_SESSION_ID),
    ("failed:SessionSetup", StopReason.RESPONSE_FAILED),
    ("malformed_exi:SessionSetup", StopReason.BAD_EXI),
    ("garbage_v2gtp:SessionSetup", StopReason.BAD_FRAMING),
    ("close:SessionSetup", StopReason.PEER_CLOSED),
    ("stall:SessionSetup", StopReason.MSG_TIMEOUT),
    ("failed:SupportedAppProtocol", StopReason.NO_COMMON_PROTOCOL),
])
def test_each_fault_ends_the_ev_session_with_its_reason(fault: str, reason: StopReason) -> None:
    ended, _ = _run((fault,))
    assert ended.reason is reason, ended


def test_a_drip_within_the_message_timeout_is_reassembled() -> None:
    ended, _ = _run(("drip:SessionSetup",))
    assert ended.reason is StopReason.FINISHED
    assert ended.at >= 0.4  # a ~30-byte SessionSetupRes, 3 bytes every 50 ms

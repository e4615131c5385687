"""The SLAC runner on the asyncio driver (fake link, fake clock)."""

from __future__ import annotations

import asyncio

import pytest

from evcc.clock import FakeClock
from evcc.errors import SlacError
from evcc.runtime.slac import run_slac
from evcc.slac.ev import SlacEv
from evcc.slac.events import Progress, SlacEvent
from evcc.slac.mme import build, parse
from tests.evcc.slac.fakes import EV_MAC, FakeEvse, FakeModem, rng_from

E1 = bytes.fromhex("020000005e01")


class FakeLink:
    """Frames go to scripted peers; recv advances the fake clock instead of sleeping."""

    def __init__(self, evse: FakeEvse, modem: FakeModem) -> None:
        self.clock = FakeClock(monotonic=0.0)
        self.peers: list[FakeModem | FakeEvse] = [modem, evse]
        self.pending: list[tuple[float, bytes]] = []
        self.garbage = [build("CM_SLAC_PARM.CNF", EV_MAC, E1, forwarding_sta=EV_MAC,
                              run_id=bytes(8))[:25]]

    @property
    def now(self) -> float:
        return self.clock.monotonic()

    async def send(self, frame: bytes) -> None:
        msg = parse(frame)
        for peer in self.peers:
            for delay, reply in peer.on_frame(msg, self.now):
                self.pending.append((self.now + delay, reply))
        self.pending.sort(key=lambda item: item[0])

    async def recv(self, timeout: float | None) -> bytes | None:
        if self.garbage:
            return self.garbage.pop()
        limit = self.now + (timeout if timeout is not None else 1e9)
        if self.pending and self.pending[0][0] <= limit:
            when, frame = self.pending.pop(0)
            self.clock.advance(max(0.0, when - self.now))
            return frame
        self.clock.advance(limit - self.now)
        return None


def test_runner_matches_and_reports_progress() -> None:
    link = FakeLink(FakeEvse(E1, 17), FakeModem())
    seen: list[SlacEvent] = []
    result = asyncio.run(run_slac(link, SlacEv(EV_MAC, rng_from(4)), clock=link.clock,
                                  on_event=seen.append, timeout=30))
    assert result.evse_mac == E1 and result.attenuation_db == {E1: 17.0}
    assert any(isinstance(e, Progress) and "malformed" in e.detail for e in seen)


def test_runner_timeout_and_failure() -> None:
    link = FakeLink(FakeEvse(E1, 17, answer_parm=False), FakeModem())
    with pytest.raises(SlacError, match="no match within 2 s"):
        asyncio.run(run_slac(link, SlacEv(EV_MAC, rng_from(4)), clock=link.clock, timeout=2))
    link = FakeLink(FakeEvse(E1, 17, answer_parm=False), FakeModem())
    with pytest.raises(SlacError, match=r"no CM_SLAC_PARM\.CNF"):
        asyncio.run(run_slac(link, SlacEv(EV_MAC, rng_from(4)), clock=link.clock, timeout=60))


def test_runner_timeout_names_the_phase_it_stopped_in() -> None:
    link = FakeLink(FakeEvse(E1, 17, drop={"atten_ind": 10**6}), FakeModem())
    ev = SlacEv(EV_MAC, rng_from(4))
    with pytest.raises(SlacError, match=r"no match within 1 s \(phase sounding\)"):
        asyncio.run(run_slac(link, ev, clock=link.clock, timeout=1.0))
    assert ev.phase.value == "idle" and ev.timer() is None  # stopped

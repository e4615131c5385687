"""The demo's step runner and its SLAC step on a virtual clock (no waiting, no root)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from evcc_platform.sim.inproc import InProcessLine
from evcc_platform.sim.powerline import PortConfig, Powerline
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.bench.chargers.slac import EvseSlac, SimEvseSlac
from evcc.bench.demo import slac as demo_slac
from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.report import StepReport, StepSkipped
from evcc.bench.demo.run import default_steps, demo_ok, run_step, run_steps
from evcc.bench.demo.slac import SlacStep, evse_mac
from evcc.clock import FakeClock
from evcc.slac import constants as k
from evcc.slac.mme import build, parse
from evcc.slac.nid import nid_from_nmk

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class VirtualClock(FakeClock):
    """A FakeClock that moves only when somebody sleeps."""

    def __init__(self) -> None:
        super().__init__(NOW, monotonic=100.0)
        self.slept = 0.0

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.advance(seconds)
        self.slept += seconds


def context(tmp_path: Path, seed: int = 1) -> tuple[DemoContext, VirtualClock]:
    clock = VirtualClock()
    gen = random.Random(seed)
    ctx = DemoContext(tmp_path, clock=clock, sleep=clock.sleep,
                      rng=lambda n: bytes(gen.getrandbits(8) for _ in range(n)))
    return ctx, clock


class Step:
    def __init__(self, name: str, action: type[BaseException] | None = None,
                 fail: str | None = None) -> None:
        self.name = name
        self.title = f"step {name}"
        self.action = action
        self.failure = fail
        self.ran = False

    def run(self, ctx: DemoContext, report: StepReport) -> None:
        self.ran = True
        report.facts["seen"] = True
        if self.failure:
            report.fail(self.failure)
        if self.action is StepSkipped:
            raise StepSkipped("not here")
        if self.action is not None:
            raise self.action("broken\nacross lines")


def test_runner_times_each_step_and_keeps_going_after_a_failure(tmp_path: Path) -> None:
    ctx, _ = context(tmp_path)
    steps = [Step("a", fail="a check"), Step("b", ValueError), Step("c", StepSkipped),
             Step("d")]
    seen: list[str] = []
    reports = run_steps(steps, ctx, lambda r: seen.append(r.name))
    assert seen == ["a", "b", "c", "d"] and all(s.ran for s in steps)
    assert [r.status for r in reports] == ["failed", "failed", "skipped", "ok"]
    assert reports[0].problems == ["a check"]
    assert reports[1].problems == ["ValueError: broken across lines"]
    assert reports[2].problems == ["not here"]
    assert all(r.facts == {"seen": True} and r.seconds >= 0 for r in reports)
    assert not demo_ok(reports) and demo_ok(reports[2:])
    doc = reports[1].to_json()
    assert doc["status"] == "failed" and doc["facts"] == {"seen": True}


def test_ctrl_c_is_not_swallowed(tmp_path: Path) -> None:
    ctx, _ = context(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_step(Step("a", KeyboardInterrupt), ctx)


def test_default_steps_are_the_walk_through_in_order() -> None:
    names = [s.name for s in default_steps()]
    assert names[:3] == ["pki", "keystore", "slac"]
    assert len(set(names)) == len(names)


def test_slac_step_picks_the_lowest_attenuation(tmp_path: Path) -> None:
    ctx, clock = context(tmp_path)
    report = run_step(SlacStep(evse_attenuations=(30, 8, 20)), ctx)
    assert report.status == "ok", report.problems
    facts = report.facts
    assert facts["evse_mac"] == "02:00:00:00:5e:02" and facts["chosen_port"] == "evse2"
    assert facts["attenuation_db"] == {"02:00:00:00:5e:01": 30.0, "02:00:00:00:5e:02": 8.0,
                                       "02:00:00:00:5e:03": 20.0}
    assert facts["attempts"] == 1
    # virtual time: the join delay and the sounding intervals were slept, not waited
    assert facts["duration_ms"] >= 1000 and clock.slept >= 1.0
    assert report.seconds < 5
    assert [row[4] for row in report.tables[0].rows] == ["", "yes", ""]


def test_slac_step_fails_without_any_evse(tmp_path: Path) -> None:
    ctx, clock = context(tmp_path)
    report = run_step(SlacStep(evse_attenuations=()), ctx)
    assert report.status == "failed"
    [problem] = report.problems
    assert problem.startswith("SlacError: SLAC failed after") and "attempt" in problem
    assert "evse_mac" not in report.facts
    assert clock.slept >= 9  # the EV kept trying until TT_matching_repetition ran out


def test_slac_step_timeout(tmp_path: Path) -> None:
    ctx, _ = context(tmp_path)
    report = run_step(SlacStep(evse_attenuations=(), timeout=2.0), ctx)
    assert report.status == "failed" and "no match within 2 s" in report.problems[0]


class LyingEvse(EvseSlac):
    """The second EVSE reports 50 dB more than its modem measured."""

    def average(self) -> list[int]:
        if self.mac == evse_mac(2):
            return [v + 50 for v in super().average()]
        return super().average()


def test_slac_step_checks_what_the_ev_chose(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_slac, "EvseSlac", LyingEvse)
    ctx, _ = context(tmp_path)
    report = run_step(SlacStep(evse_attenuations=(45, 12)), ctx)
    assert report.status == "failed"
    assert any("evse2: measured 62.0 dB, configured 12 dB" in p for p in report.problems)
    assert any("not the lowest attenuation (02:00:00:00:5e:02, 12 dB)" in p
               for p in report.problems)
    assert report.facts["evse_mac"] == "02:00:00:00:5e:01"


def evse_on_line() -> tuple[SimEvseSlac, InProcessLine, Powerline]:
    line = Powerline([PortConfig("ev", "ev"), PortConfig("e1", "evse", 20)],
                     rng=random.Random(0))
    wire = InProcessLine(line, FakeClock(NOW, monotonic=0.0))
    host = SimEvseSlac(wire.endpoint("e1", evse_mac(1)), EvseSlac(evse_mac(1), bytes(range(16))))
    return host, wire, line


def test_sim_evse_answers_like_an_evse() -> None:
    evse, wire, line = evse_on_line()
    ev = wire.endpoint("ev", bytes.fromhex("020000000e01"))
    run = b"R" * 8
    ev.send(build("CM_SLAC_PARM.REQ", k.BROADCAST_MAC, ev.mac, run_id=run))
    assert evse.poll() == 1
    cnf = parse(ev.recv() or b"")
    assert cnf.name == "CM_SLAC_PARM.CNF" and cnf["run_id"] == run and cnf.src == evse_mac(1)
    ev.send(build("CM_START_ATTEN_CHAR.IND", k.BROADCAST_MAC, ev.mac, num_sounds=3,
                  forwarding_sta=ev.mac, run_id=run))
    for cnt in (2, 1, 0):
        ev.send(build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, ev.mac, cnt=cnt, run_id=run,
                      rnd=bytes(16)))
    evse.poll()
    ind = parse(ev.recv() or b"")
    assert ind.name == "CM_ATTEN_CHAR.IND" and ind["num_sounds"] == 3
    assert ind["aag"] == [20] * 58 and ind["source_address"] == ev.mac
    assert ev.recv() is None
    ev.send(build("CM_SLAC_MATCH.REQ", evse_mac(1), ev.mac, mvf_length=0x3E, pev_mac=ev.mac,
                  evse_mac=evse_mac(1), run_id=run))
    evse.poll()
    match = parse(ev.recv() or b"")
    assert match.name == "CM_SLAC_MATCH.CNF" and match["nmk"] == bytes(range(16))
    assert match["nid"] == nid_from_nmk(bytes(range(16))) == evse.nid
    assert line.nid_of("e1") == evse.nid  # the EVSE keyed its own modem
    assert evse.matched_with == ev.mac


@settings(max_examples=150, deadline=None)
@given(frames=st.lists(st.one_of(
    st.binary(max_size=120),
    st.builds(lambda body: build("CM_SLAC_PARM.REQ", k.BROADCAST_MAC, b"\x02" * 6,
                                 run_id=b"R" * 8)[:17] + body, st.binary(max_size=80)),
    st.builds(lambda body: build("CM_SLAC_MATCH.REQ", evse_mac(1), b"\x02" * 6,
                                 mvf_length=0x3E, pev_mac=b"\x02" * 6, evse_mac=evse_mac(1),
                                 run_id=b"R" * 8)[:19] + body, st.binary(max_size=80)),
), max_size=8))
def test_sim_evse_survives_arbitrary_frames(frames: list[bytes]) -> None:
    evse, _wire, _line = evse_on_line()
    for frame in frames:
        evse.endpoint.queue.append(frame)  # type: ignore[attr-defined]
    assert evse.poll() == len(frames)

"""Demo step 3: SLAC on simulated hardware, in one process, without root or namespaces.

Our sans-IO EV state machine (:class:`evcc.slac.ev.SlacEv`) talks through the Green PHY
modem + powerline emulator (:mod:`evcc_platform.sim`) to simulated EVSEs at different
attenuations. The EV must pick the one with the lowest attenuation, get its network key and
see the link come up after the emulator's join delay. Time runs on the context's clock: the
real one for ``evcc demo``, a virtual one in tests.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from evcc_platform.sim.inproc import InProcessLine
from evcc_platform.sim.powerline import PortConfig, Powerline

from evcc.bench.chargers.slac import EvseSlac, SimEvseSlac
from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.report import StepReport, Table
from evcc.runtime.inproc import InProcessLink
from evcc.runtime.loop import run
from evcc.runtime.slac import run_slac
from evcc.slac.ev import SlacEv
from evcc.slac.events import Matched, Progress, SlacEvent
from evcc.slac.mme import fmt_mac

EV_MAC = bytes.fromhex("020000000e01")
EV_PORT = "ev"


def evse_mac(index: int) -> bytes:
    """Host MAC of simulated EVSE ``index`` (1-based), as on the namespace bench."""
    return bytes.fromhex("020000005e") + bytes([index])


@dataclass(frozen=True)
class SimEvse:
    """One simulated charger on the line."""

    port: str
    mac: bytes
    attenuation_db: float
    slac: SimEvseSlac


class SlacStep:
    """Match with the nearest of several simulated EVSEs through the emulated powerline."""

    name = "slac"
    title = "SLAC over the emulated powerline (simulated modems and EVSEs)"

    def __init__(self, *, evse_attenuations: Sequence[float] = (45.0, 12.0),
                 join_delay: float = 1.0, timeout: float = 20.0) -> None:
        self.evse_attenuations = tuple(evse_attenuations)
        self.join_delay = join_delay
        self.timeout = timeout

    def run(self, ctx: DemoContext, report: StepReport) -> None:
        """Run the EV against the emulated line and check whom it picked."""
        ports = [PortConfig(EV_PORT, "ev")] + [
            PortConfig(f"evse{i}", "evse", db) for i, db in enumerate(self.evse_attenuations, 1)]
        line = Powerline(ports, join_delay=self.join_delay,
                         rng=random.Random(int.from_bytes(ctx.rng(8), "big")))
        wire = InProcessLine(line, ctx.clock)
        evses = [SimEvse(p.name, evse_mac(i), p.attenuation_db,
                         SimEvseSlac(wire.endpoint(p.name, evse_mac(i)),
                                     EvseSlac(evse_mac(i), ctx.rng(16))))
                 for i, p in enumerate(ports[1:], 1)]
        report.facts.update(ev_mac=fmt_mac(EV_MAC), join_delay_s=self.join_delay,
                            evses=[{"port": e.port, "mac": fmt_mac(e.mac),
                                    "configured_attenuation_db": e.attenuation_db}
                                   for e in evses])
        report.line("EV", f"{fmt_mac(EV_MAC)}, our sans-IO SLAC state machine")
        report.line("EVSEs", ", ".join(f"{fmt_mac(e.mac)} at {e.attenuation_db:g} dB"
                                       for e in evses) or "none")
        report.line("line", f"emulated QCA modems, join delay {self.join_delay:g} s")
        progress: list[dict[str, object]] = []
        report.facts["progress"] = progress
        start = ctx.clock.monotonic()

        def on_event(event: SlacEvent) -> None:
            if isinstance(event, Progress):
                progress.append({"ms": round((event.at - start) * 1000, 1),
                                 "phase": event.phase, "detail": event.detail})

        link = InProcessLink(wire.endpoint(EV_PORT, EV_MAC), [e.slac for e in evses],
                             wait=ctx.sleep)
        matched = run(run_slac(link, SlacEv(EV_MAC, ctx.rng), clock=ctx.clock,
                               timeout=self.timeout, on_event=on_event))
        _check(matched, evses, line, ctx.clock.monotonic(), report)


def _check(matched: Matched, evses: Sequence[SimEvse], line: Powerline, now: float,
           report: StepReport) -> None:
    report.facts.update(matched.to_dict())
    best = min(evses, key=lambda e: e.attenuation_db)
    chosen = next((e for e in evses if e.mac == matched.evse_mac), None)
    report.facts["chosen_port"] = chosen.port if chosen else None
    rows = []
    for e in evses:
        heard = matched.attenuation_db.get(e.mac)
        rows.append((e.port, fmt_mac(e.mac), f"{e.attenuation_db:g}",
                     "-" if heard is None else f"{heard:.1f}", "yes" if e is chosen else ""))
        report.check(heard is not None and abs(heard - e.attenuation_db) <= 1.0,
                     f"{e.port}: measured {heard} dB, configured {e.attenuation_db:g} dB")
    report.tables.append(Table("EVSEs heard by the EV", ("port", "EVSE MAC", "configured dB",
                                                          "measured dB", "chosen"), tuple(rows)))
    report.check(chosen is best, f"the EV chose {fmt_mac(matched.evse_mac)}, not the lowest "
                                 f"attenuation ({fmt_mac(best.mac)}, {best.attenuation_db:g} dB)")
    if chosen is not None:
        report.check(matched.nid == chosen.slac.nid, "the NID is not the chosen EVSE's network")
        report.check(line.joined(EV_PORT, chosen.port, now),
                     "the EV's modem has not joined the chosen EVSE's network")
    others = [e.port for e in evses if e is not chosen and line.joined(EV_PORT, e.port, now)]
    report.check(not others, f"the EV's modem also joined {', '.join(others)}")
    report.line("matched", f"EVSE {fmt_mac(matched.evse_mac)} "
                           f"({chosen.attenuation_db:g} dB)" if chosen else "an unknown EVSE")
    report.line("NID", matched.nid.hex())
    report.line("time", f"CM_SLAC_MATCH.CNF after {matched.match_ms:.0f} ms, link up after "
                        f"{matched.duration_ms:.0f} ms, {matched.attempts} attempt(s)")

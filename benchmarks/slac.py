"""SLAC time to match: our EV against open-plc-utils ``pev`` on the same emulated link.

Time = first CM_SLAC_PARM.REQ of a run to its CM_SLAC_MATCH.CNF, both stamped by the modem
emulator, so both EVs are measured by one clock in one set-up. EVSEs are open-plc-utils
``evse`` (settle 0), plus one pyslac 0.8.3 row when its venv exists. Needs root (network
namespaces) and plc-utils-extra.

    .venv/bin/python benchmarks/slac.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.interop.slac_lab import Lab, lab, missing

LOWER = "02:00:00:00:5e:02"


@dataclass
class Series:
    scenario: str
    ev: str
    times_ms: list[float] = field(default_factory=list)
    runs: int = 0
    wrong_choice: int = 0
    evses_seen: list[int] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return len(self.times_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def worst(self) -> float:
        return max(self.times_ms) if self.times_ms else float("nan")


def run_ours(the_lab: Lab, series: Series, expect: str | None = None) -> None:
    mark = the_lab.event_mark()
    series.runs += 1
    try:
        result = the_lab.our_ev("--link-check", "none")
    except RuntimeError as exc:
        print(f"{series.scenario}: evcc run {series.runs} failed: {exc}", file=sys.stderr)
        result = {}
    took = the_lab.match_time_since(mark)
    if took is not None and result:
        series.times_ms.append(took * 1000)
        if expect is not None and result.get("evse_mac") != expect:
            series.wrong_choice += 1
        atten = result.get("attenuation_db")
        series.evses_seen.append(len(atten) if isinstance(atten, dict) else 0)
    time.sleep(0.3)  # the EVSE goes back to listening


def run_pev(the_lab: Lab, series: Series) -> None:
    mark = the_lab.event_mark()
    series.runs += 1
    proc = the_lab.pev(charge=0)
    proc.wait(30)
    took = the_lab.match_time_since(mark)
    if took is not None and proc.returncode == 0:
        series.times_ms.append(took * 1000)
    time.sleep(0.3)


def scenario(
    workdir: Path, name: str, atten: list[float], *, loss: float, runs: int, with_pev: bool,
    expect: str | None,
) -> list[Series]:
    ours, pev = Series(name, "evcc"), Series(name, "pev")
    sub = workdir / "".join(c if c.isalnum() else "_" for c in name)
    sub.mkdir()
    with lab("evsb", len(atten), sub) as the_lab:
        the_lab.emulator(atten, "--join-delay", "0", "--sound-loss", str(loss), "--seed", "7")
        evses = [the_lab.opu_evse(i, charge=0) for i in range(len(atten))]
        for run in range(runs):
            if run and len(atten) > 1:
                # the EVSE not chosen waits TT_EVSE_match_session (10 s): start afresh
                for proc in evses:
                    the_lab.stop(proc)
                evses = [the_lab.opu_evse(i, charge=0) for i in range(len(atten))]
            run_ours(the_lab, ours, expect)
            if with_pev:
                run_pev(the_lab, pev)
    return [ours, pev] if with_pev else [ours]


def pyslac_scenario(workdir: Path, runs: int) -> list[Series]:
    """One pyslac 0.8.3 EVSE; it matches once per process, so each run gets a fresh one."""
    ours, pev = Series("one EVSE (pyslac)", "evcc"), Series("one EVSE (pyslac)", "pev")
    sub = workdir / "pyslac"
    sub.mkdir()
    with lab("evsb", 1, sub) as the_lab:
        the_lab.emulator([15], "--join-delay", "0")
        for _ in range(runs):
            for ev in ("evcc", "pev"):
                evse = the_lab.pyslac_evse(0, settle=0.2, hold=0.5)
                time.sleep(0.5)  # its matching task opens the socket after READY
                if ev == "evcc":
                    run_ours(the_lab, ours)
                else:
                    run_pev(the_lab, pev)
                the_lab.stop(evse)
    return [ours, pev]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if reason := missing("evse", "pev"):
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="evs-bench-") as tmp:
        work = Path(tmp)
        one = scenario(work, "one EVSE", [15], loss=0.0, runs=args.runs, with_pev=True,
                       expect=None)
        two = scenario(work, "two EVSEs 45/12 dB", [45, 12], loss=0.0, runs=args.runs,
                       with_pev=False, expect=LOWER)
        lossy = scenario(work, "20% sound loss", [15], loss=0.2, runs=args.runs, with_pev=True,
                         expect=None)
        pyslac = [] if missing("pyslac") else pyslac_scenario(work, min(args.runs, 3))
    pev_one = one[1].median
    rows = []
    checks = [
        (one[0], pev_one, 1.3, None),
        (one[1], pev_one, None, None),
        (two[0], pev_one, 1.5, None),
        (lossy[0], lossy[1].median, None, 700.0),
        (lossy[1], lossy[1].median, None, None),
    ]
    if pyslac:
        ref = pyslac[1].median
        checks += [(pyslac[0], ref, 1.3, None), (pyslac[1], ref, None, None)]
    ok_all = True
    for series, ref, ratio_target, abs_target in checks:
        ratio = series.median / ref if not math.isnan(ref) and ref > 0 else float("nan")
        ok = series.matched == series.runs and series.wrong_choice == 0
        if series.scenario.startswith("two"):
            ok = ok and all(n == 2 for n in series.evses_seen)
        target = ""
        if ratio_target is not None:
            ok = ok and ratio <= ratio_target
            target = f"<= {ratio_target}x pev (1 EVSE)"
            if series.scenario.endswith("(pyslac)"):
                target = f"<= {ratio_target}x pev (same EVSE)"
        if abs_target is not None:
            ok = ok and series.worst <= abs_target
            target = f"{series.runs}/{series.runs}, <= {abs_target:g} ms"
        if series.ev == "pev":
            target, ok = "reference", True
        ok_all = ok_all and ok
        rows.append({
            "scenario": series.scenario, "ev": series.ev,
            "matched": f"{series.matched}/{series.runs}", "median_ms": round(series.median, 1),
            "max_ms": round(series.worst, 1), "ratio": round(ratio, 2),
            "wrong_choice": series.wrong_choice, "evses_seen": series.evses_seen,
            "target": target, "ok": ok,
        })
    if args.json:
        print(json.dumps({"rows": rows, "ok": ok_all}, indent=2))
    else:
        head = f"{'scenario':<21} {'EV':<5} {'matched':>7} {'median ms':>9} {'max ms':>7} " \
               f"{'ratio':>5}  target"
        print(head)
        print("-" * len(head) + "-" * 22)
        for r in rows:
            mark = "" if r["target"] == "reference" else ("  ok" if r["ok"] else "  MISSED")
            print(f"{r['scenario']:<21} {r['ev']:<5} {r['matched']:>7} {r['median_ms']:>9} "
                  f"{r['max_ms']:>7} {r['ratio']:>5}  {r['target']}{mark}")
        print("\nratio = median / median of pev in the row's reference (one EVSE, or the same "
              "loss for pev); time = first CM_SLAC_PARM.REQ -> CM_SLAC_MATCH.CNF at the emulator")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())

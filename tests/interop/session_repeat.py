"""Run every interop case against the ``iso15118`` SECC N times in a row and count successes.

``python -m tests.interop.session_repeat --runs 10 [--case iso2-ac-tls] [--json]`` (root).
One SECC process serves all runs (as a charger does); the lab waits the SECC's SDP pause
between sessions. Prints one line per run and a table ``case: ok/runs``; exit 1 unless every
run ended with SessionStop.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.interop.test_session_interop import CASES
from tests.interop.v2g_lab import lab, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--case", action="append",
                        help="case-tls|tcp, e.g. din-dc-tcp (default: all six)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the SECC and the namespaces are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if reason := missing():
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    wanted = args.case or [f"{c}-{t}" for c in sorted(CASES) for t in ("tcp", "tls")]
    tally: dict[str, list[str]] = {case: [] for case in wanted}
    with tempfile.TemporaryDirectory() as tmp, lab(Path(tmp), f"rep{os.getpid() % 1000}") as v2g:
        v2g.make_peer_pki()
        spec, env = v2g.soft_store()
        v2g.start_secc()
        for run in range(1, args.runs + 1):
            for case in wanted:
                name, transport = case.rsplit("-", 1)
                tls = "on" if transport == "tls" else "off"
                start = time.monotonic()
                code, result, _ = v2g.ev(*CASES[name], "--tls", tls, "--store", spec,
                                         "--max-loop", "10", env=env)
                reason = result.get("stop_reason", "no result")
                tally[case].append(reason)
                print(f"run {run:2} {case:14} exit {code} {reason:24} "
                      f"{result.get('requests')} requests {time.monotonic() - start:5.1f} s",
                      flush=True)
    ok = {case: sum(r == "finished" for r in reasons) for case, reasons in tally.items()}
    if args.json:
        print(json.dumps({"runs": args.runs, "ok": ok, "reasons": tally}))
    else:
        for case in wanted:
            print(f"{case:14} {ok[case]}/{args.runs}")
    return 0 if all(v == args.runs for v in ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

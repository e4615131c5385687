"""`evcc bench charger`: argument errors in one line, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from evcc.cli import main

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize(("args", "message"), [
    (["--fault", "nope"], "unknown fault 'nope'"),
    (["--fault", "stall"], "needs a request name"),
    (["--protocols", "iso20"], "unknown protocol 'iso20'"),
    (["--tls", "on"], "TLS needs a bench PKI directory"),
    (["--sessions", "0"], "--sessions must be at least 1"),
])
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "charger", "--host", "::1", "--sdp-port", "0", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_sigterm_stops_the_charger_cleanly() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evcc", "bench", "charger", "--host", "::1", "--sdp-port", "0",
         "--json", "--fault", "drip:SessionSetup"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        listening = json.loads(proc.stdout.readline())
        assert listening["tcp_port"] > 0 and listening["tls_port"] is None
        assert listening["faults"] == ["drip:SessionSetupReq"]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert err == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

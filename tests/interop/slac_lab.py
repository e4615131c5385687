"""Processes of the SLAC lab: emulator, EVSE peers (pyslac, open-plc-utils) and EVs.

Shared by tests/interop/test_slac_interop.py and benchmarks/slac.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from evcc_platform.sim.netns import Topology, evse_link_local, netns_available

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
PYSLAC_PY = ROOT / ".peers" / "pyslac" / "bin" / "python"
PYSLAC_DRIVER = Path(__file__).with_name("slac_pyslac_evse.py")


def missing(*needs: str) -> str | None:
    """Why the lab cannot run here (None if it can)."""
    if reason := netns_available():
        return reason
    for need in needs:
        if need == "pyslac" and not PYSLAC_PY.exists():
            return f"pyslac 0.8.3 venv missing at {PYSLAC_PY}"
        if need in ("evse", "pev") and shutil.which(need) is None:
            return f"open-plc-utils '{need}' not installed (Debian package plc-utils-extra)"
    return None


class Lab:
    """One topology plus the processes started in it; everything is stopped on close."""

    def __init__(self, prefix: str, evses: int, workdir: Path) -> None:
        self.workdir = workdir
        self.topo = Topology(prefix, evses=evses)
        self.procs: list[subprocess.Popen[str]] = []
        self.events = workdir / "events.jsonl"

    def close(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)
        self.topo.close()

    def stop(self, proc: subprocess.Popen[str]) -> None:
        """Stop one process started in this lab."""
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(3)

    def _spawn(self, ns: str, argv: list[str], log: str, **kw: object) -> subprocess.Popen[str]:
        fh = (self.workdir / log).open("w")
        proc = subprocess.Popen(  # type: ignore[call-overload]
            self.topo.exec_args(ns, argv), stdout=subprocess.PIPE, stderr=fh, text=True,
            cwd=kw.pop("cwd", ROOT), **kw,
        )
        fh.close()
        self.procs.append(proc)
        return proc  # type: ignore[no-any-return]

    def emulator(self, attenuations: list[float], *extra: str) -> None:
        argv = [PY, "-m", "evcc_platform.sim", "--ev", "pev", "--events", str(self.events)]
        for port, db in zip(self.topo.evse_ports, attenuations, strict=True):
            argv += ["--evse", f"{port}:{db:g}"]
        proc = self._spawn(self.topo.plc_ns, [*argv, *extra], "emulator.log")
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"emulator did not start: {line!r}")

    def pyslac_evse(
        self, index: int, settle: float = 1.0, hold: float = 30.0
    ) -> subprocess.Popen[str]:
        proc = self._spawn(
            self.topo.evse_ns[index],
            [str(PYSLAC_PY), str(PYSLAC_DRIVER), "evse0", str(settle), str(hold), "60"],
            f"pyslac{index + 1}.log", cwd=self.workdir,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "READY" not in line:
            raise RuntimeError(f"pyslac did not start: {line!r}")
        return proc

    def opu_evse(self, index: int, settle: int = 0, charge: int = 30) -> subprocess.Popen[str]:
        ini = self.workdir / f"evse{index + 1}.ini"
        ini.write_text(f"[default]\nsettle time = {settle}\ncharge time = {charge}\n")
        proc = self._spawn(
            self.topo.evse_ns[index], ["evse", "-i", "evse0", "-p", str(ini), "-d"],
            f"evse{index + 1}.log",
        )
        time.sleep(0.3 + settle)  # its CM_SET_KEY and settle time
        return proc

    def our_ev(self, *extra: str, timeout: float = 20.0) -> dict[str, object]:
        out = subprocess.run(
            self.topo.exec_args(self.topo.ev_ns, [PY, "-m", "evcc", "slac", "run", "--iface",
                                                  "ev0", "--json", "--timeout", "15", *extra]),
            capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False,
        )
        (self.workdir / "ev.log").write_text(out.stderr)
        if out.returncode != 0:
            raise RuntimeError(f"evcc slac run failed ({out.returncode}): {out.stderr[-2000:]}")
        result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
        return result

    def pev(self, charge: int = 0) -> subprocess.Popen[str]:
        """Start open-plc-utils ``pev`` (settle time 0) for one run; it exits afterwards."""
        ini = self.workdir / "pev.ini"
        ini.write_text(f"[default]\nsettle time = 0\ncharge time = {charge}\n")
        return self._spawn(
            self.topo.ev_ns, ["pev", "-i", "ev0", "-p", str(ini), "-d"], "pev.log"
        )

    def wait_for(self, mme: str, timeout: float) -> bool:
        """Wait until the emulator has seen ``mme`` (e.g. CM_SLAC_MATCH.CNF)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.events.exists() and f'"{mme}"' in self.events.read_text():
                return True
            time.sleep(0.05)
        return False

    def event_mark(self) -> int:
        """Number of event lines so far (pass to :meth:`match_time_since`)."""
        return len(self.events.read_text().splitlines()) if self.events.exists() else 0

    def match_time_since(self, mark: int) -> float | None:
        """Seconds from the first CM_SLAC_PARM.REQ after ``mark`` to the next MATCH.CNF."""
        return next(self._match_times(mark), None)

    def match_times(self) -> list[float]:
        """Seconds from the first CM_SLAC_PARM.REQ of a run to its CM_SLAC_MATCH.CNF."""
        return list(self._match_times(0))

    def _match_times(self, mark: int) -> Iterator[float]:
        start: float | None = None
        for line in self.events.read_text().splitlines()[mark:]:
            rec = json.loads(line)
            if rec["dir"] != "rx":
                continue
            if rec["mme"] == "CM_SLAC_PARM.REQ" and start is None:
                start = rec["t"]
            elif rec["mme"] == "CM_SLAC_MATCH.CNF" and start is not None:
                yield float(rec["t"] - start)
                start = None

    def udp_echo(self, index: int, attempts: float = 4.0) -> bool:
        """True if a UDP datagram EV -> EVSE link-local address comes back."""
        server = self._spawn(self.topo.evse_ns[index], [PY, "-c", _ECHO_SERVER], "echo.log")
        assert server.stdout is not None
        server.stdout.readline()
        try:
            out = subprocess.run(
                self.topo.exec_args(self.topo.ev_ns, [PY, "-c", _ECHO_CLIENT,
                                                      evse_link_local(index), str(attempts)]),
                capture_output=True, text=True, timeout=attempts + 10, check=False,
            )
            return out.stdout.strip() == "echo ok"
        finally:
            server.terminate()
            server.wait(3)


_ECHO_SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 15118))
print("listening", flush=True)
while True:
    data, addr = s.recvfrom(2048)
    s.sendto(data, addr)
"""

_ECHO_CLIENT = """
import socket, sys, time
addr, attempts = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(0.25)
end = time.monotonic() + attempts
target = socket.getaddrinfo(addr + "%ev0", 15118, socket.AF_INET6, socket.SOCK_DGRAM)[0][4]
while time.monotonic() < end:
    s.sendto(b"sdp-probe", target)
    try:
        data, _ = s.recvfrom(2048)
    except TimeoutError:
        continue
    if data == b"sdp-probe":
        print("echo ok")
        break
else:
    print("no echo")
"""


@contextlib.contextmanager
def lab(prefix: str, evses: int, workdir: Path) -> Iterator[Lab]:
    the_lab = Lab(f"{prefix}{os.getpid() % 10000}", evses, workdir)
    try:
        yield the_lab
    finally:
        the_lab.close()

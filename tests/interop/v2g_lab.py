"""A V2G lab: the ``iso15118`` 0.31.2 SECC and our EV in two network namespaces (needs root).

``[ns <prefix>-secc] veth_secc <-veth-> veth_ev [ns <prefix>-ev]``, IPv6 link-local only.
The SECC runs from the peer virtualenv (``.peers/iso15118``, Java for its EXI codec) with its
own test PKI (its ``create_certs.sh``); our EV runs as the user does, ``evcc session run
--json`` inside the EV namespace. Shared by tests/interop/test_session_interop.py, the
repeat script tests/interop/session_repeat.py and benchmarks/session.py.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT / ".peers" / "iso15118"
PEER_PY = PEER / "bin" / "python"
EVCC = Path(sys.executable).with_name("evcc")
#: Bench options the peer needs: its Java codec answers CurrentDemand in 76-390 ms (above
#: the 250 ms timeout) and its PreChargeRes always reports 1 V.
SLOW_PEER = ["--timeout-scale", "4", "--lenient-pre-charge", "3"]
SDP_PAUSE = 5.5  # the peer ignores SDP for ~5 s after a TCP session closed


def missing() -> str | None:
    """Why the lab cannot run here (None if it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    if not PEER_PY.exists():
        return f"iso15118 0.31.2 venv missing at {PEER} (bash tools/dev.sh test installs it)"
    if shutil.which("java") is None:
        return "Java is not installed (the iso15118 SECC's EXI codec needs it)"
    if not EVCC.exists():
        return f"the evcc command is not installed next to {sys.executable}"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class V2gLab:
    """Two namespaces and the processes started in them; :meth:`close` removes everything."""

    def __init__(self, workdir: Path, prefix: str) -> None:
        self.workdir = workdir
        self.secc_ns, self.ev_ns = f"{prefix}-secc", f"{prefix}-ev"
        self.secc: subprocess.Popen[bytes] | None = None
        self.secc_log = workdir / "secc.log"
        self.pki = workdir / "pki"
        self.last_session_end = 0.0
        self._made: list[str] = []
        try:
            self._create(prefix)
        except BaseException:
            self.close()
            raise

    def _create(self, prefix: str) -> None:
        for ns in (self.secc_ns, self.ev_ns):
            _ip("netns", "add", ns)
            self._made.append(ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        a, b = f"{prefix}a"[:15], f"{prefix}b"[:15]
        _ip("link", "add", a, "type", "veth", "peer", "name", b)
        _ip("link", "set", a, "netns", self.secc_ns)
        _ip("link", "set", b, "netns", self.ev_ns)
        _ip("-n", self.secc_ns, "link", "set", a, "name", "veth_secc")
        _ip("-n", self.ev_ns, "link", "set", b, "name", "veth_ev")
        _ip("-n", self.secc_ns, "link", "set", "veth_secc", "up")
        _ip("-n", self.ev_ns, "link", "set", "veth_ev", "up")
        for ns, dev in ((self.secc_ns, "veth_secc"), (self.ev_ns, "veth_ev")):
            self._wait_link_local(ns, dev)

    def _wait_link_local(self, ns: str, dev: str, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            out = subprocess.run(["ip", "-n", ns, "-6", "addr", "show", "dev", dev],
                                 capture_output=True, text=True, check=False).stdout
            if "fe80" in out and "tentative" not in out:
                return
            time.sleep(0.1)
        raise RuntimeError(f"no usable link-local address on {dev} in {ns}")

    def make_peer_pki(self) -> Path:
        """The peer's own ISO-2 test PKI (its create_certs.sh)."""
        package = subprocess.run(
            [str(PEER_PY), "-c", "import iso15118,os;print(os.path.dirname(iso15118.__file__))"],
            capture_output=True, text=True, check=True).stdout.strip()
        self.pki.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(package) / "shared/pki/create_certs.sh", self.pki)
        shutil.copytree(Path(package) / "shared/pki/configs", self.pki / "configs",
                        dirs_exist_ok=True)
        subprocess.run(["bash", "./create_certs.sh", "-v", "iso-2"], cwd=self.pki, check=True,
                       capture_output=True)
        return self.pki

    def start_secc(self, protocols: str = "DIN_SPEC_70121,ISO_15118_2",
                   enforce_tls: bool = False, timeout: float = 60.0) -> None:
        """Start the peer SECC and wait until it listens for SDP."""
        secc_dir = self.workdir / "secc"
        secc_dir.mkdir(exist_ok=True)
        (secc_dir / ".env").write_text("\n".join([
            "NETWORK_INTERFACE=veth_secc", f"PKI_PATH={self.pki}/", "LOG_LEVEL=INFO",
            "MESSAGE_LOG_JSON=False", "MESSAGE_LOG_EXI=False", f"PROTOCOLS={protocols}",
            "AUTH_MODES=EIM", "FREE_CHARGING_SERVICE=False", "FREE_CERT_INSTALL_SERVICE=True",
            "ALLOW_CERT_INSTALL_SERVICE=True", "USE_CPO_BACKEND=False",
            f"SECC_ENFORCE_TLS={enforce_tls}", "STANDBY_ALLOWED=False", "ENABLE_TLS_1_3=False",
            ""]))
        log = self.secc_log.open("wb")
        self.secc = subprocess.Popen(
            ["ip", "netns", "exec", self.secc_ns, str(PEER / "bin" / "iso15118")],
            cwd=secc_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "UDP server started" in self.secc_log.read_text(errors="replace"):
                return
            if self.secc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the iso15118 SECC did not start:\n{self.secc_log.read_text()[-2000:]}")

    def soft_store(self) -> tuple[str, dict[str, str]]:
        """A software keystore trusting the peer's V2G root: (spec, environment)."""
        spec = f"soft:{self.workdir / 'store'}"
        env = {**os.environ, "EVCC_KEYSTORE_PASSPHRASE": "interop-lab"}
        root = self.pki / "iso15118_2/certs/v2gRootCACert.der"
        for args in (["init"], ["roots", "add", str(root), "--kind", "v2g"]):
            subprocess.run([str(EVCC), "keystore", "--store", spec, *args], env=env, check=True,
                           capture_output=True)
        return spec, env

    def ev(self, *args: str, env: dict[str, str] | None = None,
           timeout: float = 120.0) -> tuple[int, dict[str, Any], str]:
        """Run ``evcc session run --json`` in the EV namespace: (exit code, result, stderr)."""
        wait = self.last_session_end + SDP_PAUSE - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        proc = subprocess.run(
            ["ip", "netns", "exec", self.ev_ns, str(EVCC), "session", "run", "--iface", "veth_ev",
             "--json", *args], capture_output=True, text=True, timeout=timeout, env=env,
            check=False)
        self.last_session_end = time.monotonic()
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        result = json.loads(lines[-1]) if lines else {}
        return proc.returncode, result, proc.stderr

    def close(self) -> None:
        if self.secc is not None and self.secc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.secc.pid, 15)
            try:
                self.secc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.secc.pid, 9)
                self.secc.wait(5)
        for ns in reversed(self._made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        self._made.clear()


@contextlib.contextmanager
def lab(workdir: Path, prefix: str) -> Iterator[V2gLab]:
    the_lab = V2gLab(workdir, prefix)
    try:
        yield the_lab
    finally:
        the_lab.close()

"""Run a software TPM (swtpm) on loopback for benches and tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from keystore.errors import TpmUnavailableError


def _free_port_pair() -> int:
    """A port p with p and p+1 free on 127.0.0.1 (swtpm's TCTI uses p+1 for control)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise TpmUnavailableError("no free loopback port pair for swtpm")


class Swtpm:
    """One swtpm process with its state directory; :attr:`tcti` reaches it.

    ``startup_clear=False`` starts it like a raw power-on: the first command then gets
    ``TPM_RC_INITIALIZE`` and the client must send ``TPM2_Startup``.
    """

    def __init__(self, state_dir: Path, port: int | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.port = port or _free_port_pair()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def tcti(self) -> str:
        """TCTI string for this instance."""
        return f"swtpm:host=127.0.0.1,port={self.port}"

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self._proc.pid if self._proc else None

    def start(self, *, startup_clear: bool = True, timeout: float = 10.0) -> None:
        """Start swtpm and wait until it accepts connections."""
        exe = shutil.which("swtpm")
        if exe is None:
            raise TpmUnavailableError("swtpm is not installed (Debian package swtpm)")
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)  # the state holds the TPM's seeds: owner only
        flags = "not-need-init" + (",startup-clear" if startup_clear else "")
        self._proc = subprocess.Popen(
            [
                exe, "socket", "--tpm2",
                "--tpmstate", f"dir={self.state_dir}",
                "--server", f"type=tcp,port={self.port},bindaddr=127.0.0.1",
                "--ctrl", f"type=tcp,port={self.port + 1},bindaddr=127.0.0.1",
                "--flags", flags,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                self._proc = None
                raise TpmUnavailableError(f"swtpm exited at start: {err.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port + 1), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.kill()
        raise TpmUnavailableError(f"swtpm did not listen on port {self.port} in {timeout} s")

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), like a power loss."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None

    def restart(self, *, startup_clear: bool = True) -> None:
        """Kill and start again on the same port and state."""
        self.kill()
        self.start(startup_clear=startup_clear)

    def __enter__(self) -> Self:
        if self._proc is None:
            self.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.kill()

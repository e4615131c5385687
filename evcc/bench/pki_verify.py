"""Verify the chains of a bench PKI: the profile checker, and ``openssl verify`` when present."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime

from evcc.bench.pki import PkiManifest
from evcc.x509.profile import Violation, check_chain
from evcc.x509.profile_roles import CHAINS

OPENSSL_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ChainResult:
    """Verification result of one chain."""

    chain: str
    subjects: tuple[str, ...]
    violations: tuple[Violation, ...]
    #: True/False: openssl verdict; None: openssl not installed.
    openssl_ok: bool | None
    openssl_output: str = field(default="")

    @property
    def ok(self) -> bool:
        """True if the checker found nothing and openssl (when run) accepted the chain."""
        return not self.violations and self.openssl_ok is not False


def openssl_verify(root_pem: str, untrusted_pem: str, leaf_pem: str, *, at: datetime
                   ) -> tuple[bool | None, str]:
    """Run ``openssl verify -x509_strict`` at time ``at``; (None, reason) without openssl."""
    binary = shutil.which("openssl")
    if binary is None:
        return None, "openssl not installed"
    cmd = [binary, "verify", "-x509_strict", "-attime", str(int(at.timestamp())),
           "-CAfile", root_pem, "-untrusted", untrusted_pem, leaf_pem]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=OPENSSL_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"openssl failed to run: {exc}"
    output = (proc.stdout + proc.stderr).strip()
    return proc.returncode == 0 and output.endswith("OK"), output


def verify_pki(manifest: PkiManifest, *, now: datetime, use_openssl: bool = True
               ) -> list[ChainResult]:
    """Check all four chains of ``manifest`` with the profile checker and openssl."""
    results = []
    for name, roles in CHAINS.items():
        certs = manifest.chain(name)
        violations = check_chain(certs, manifest.profile, now=now, chain=name)
        ok: bool | None = None
        output = "not run"
        if use_openssl:
            files = manifest.files
            ok, output = openssl_verify(
                str(files[roles[0]].pem), str(manifest.chain_file(name)),
                str(files[roles[3]].pem), at=now,
            )
        results.append(ChainResult(
            chain=name,
            subjects=tuple(c.subject.rfc4514_string() for c in certs),
            violations=tuple(violations),
            openssl_ok=ok,
            openssl_output=output,
        ))
    return results

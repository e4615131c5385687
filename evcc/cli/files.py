"""Reading the files named on the command line, with one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from evcc.errors import EvccError, X509Error

if TYPE_CHECKING:
    from cryptography import x509


def read_file(path: Path, what: str = "", *, error: type[EvccError] = EvccError,
              dash_is_stdin: bool = False) -> bytes:
    """Contents of ``path`` (standard input for ``-`` if ``dash_is_stdin``); otherwise
    ``error`` naming the file and ``what`` it should be."""
    try:
        if dash_is_stdin and str(path) == "-":
            return sys.stdin.buffer.read()
        return path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what}{path}: {exc.strerror or exc}") from None


def read_certificates(path: Path) -> list[x509.Certificate]:
    """Certificates (PEM, one or more, or DER) from a file; X509Error naming the file."""
    from evcc.x509.parse import load_certificates  # noqa: PLC0415 - keeps `evcc --help` fast

    data = read_file(path, error=X509Error)
    try:
        return load_certificates(data)
    except X509Error:
        raise X509Error(f"{path}: no readable X.509 certificate (PEM or DER)") from None

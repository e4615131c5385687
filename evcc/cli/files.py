"""Reading the files named on the command line, with one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

from evcc.errors import EvccError


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

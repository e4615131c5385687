"""Store specs (``tpm:DIR``, ``soft:DIR``) and :func:`open_keystore`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from keystore.errors import StoreSpecError, TpmUnavailableError
from keystore.protocol import Keystore
from keystore.tcti import TCTI_ENV, resolve_tcti

PASSPHRASE_ENV = "EVCC_KEYSTORE_PASSPHRASE"  # noqa: S105 - a variable name


def parse_spec(spec: str) -> tuple[Literal["tpm", "soft"], Path]:
    """Split ``tpm:DIR`` / ``soft:DIR``."""
    kind, sep, path = spec.partition(":")
    if not sep or kind not in ("tpm", "soft") or not path.strip():
        raise StoreSpecError(
            f"store spec {spec!r} not understood; use tpm:DIR (TCTI via --tcti or "
            f"${TCTI_ENV}) or soft:DIR"
        )
    return ("tpm" if kind == "tpm" else "soft"), Path(path)


def open_keystore(
    spec: str,
    tcti: str | None = None,
    *,
    create: bool = False,
    env: Mapping[str, str] | None = None,
    owner_auth: bytes = b"",
) -> Keystore:
    """Open (or with ``create=True`` initialise) the keystore named by ``spec``.

    ``env`` defaults to the process environment; it supplies ``$EVCC_TCTI`` and, for
    software stores, ``$EVCC_KEYSTORE_PASSPHRASE``. ``owner_auth`` is the TPM owner
    hierarchy's authorization value (TPM stores only; ignored by software stores).
    """
    environ = os.environ if env is None else env
    kind, path = parse_spec(spec)
    if kind == "soft":
        from keystore.soft import SoftKeystore  # noqa: PLC0415 - backends load on demand

        phrase = environ.get(PASSPHRASE_ENV)
        return SoftKeystore(path, passphrase=phrase.encode() if phrase else None, create=create)
    try:
        from keystore.tpm import TpmKeystore  # noqa: PLC0415 - tpm2-pytss only when needed
    except ImportError as exc:
        raise TpmUnavailableError(f"TPM support unavailable: {exc} (pip extra 'tpm')") from exc

    return TpmKeystore(
        path, tcti=resolve_tcti(tcti, environ), create=create, owner_auth=owner_auth
    )

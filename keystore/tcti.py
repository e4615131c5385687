"""Which TPM transport (TCTI) to use: the flag, else ``$EVCC_TCTI``, else the device."""

from __future__ import annotations

from collections.abc import Mapping

from keystore.errors import StoreSpecError

DEFAULT_TCTI = "device:/dev/tpmrm0"
TCTI_ENV = "EVCC_TCTI"
_TCTI_NAMES = ("device", "swtpm", "mssim", "tabrmd")


def resolve_tcti(tcti: str | None, env: Mapping[str, str]) -> str:
    """The TCTI: explicit value, else ``$EVCC_TCTI``, else ``device:/dev/tpmrm0``."""
    value = tcti or env.get(TCTI_ENV) or DEFAULT_TCTI
    name = value.partition(":")[0]
    if name not in _TCTI_NAMES:
        raise StoreSpecError(
            f"TCTI {value!r} not understood; use one of "
            + ", ".join(f"{n}:..." for n in _TCTI_NAMES)
        )
    return value

"""TPM 2.0 keystore (``tpm:DIR`` + TCTI): the record store over :class:`TpmEngine`.

The engine is split by what it keeps in the TPM: :mod:`keystore.tpm_setup` (SRK, the
trust-anchor NV index) and :mod:`keystore.tpm_keys` (the keys).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from evcc.clock import SYSTEM_CLOCK, Clock
from keystore.store import RecordKeystore
from keystore.tcti import DEFAULT_TCTI
from keystore.tpm_keys import TpmEngine
from keystore.tpm_link import TpmLink


class TpmKeystore(RecordKeystore):
    """Keystore whose keys live in a TPM 2.0 (``tpm:DIR`` + TCTI)."""

    def __init__(
        self,
        path: Path | str,
        *,
        tcti: str = DEFAULT_TCTI,
        owner_auth: bytes = b"",
        create: bool = False,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.engine = TpmEngine(TpmLink(tcti, owner_auth))
        try:
            super().__init__(Path(path), self.engine, create=create, clock=clock)
        except BaseException:
            self.engine.link.close(shutdown=False)
            raise

    def import_parent_public_key(self) -> ec.EllipticCurvePublicKey:
        """Where an ISO 15118-20 ``TPM_EncryptedPrivateKey`` must be wrapped to."""
        return self.engine.import_parent_public_key()

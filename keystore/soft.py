"""Software key engine for benches: keys encrypted at rest with AES-256-GCM under a passphrase.

NOT FOR VEHICLES: the keys exist in process memory whenever they are used, and the
passphrase protection is only as good as the passphrase.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.x509.ecdsa import hash_for_digest
from evcc.x509.keys import CURVES, curve_of, curve_size
from keystore.engine import KeyRecord, TpmEncryptedPrivateKey
from keystore.errors import CorruptedFileError, UnsupportedError, WrongPassphraseError
from keystore.store import RecordKeystore

log = logging.getLogger("keystore")

SOFT_WARNING = (
    "SOFTWARE KEYSTORE - NOT FOR VEHICLES: keys are only passphrase-encrypted files; "
    "use a TPM store (tpm:DIR) on an ECU"
)
#: Used when no passphrase is given; fine for a bench, worthless as protection.
DEFAULT_BENCH_PASSPHRASE = b"evcc-bench-keystore"
_SCRYPT_N = 2**14
_VERIFIER = b"evcc soft keystore v1"


class SoftEngine:
    """Key engine holding P-256/P-521 keys as AES-GCM-encrypted scalars."""

    backend = "soft"
    for_vehicles = False

    def __init__(self, passphrase: bytes) -> None:
        self._passphrase = passphrase
        self._enc: AESGCM | None = None
        self._mac_key = b""

    def _derive(self, salt: bytes, n: int) -> None:
        master = hashlib.scrypt(self._passphrase, salt=salt, n=n, r=8, p=1, dklen=32)
        self._enc = AESGCM(hmac.digest(master, b"encrypt", "sha256"))
        self._mac_key = hmac.digest(master, b"roots-mac", "sha256")

    def _aead(self) -> AESGCM:
        assert self._enc is not None, "engine not attached to a store"
        return self._enc

    def init_meta(self) -> dict[str, Any]:
        """New salt and passphrase verifier."""
        salt = secrets.token_bytes(16)
        self._derive(salt, _SCRYPT_N)
        nonce = secrets.token_bytes(12)
        verifier = self._aead().encrypt(nonce, _VERIFIER, b"verifier")
        return {
            "kdf": "scrypt",
            "n": _SCRYPT_N,
            "salt": salt.hex(),
            "verifier": nonce.hex() + verifier.hex(),
        }

    def open_meta(self, meta: dict[str, Any]) -> None:
        """Derive the keys and check the passphrase."""
        try:
            salt = bytes.fromhex(meta["salt"])
            n = int(meta["n"])
            blob = bytes.fromhex(meta["verifier"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptedFileError("keystore.json: software key parameters damaged") from exc
        if n < 2**10 or n > 2**20 or n & (n - 1):
            raise CorruptedFileError("keystore.json: scrypt cost out of range")
        self._derive(salt, n)
        try:
            ok = self._aead().decrypt(blob[:12], blob[12:], b"verifier") == _VERIFIER
        except InvalidTag:
            ok = False
        if not ok:
            raise WrongPassphraseError("the passphrase does not open this software keystore")
        log.warning(SOFT_WARNING)

    def _seal(self, key: ec.EllipticCurvePrivateKey, slot: str) -> KeyRecord:
        curve = curve_of(key)
        scalar = key.private_numbers().private_value.to_bytes(curve_size(curve), "big")
        nonce = secrets.token_bytes(12)
        blob = self._aead().encrypt(nonce, scalar, f"{curve}|{slot}".encode())
        return {"type": "soft-aes256gcm", "curve": curve, "sealed": (nonce + blob).hex()}

    def _unseal(self, record: KeyRecord, slot: str) -> ec.EllipticCurvePrivateKey:
        curve = record.get("curve")
        if record.get("type") != "soft-aes256gcm" or curve not in CURVES:
            raise CorruptedFileError(f"{slot}: not a software key record")
        try:
            blob = bytes.fromhex(str(record["sealed"]))
            scalar = self._aead().decrypt(blob[:12], blob[12:], f"{curve}|{slot}".encode())
        except (KeyError, ValueError, InvalidTag) as exc:
            raise CorruptedFileError(f"{slot}: encrypted key damaged or moved") from exc
        return ec.derive_private_key(int.from_bytes(scalar, "big"), CURVES[curve])

    def create_key(
        self, curve: str, slot: str, before_persist: Callable[[KeyRecord], None] | None = None
    ) -> tuple[KeyRecord, ec.EllipticCurvePublicKey]:
        """A fresh key, sealed; it lives only in its record (``before_persist`` is not needed)."""
        key = ec.generate_private_key(CURVES[curve])
        return self._seal(key, slot), key.public_key()

    def key_resident(self, record: KeyRecord) -> bool:
        """Nothing is held outside the record."""
        return False

    def destroy_key(self, record: KeyRecord) -> bool:
        """Nothing outside the record to free."""
        return False

    def import_key(self, private_key: ec.EllipticCurvePrivateKey, slot: str) -> KeyRecord:
        """Seal a software key."""
        return self._seal(private_key, slot)

    def import_wrapped(
        self, blob: TpmEncryptedPrivateKey, public_key: ec.EllipticCurvePublicKey, slot: str
    ) -> KeyRecord:
        """TPM-wrapped keys need a TPM."""
        raise UnsupportedError("a TPM_EncryptedPrivateKey can only be installed in a TPM store")

    def public_key(self, record: KeyRecord, slot: str) -> ec.EllipticCurvePublicKey:
        """Derived from the sealed scalar, so it is always the key that signs."""
        return self._unseal(record, slot).public_key()

    def sign(self, record: KeyRecord, slot: str, digest: bytes) -> bytes:
        """ECDSA over a pre-hashed digest."""
        key = self._unseal(record, slot)
        return key.sign(digest, ec.ECDSA(Prehashed(hash_for_digest(digest))))

    def ecdh(self, record: KeyRecord, slot: str, peer: ec.EllipticCurvePublicKey) -> bytes:
        """Shared secret x coordinate."""
        return self._unseal(record, slot).exchange(ec.ECDH(), peer)

    def roots_protection(self, digest: bytes) -> dict[str, Any]:
        """HMAC of the trust-anchor digest under the passphrase-derived key."""
        return {"mac": hmac.digest(self._mac_key, digest, "sha256").hex()}

    def commit_roots(self, digest: bytes) -> None:
        """The MAC travels in the file; nothing else to commit."""

    def roots_intact(self, digest: bytes, protection: dict[str, Any]) -> bool:
        """Check the HMAC."""
        expected = hmac.digest(self._mac_key, digest, "sha256").hex()
        return hmac.compare_digest(expected, str(protection.get("mac", "")))

    def status(self) -> dict[str, Any]:
        """Backend details."""
        return {"warning": SOFT_WARNING, "encryption": "AES-256-GCM, scrypt passphrase"}

    def close(self) -> None:
        """Forget the derived keys."""
        self._enc = None
        self._mac_key = b""


class SoftKeystore(RecordKeystore):
    """Software keystore (``soft:DIR``) for benches; NOT FOR VEHICLES."""

    def __init__(
        self,
        path: Path | str,
        *,
        passphrase: bytes | None = None,
        create: bool = False,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(
            Path(path),
            SoftEngine(passphrase or DEFAULT_BENCH_PASSPHRASE),
            create=create,
            clock=clock,
        )
        if create:
            log.warning(SOFT_WARNING)


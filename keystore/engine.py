"""The backend seam: what a key engine (TPM or software) does for the record store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from keystore.errors import CertificateError

#: A backend's opaque description of one key, stored as JSON in the record files.
KeyRecord = dict[str, Any]


@dataclass(frozen=True)
class TpmEncryptedPrivateKey:
    """A contract key wrapped for the TPM (ISO 15118-20 ``TPM_EncryptedPrivateKey`` style).

    ``duplicate`` is a marshalled ``TPM2B_PRIVATE`` (outer duplication wrapper only) and
    ``encrypted_seed`` a marshalled ``TPM2B_ENCRYPTED_SECRET``, both addressed to the
    store's P-521/SHA-512 import parent (:meth:`TpmKeystore.import_parent_public_key`).
    """

    duplicate: bytes
    encrypted_seed: bytes

    def to_bytes(self) -> bytes:
        """Both TPM2B structures back to back (each carries its own 2-byte size)."""
        return self.duplicate + self.encrypted_seed

    @classmethod
    def from_bytes(cls, blob: bytes) -> TpmEncryptedPrivateKey:
        """Split a blob made by :meth:`to_bytes`."""
        if len(blob) < 4:
            raise CertificateError("TPM_EncryptedPrivateKey too short")
        first = 2 + int.from_bytes(blob[:2], "big")
        second = int.from_bytes(blob[first : first + 2], "big") if first + 2 <= len(blob) else -1
        if second < 0 or first + 2 + second != len(blob):
            raise CertificateError("TPM_EncryptedPrivateKey: TPM2B sizes do not add up")
        return cls(duplicate=blob[:first], encrypted_seed=blob[first:])


class KeyEngine(Protocol):
    """Creates, imports and uses keys; protects the trust-anchor digest."""

    backend: str
    for_vehicles: bool

    def init_meta(self) -> dict[str, Any]:
        """Prepare a new store; returns backend data kept in ``keystore.json``."""
        ...

    def open_meta(self, meta: dict[str, Any]) -> None:
        """Attach to an existing store described by ``meta``."""
        ...

    def create_key(
        self, curve: str, slot: str, before_persist: Callable[[KeyRecord], None] | None = None
    ) -> tuple[KeyRecord, ec.EllipticCurvePublicKey]:
        """Generate a sign + ECDH key inside the engine.

        An engine that keeps the key outside the record (a persistent TPM handle) calls
        ``before_persist(record)`` before it makes the key persistent.
        """
        ...

    def key_resident(self, record: KeyRecord) -> bool:
        """True if the engine holds this key outside its record (e.g. at a TPM handle)."""
        ...

    def destroy_key(self, record: KeyRecord) -> bool:
        """Free what the engine holds for a key, only if it is exactly that key; True if freed."""
        ...

    def import_key(self, private_key: ec.EllipticCurvePrivateKey, slot: str) -> KeyRecord:
        """Take over a software private key; only an engine-protected form is returned."""
        ...

    def import_wrapped(
        self, blob: TpmEncryptedPrivateKey, public_key: ec.EllipticCurvePublicKey, slot: str
    ) -> KeyRecord:
        """Import a TPM-wrapped key."""
        ...

    def public_key(self, record: KeyRecord, slot: str) -> ec.EllipticCurvePublicKey:
        """The public key of a stored key."""
        ...

    def sign(self, record: KeyRecord, slot: str, digest: bytes) -> bytes:
        """ECDSA over a pre-computed digest; DER signature."""
        ...

    def ecdh(self, record: KeyRecord, slot: str, peer: ec.EllipticCurvePublicKey) -> bytes:
        """ECDH shared secret Z (x coordinate, fixed length)."""
        ...

    def roots_protection(self, digest: bytes) -> dict[str, Any]:
        """Data stored beside the trust anchors for ``digest`` (may be empty)."""
        ...

    def commit_roots(self, digest: bytes) -> None:
        """Make ``digest`` the authoritative trust-anchor digest."""
        ...

    def roots_intact(self, digest: bytes, protection: dict[str, Any]) -> bool:
        """True if the trust anchors with ``digest`` are the committed ones."""
        ...

    def status(self) -> dict[str, Any]:
        """Backend details for ``keystore status``."""
        ...

    def close(self) -> None:
        """Release the engine (orderly TPM shutdown)."""
        ...

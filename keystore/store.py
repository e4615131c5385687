"""The keystore both backends share: one store directory, keys in a :class:`KeyEngine`.

The work is done by one module per concept: :mod:`keystore.lifecycle` (create, open),
:mod:`keystore.trust` (trust anchors), :mod:`keystore.provisioning` and
:mod:`keystore.recovery` (the OEM identity), :mod:`keystore.contracts` (admission, records),
:mod:`keystore.keyuse` (sign, ECDH) and :mod:`keystore.status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.clock import Clock
from evcc.x509.parse import parse_der, readable
from keystore import contracts, files, keyuse, lifecycle, provisioning
from keystore.engine import KeyEngine, TpmEncryptedPrivateKey
from keystore.errors import CertificateError, KeystoreError, keystore_errors
from keystore.lifecycle import StoreDir
from keystore.model import (
    ContractInfo,
    ContractSource,
    KeyRef,
    Profile,
    ProvisioningInfo,
    RootCertificateId,
    RootInfo,
    RootKind,
    StoreStatus,
)
from keystore.status import status as store_status
from keystore.trust import root_id, root_info


class RecordKeystore:
    """Keystore behaviour over a store directory and a :class:`KeyEngine`.

    ``clock`` gives the UTC time of record timestamps and contract validity.

    Every public method raises only the :class:`KeystoreError` family (certificate toolkit
    errors are translated by :func:`keystore_errors`).
    """

    def __init__(self, path: Path, engine: KeyEngine, *, create: bool, clock: Clock) -> None:
        self._store = StoreDir.at(path, engine, clock)
        self.path = self._store.path
        if create:
            lifecycle.create(self._store)
        else:
            lifecycle.open_existing(self._store)

    # ----------------------------------------------------------------- lifecycle
    @property
    def backend(self) -> str:
        """``tpm`` or ``soft``."""
        return self._store.engine.backend

    def close(self) -> None:
        """Release the backend (orderly TPM2_Shutdown for the TPM)."""
        self._store.engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- trust anchors
    @keystore_errors()
    def add_root(self, certificate: bytes | x509.Certificate, kind: RootKind = "v2g") -> RootInfo:
        """Add a self-signed root (V2G, MO or OEM); adding it again is a no-op."""
        cert = _parse_chain([certificate])[0]
        with files.store_lock(self.path):
            entries, entry = self._store.trust.with_added(cert, kind)
            self._store.trust.write(entries)
        return root_info(entry)

    @keystore_errors()
    def roots(self, kind: RootKind | None = None) -> list[RootInfo]:
        """Trust anchors (verified against their protection digest on every call)."""
        entries = self._store.trust.entries()
        return [root_info(e) for e in entries if kind is None or e.kind == kind]

    @keystore_errors()
    def root_certificates(self, kind: RootKind | None = None) -> list[x509.Certificate]:
        """Trust anchors as certificates, for chain validation."""
        return [e.cert() for e in self._store.trust.entries() if kind is None or e.kind == kind]

    @keystore_errors()
    def remove_root(self, reference: str, kind: RootKind | None = None) -> RootInfo:
        """Remove the root whose fingerprint starts with ``reference`` (or whose subject is it).

        ``kind`` picks one when the same certificate is trusted as more than one kind.
        """
        with files.store_lock(self.path):
            entries, entry = self._store.trust.without(reference, kind)
            self._store.trust.write(entries)
        return root_info(entry)

    @keystore_errors()
    def root_certificate_ids(self, kind: RootKind = "v2g") -> list[RootCertificateId]:
        """``ListOfRootCertificateIDs`` of a request: issuer name + serial of each root."""
        return [root_id(c) for c in self.root_certificates(kind)]

    # ----------------------------------------------------------------- provisioning
    @keystore_errors()
    def create_provisioning_key(
        self, pcid: str, profile: Profile, *, replace_existing: bool = False
    ) -> ProvisioningInfo:
        """Generate the OEM provisioning key inside the backend (P-256 iso2, P-521 iso20)."""
        return provisioning.create_key(
            self._store, pcid, profile, replace_existing=replace_existing
        )

    @keystore_errors()
    def provisioning(self) -> ProvisioningInfo | None:
        """The provisioning identity, or None when none was created."""
        if not self._store.prov_path.exists():
            return None
        return provisioning.info(self._store, provisioning.read_record(self._store))

    @keystore_errors()
    def provisioning_csr(self) -> x509.CertificateSigningRequest:
        """A CSR with CN = PCID for the provisioning key, signed inside the backend."""
        return provisioning.csr(self._store)

    @keystore_errors()
    def install_provisioning_chain(
        self, chain: Sequence[bytes | x509.Certificate]
    ) -> ProvisioningInfo:
        """Install the issued OEM provisioning chain (leaf first); the leaf must carry our key."""
        parsed = _parse_chain(chain)
        return provisioning.install_chain(self._store, parsed, self.root_certificates("oem"))

    @keystore_errors()
    def provisioning_chain(self) -> list[x509.Certificate]:
        """The installed OEM provisioning chain (leaf first; empty before install)."""
        return list(provisioning.read_record(self._store).chain)

    # ----------------------------------------------------------------- contracts
    @keystore_errors()
    def install_contract(
        self,
        chain: Sequence[bytes | x509.Certificate],
        private_key: ec.EllipticCurvePrivateKey | TpmEncryptedPrivateKey,
        *,
        emaid: str | None = None,
        source: ContractSource = "charger",
        priority: int | None = None,
        allow_expired: bool = False,
    ) -> ContractInfo:
        """Install a contract chain with its key as one atomic transaction.

        The key must belong to the leaf (d·G check); the store keeps only an
        engine-protected form of it. Installing the same leaf again replaces the entry.
        A leaf that is expired or not yet valid at the store's clock is refused
        (:class:`ContractValidityError`) unless ``allow_expired`` (bench use; recorded).
        """
        return contracts.install(
            self._store, _parse_chain(chain), private_key, emaid=emaid, source=source,
            priority=priority, allow_expired=allow_expired,
        )

    @keystore_errors()
    def contracts(self) -> list[ContractInfo]:
        """Installed contracts, preferred first (priority, then install time)."""
        now = self._store.clock.utc()
        return [r.info(now) for r in contracts.scan(self._store)[0]]

    @keystore_errors()
    def contract(self, contract_id: str) -> ContractInfo:
        """The contract with exactly this id (:func:`keystore.lookup.find_contract` resolves
        what a person types)."""
        return contracts.read(self._store, contract_id).info(self._store.clock.utc())

    @keystore_errors()
    def contract_chain(self, contract_id: str) -> list[x509.Certificate]:
        """The contract chain (leaf first)."""
        return list(contracts.read(self._store, contract_id).chain)

    @keystore_errors()
    def set_priority(self, contract_id: str, priority: int) -> ContractInfo:
        """Change a contract's priority (lower number = preferred)."""
        if not 0 <= priority <= 9999:
            raise CertificateError("priority must be 0..9999")
        return contracts.update(self._store, contract_id, priority=priority)

    @keystore_errors()
    def enable(self, contract_id: str) -> ContractInfo:
        """Allow a contract to be offered."""
        return contracts.update(self._store, contract_id, enabled=True)

    @keystore_errors()
    def disable(self, contract_id: str) -> ContractInfo:
        """Keep a contract but never offer it."""
        return contracts.update(self._store, contract_id, enabled=False)

    @keystore_errors()
    def remove_contract(self, contract_id: str) -> ContractInfo:
        """Delete a contract and its key blob."""
        return contracts.remove(self._store, contract_id)

    @keystore_errors()
    def expiring(self, within_days: float, now: datetime | None = None) -> list[ContractInfo]:
        """Contracts whose certificate ends within ``within_days`` of ``now`` (or has ended)."""
        moment = now or self._store.clock.utc()
        return [
            c
            for c in self.contracts()
            if (c.not_after - moment).total_seconds() <= within_days * 86400
        ]

    # ----------------------------------------------------------------- key use
    @keystore_errors()
    def public_key(self, key: KeyRef) -> ec.EllipticCurvePublicKey:
        """Public key of the provisioning key or a contract's key."""
        return keyuse.public_key(self._store, key)

    @keystore_errors()
    def sign(self, key: KeyRef, digest: bytes, *, raw: bool = False) -> bytes:
        """ECDSA over ``digest`` (SHA-256/384/512 length) with the provisioning or a contract key.

        DER by default; ``raw=True`` gives fixed-width r||s (the XMLDSig SignatureValue).
        """
        return keyuse.sign(self._store, key, digest, raw=raw)

    @keystore_errors()
    def ecdh(self, key: KeyRef, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        """ECDH shared secret Z (x coordinate) with the provisioning or a contract key."""
        return keyuse.ecdh(self._store, key, peer_public_key)

    # ----------------------------------------------------------------- status
    @keystore_errors()
    def status(self) -> StoreStatus:
        """Counts, integrity and backend details."""
        return store_status(self._store)


def _parse_chain(chain: Sequence[bytes | x509.Certificate]) -> list[x509.Certificate]:
    if not chain:
        raise CertificateError("empty certificate chain")
    return [readable(c) if isinstance(c, x509.Certificate) else parse_der(c)
            for c in chain]


__all__ = ["KeystoreError", "RecordKeystore"]

"""``Keystore``: the one interface both backends (TPM and software) implement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keystore.engine import TpmEncryptedPrivateKey
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


@runtime_checkable
class Keystore(Protocol):
    """Trust anchors, the OEM provisioning identity and contracts; keys never leave it.

    Key use (:meth:`sign`, :meth:`ecdh`, :meth:`public_key`) takes an exact :class:`KeyRef`
    (``ProvisioningInfo.key``, ``ContractInfo.key``, :data:`keystore.PROVISIONING`); anything
    else raises TypeError. Contract management takes the exact contract id.
    """

    path: Path

    @property
    def backend(self) -> str:
        """``tpm`` or ``soft``."""
        ...

    def close(self) -> None:
        """Release the backend."""
        ...

    # trust anchors
    def add_root(self, certificate: bytes | x509.Certificate, kind: RootKind = "v2g") -> RootInfo:
        """Add a self-signed root."""
        ...

    def roots(self, kind: RootKind | None = None) -> list[RootInfo]:
        """Verified trust anchors."""
        ...

    def root_certificates(self, kind: RootKind | None = None) -> list[x509.Certificate]:
        """Verified trust anchors as certificates."""
        ...

    def remove_root(self, reference: str, kind: RootKind | None = None) -> RootInfo:
        """Remove a root by fingerprint prefix or subject (and kind, if given)."""
        ...

    def root_certificate_ids(self, kind: RootKind = "v2g") -> list[RootCertificateId]:
        """``ListOfRootCertificateIDs`` (issuer + serial)."""
        ...

    # provisioning identity
    def create_provisioning_key(
        self, pcid: str, profile: Profile, *, replace_existing: bool = False
    ) -> ProvisioningInfo:
        """Generate the OEM provisioning key inside the backend."""
        ...

    def provisioning(self) -> ProvisioningInfo | None:
        """The provisioning identity, if any."""
        ...

    def provisioning_csr(self) -> x509.CertificateSigningRequest:
        """CSR with CN = PCID, signed inside the backend."""
        ...

    def install_provisioning_chain(
        self, chain: Sequence[bytes | x509.Certificate]
    ) -> ProvisioningInfo:
        """Install the issued OEM provisioning chain."""
        ...

    def provisioning_chain(self) -> list[x509.Certificate]:
        """The installed OEM provisioning chain."""
        ...

    # contracts
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
        """Atomic install of chain + key + metadata; refuses a leaf outside its validity."""
        ...

    def contracts(self) -> list[ContractInfo]:
        """Installed contracts, preferred first."""
        ...

    def contract(self, contract_id: str) -> ContractInfo:
        """The contract with exactly this id."""
        ...

    def contract_chain(self, contract_id: str) -> list[x509.Certificate]:
        """A contract's chain."""
        ...

    def remove_contract(self, contract_id: str) -> ContractInfo:
        """Delete a contract."""
        ...

    def set_priority(self, contract_id: str, priority: int) -> ContractInfo:
        """Change the priority (lower = preferred)."""
        ...

    def enable(self, contract_id: str) -> ContractInfo:
        """Offer the contract again."""
        ...

    def disable(self, contract_id: str) -> ContractInfo:
        """Keep but never offer the contract."""
        ...

    def expiring(self, within_days: float, now: datetime | None = None) -> list[ContractInfo]:
        """Contracts ending within ``within_days``."""
        ...

    # key use
    def public_key(self, key: KeyRef) -> ec.EllipticCurvePublicKey:
        """Public key of a stored key."""
        ...

    def sign(self, key: KeyRef, digest: bytes, *, raw: bool = False) -> bytes:
        """ECDSA over a digest: DER, or raw r||s."""
        ...

    def ecdh(self, key: KeyRef, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        """ECDH shared secret."""
        ...

    def status(self) -> StoreStatus:
        """Counts, integrity and backend details."""
        ...

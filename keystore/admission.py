"""What a leaf must be before the keystore accepts it: contract and OEM provisioning leaves.

Checks run before anything is written; each failure is a :class:`CertificateError` that
names the certificate, never key material. Roots, links and anchoring are checked by
:mod:`evcc.x509.chain`.
"""

from __future__ import annotations

from cryptography import x509

from evcc.errors import IdentifierError
from evcc.x509.extensions import is_ca
from evcc.x509.identifiers import Emaid, Pcid
from evcc.x509.names import common_name
from evcc.x509.parse import readable
from keystore.errors import CertificateError


def _check_leaf(cert: x509.Certificate, what: str) -> None:
    if is_ca(readable(cert)):
        raise CertificateError(
            f"{cert.subject.rfc4514_string()} is a CA certificate, not a {what} leaf"
        )


def check_contract_leaf(cert: x509.Certificate) -> str:
    """A contract leaf: not a CA, CN an eMAID (ISO 15118-2 Annex H); returns the CN."""
    _check_leaf(cert, "contract")
    cn = common_name(cert)
    try:
        Emaid.parse(cn)
    except IdentifierError as exc:
        raise CertificateError(f"contract CN {cn!r} is not an eMAID: {exc}") from None
    return cn


def check_provisioning_leaf(cert: x509.Certificate) -> None:
    """An OEM provisioning leaf: not a CA, CN a PCID."""
    _check_leaf(cert, "provisioning")
    try:
        Pcid.parse(common_name(cert))
    except IdentifierError as exc:
        raise CertificateError(f"provisioning CN is not a PCID: {exc}") from None

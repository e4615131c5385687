"""What a certificate must be before the keystore accepts it: roots, contract and OEM leaves.

Checks run before anything is written; each failure is a :class:`CertificateError` that
names the certificate, never key material.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from evcc.errors import IdentifierError
from evcc.pnc.cert_rules import PARSE_ERRORS
from evcc.pnc.identifiers import Emaid, Pcid
from keystore import certs
from keystore.errors import CertificateError


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def check_root(cert: x509.Certificate) -> None:
    """A trust anchor: EC key, self-signed (name and signature), cA=TRUE, may sign certs."""
    certs.ec_public_key(certs.readable(cert))
    if cert.issuer != cert.subject:
        raise CertificateError(f"{_subject(cert)} is not a self-signed root")
    certs.check_chain_links([cert, cert])
    if not _is_ca(cert):
        raise CertificateError(f"{_subject(cert)} is not a CA certificate (basicConstraints cA)")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.key_cert_sign:
        raise CertificateError(f"{_subject(cert)} may not sign certificates (keyUsage)")


def _check_leaf(cert: x509.Certificate, what: str) -> None:
    if _is_ca(certs.readable(cert)):
        raise CertificateError(f"{_subject(cert)} is a CA certificate, not a {what} leaf")


def check_contract_leaf(cert: x509.Certificate) -> str:
    """A contract leaf: not a CA, CN an eMAID (ISO 15118-2 Annex H); returns the CN."""
    _check_leaf(cert, "contract")
    cn = certs.common_name(cert)
    try:
        Emaid.parse(cn)
    except IdentifierError as exc:
        raise CertificateError(f"contract CN {cn!r} is not an eMAID: {exc}") from None
    return cn


def check_provisioning_leaf(cert: x509.Certificate) -> None:
    """An OEM provisioning leaf: not a CA, CN a PCID."""
    _check_leaf(cert, "provisioning")
    try:
        Pcid.parse(certs.common_name(cert))
    except IdentifierError as exc:
        raise CertificateError(f"provisioning CN is not a PCID: {exc}") from None


def check_anchored(
    chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], what: str
) -> None:
    """The chain ends at one of ``roots`` or was issued by one (no roots: nothing to check)."""
    if not roots:
        return
    last = chain[-1]
    if any(certs.to_der(last) == certs.to_der(root) for root in roots):
        return
    for root in roots:
        try:
            last.verify_directly_issued_by(root)
        except (*PARSE_ERRORS, InvalidSignature):
            continue
        return
    raise CertificateError(
        f"{what} chain ending at {_subject(last)} is not issued by any trusted {what} root"
    )

"""Rule names, the violation record and safe accessors for the certificate profile checker.

cryptography parses names, extensions and keys lazily, so any accessor may raise on a malformed
certificate; :data:`PARSE_ERRORS` lists what the checker turns into a ``der_encoding`` report.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from evcc.pnc.cert_roles import Role

#: Rule name -> what it requires.
RULES: Mapping[str, str] = MappingProxyType({
    "der_encoding": "certificate and extensions are valid DER",
    "version": "X.509 version 3",
    "serial": "serial number positive and at most 20 bytes",
    "der_size": "DER size within the message schema (iso2: 800 B, iso20: 1600 B)",
    "key_rsa": "no RSA keys",
    "key_type": "EC key (iso2: secp256r1; iso20: secp521r1) or Ed448 (iso20 only)",
    "key_curve": "EC key on the profile's curve",
    "signature_algorithm": "ECDSA (or Ed448 for iso20) signature",
    "signature_hash": "ECDSA hash of the profile (iso2: SHA-256, iso20: SHA-512)",
    "basic_constraints": "basicConstraints present and critical",
    "leaf_ca": "leaf certificates have cA=FALSE",
    "ca_flag": "root and sub-CA certificates have cA=TRUE",
    "path_len": "pathLenConstraint: Sub-CA 1 = 1, Sub-CA 2 = 0, root absent or >= 2",
    "key_usage": "keyUsage present, critical, with the role's bits and no CA bits on leaves",
    "dc_missing": "subject holds a domainComponent (DC)",
    "dc_value": "DC of the role (SECC: CPO, CPS: CPS, OEM: OEM, contract: MO, CAs: V2G/OEM/MO)",
    "cn_missing": "subject holds a commonName",
    "contract_cn": "contract CN is an eMAID (ISO 15118-2 Annex H)",
    "pcid_cn": "OEM provisioning CN is a PCID",
    "ski": "subjectKeyIdentifier present",
    "aki": "authorityKeyIdentifier with keyIdentifier present (not on roots)",
    "aia_ocsp": "authorityInfoAccess with an OCSP URL (not on roots)",
    "root_self_signed": "root issuer equals subject and its signature verifies with its own key",
    "expired": "the checked time is not after notAfter",
    "not_yet_valid": "the checked time is not before notBefore",
    "validity_period": "validity period not longer than the role's maximum",
    "issuer_mismatch": "issuer name equals the subject of the next certificate in the chain",
    "aki_mismatch": "authorityKeyIdentifier equals the issuer's subjectKeyIdentifier",
    "signature_invalid": "signature verifies with the issuer's public key",
    "chain_length": "chain is leaf, Sub-CA 2, Sub-CA 1 [, root]",
    "anchor": "chain ends at one of the trusted roots passed in",
})



PARSE_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm, x509.DuplicateExtension)


@dataclass(frozen=True)
class Violation:
    """One broken rule: which certificate, which rule, why."""

    rule: str
    subject: str
    detail: str
    role: str | None = None

    def __str__(self) -> str:
        where = f"{self.role} " if self.role else ""
        return f"{self.rule}: {where}{self.subject}: {self.detail}"


class Report:
    """Collects the violations of one certificate, leaving out skipped rules."""

    def __init__(self, cert: x509.Certificate, role: Role | None, skip: Collection[str]) -> None:
        self.subject = subject_text(cert)
        self.role = role.value if role else None
        self.skip = skip
        self.items: list[Violation] = []

    def add(self, rule: str, detail: str) -> None:
        """Record ``rule`` (a key of :data:`RULES`) as violated."""
        if rule not in RULES:
            raise KeyError(f"unknown rule {rule}")
        if rule not in self.skip:
            self.items.append(Violation(rule, self.subject, detail, self.role))


def subject_text(cert: x509.Certificate) -> str:
    """RFC 4514 subject, or a placeholder when it does not parse."""
    return _name_text_of(lambda: cert.subject)


def name_text(name: x509.Name) -> str:
    """RFC 4514 form of ``name``, or a placeholder when it does not print."""
    return _name_text_of(lambda: name)


def _name_text_of(get: Callable[[], x509.Name]) -> str:
    try:
        return get().rfc4514_string()
    except (ValueError, TypeError):
        return "<unparseable name>"


def extension(
    cert: x509.Certificate, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType] | None:
    """The extension ``oid`` of ``cert``; None if absent or if the extensions do not parse."""
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension):
        return None


def attributes(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    """String values of the attributes ``oid`` in ``name``."""
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def key_id(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bytes | None:
    """Key identifier of the SKI or AKI extension ``oid``, None if absent."""
    ext = extension(cert, oid)
    if ext is None:
        return None
    value = ext.value
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    return None


def short(exc: BaseException) -> str:
    """An exception message cut to one readable line."""
    text = str(exc).replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."

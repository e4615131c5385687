"""The ISO 15118 certificate profile's rule names, the violation record and its collector."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography import x509

from evcc.x509.names import subject_text
from evcc.x509.profile_roles import Role

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


def short(exc: BaseException) -> str:
    """An exception message cut to one readable line."""
    text = str(exc).replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."

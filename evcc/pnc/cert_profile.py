"""Check certificates and chains against the ISO 15118-2 / -20 certificate profiles.

Every violated rule is reported as a :class:`Violation` with a stable rule name (see
:data:`RULES`); nothing is raised for a bad certificate. Time is passed in. Callers that
accept deviations of real-world PKIs pass the rule names to ``skip``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtensionOID,
    NameOID,
    SignatureAlgorithmOID,
)

from evcc.errors import IdentifierError, PkiError
from evcc.pnc.cert_roles import CHAINS, SPECS, Kind, Profile, Role, get_profile
from evcc.pnc.identifiers import Emaid, Pcid

#: Rule name -> what it requires.
RULES: dict[str, str] = {
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
}


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


def _subject(cert: x509.Certificate) -> str:
    try:
        return cert.subject.rfc4514_string()
    except (ValueError, TypeError):
        return "<unparseable subject>"


def _ext(
    cert: x509.Certificate, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType] | None:
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension):
        return None  # absent, or the extensions do not parse (reported as der_encoding)


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


class _Report:
    def __init__(self, cert: x509.Certificate, role: Role | None, skip: Collection[str]) -> None:
        self.subject = _subject(cert)
        self.role = role.value if role else None
        self.skip = skip
        self.items: list[Violation] = []

    def add(self, rule: str, detail: str) -> None:
        assert rule in RULES, rule
        if rule not in self.skip:
            self.items.append(Violation(rule, self.subject, detail, self.role))


def check_certificate(
    cert: x509.Certificate,
    role: Role | None,
    profile: str | Profile,
    *,
    now: datetime,
    skip: Collection[str] = (),
) -> list[Violation]:
    """Violations of ``cert`` in ``role`` (None: only role-independent rules)."""
    prof = get_profile(profile) if isinstance(profile, str) else profile
    report = _Report(cert, role, skip)
    # cryptography parses names, extensions and keys lazily: a part that does not parse is
    # reported once as der_encoding and the checks that need it are left out
    for part, access in (("subject", lambda: cert.subject), ("issuer", lambda: cert.issuer),
                         ("extensions", lambda: cert.extensions)):
        try:
            access()
        except _PARSE_ERRORS as exc:
            report.add("der_encoding", f"{part} is not valid DER: {_short(exc)}")
            if part != "extensions":
                return report.items
    checks: list[Callable[[], None]] = [
        lambda: _check_basics(cert, prof, report),
        lambda: _check_key_and_signature(cert, prof, report),
        lambda: _check_validity(cert, role, now, report),
    ]
    if role is not None:
        checks.append(lambda: _check_role(cert, role, report))
    else:
        checks.append(lambda: _check_any_dc(cert, report))
    for check in checks:
        try:
            check()
        except _PARSE_ERRORS as exc:
            report.add("der_encoding", f"certificate cannot be parsed: {_short(exc)}")
    return report.items


_PARSE_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm, x509.DuplicateExtension)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_basics(cert: x509.Certificate, prof: Profile, report: _Report) -> None:
    if cert.version is not x509.Version.v3:
        report.add("version", f"version is {cert.version.name}")
    serial = cert.serial_number
    if serial <= 0 or serial.bit_length() > 160:
        report.add("serial", f"serial {serial:#x} out of range")
    size = len(cert.public_bytes(Encoding.DER))
    if size > prof.max_der:
        report.add("der_size", f"{size} B DER exceeds {prof.max_der} B")


def _check_key_and_signature(cert: x509.Certificate, prof: Profile, report: _Report) -> None:
    try:
        key = cert.public_key()
    except UnsupportedAlgorithm as exc:
        report.add("key_type", f"unsupported key: {_short(exc)}")
        key = None
    if isinstance(key, rsa.RSAPublicKey):
        report.add("key_rsa", f"RSA-{key.key_size} key")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in prof.curves:
            report.add("key_curve", f"curve {key.curve.name}, profile {prof.name} needs "
                       f"{', '.join(sorted(prof.curves))}")
    elif isinstance(key, ed448.Ed448PublicKey):
        if not prof.ed448:
            report.add("key_type", f"Ed448 key not allowed in {prof.name}")
    elif key is not None:
        report.add("key_type", f"{type(key).__name__.removesuffix('PublicKey')} key")
    try:
        params = cert.signature_algorithm_parameters
    except UnsupportedAlgorithm:
        params = None
    if isinstance(params, ec.ECDSA):
        hash_name = getattr(params.algorithm, "name", "prehashed")
        if hash_name not in prof.hashes:
            report.add("signature_hash", f"ecdsa-with-{hash_name.upper()}, profile "
                       f"{prof.name} needs {', '.join(sorted(h.upper() for h in prof.hashes))}")
    elif cert.signature_algorithm_oid == SignatureAlgorithmOID.ED448:
        if not prof.ed448:
            report.add("signature_algorithm", f"Ed448 signature not allowed in {prof.name}")
    else:
        oid = cert.signature_algorithm_oid
        report.add("signature_algorithm",
                   f"signature algorithm {getattr(oid, '_name', oid.dotted_string)}")


def _check_validity(cert: x509.Certificate, role: Role | None, now: datetime,
                    report: _Report) -> None:
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if now > end:
        report.add("expired", f"expired {end.isoformat()}")
    if now < start:
        report.add("not_yet_valid", f"valid from {start.isoformat()}")
    if role is not None:
        limit = SPECS[role].max_days
        if limit is not None and end - start > timedelta(days=limit):
            report.add("validity_period",
                       f"{(end - start).days} days, {role.value} allows {limit}")


def _check_role(cert: x509.Certificate, role: Role, report: _Report) -> None:
    spec = SPECS[role]
    bc_ext = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    if bc_ext is None or not bc_ext.critical:
        report.add("basic_constraints", "missing" if bc_ext is None else "not critical")
    bc = bc_ext.value if bc_ext is not None else None
    is_ca = isinstance(bc, x509.BasicConstraints) and bc.ca
    path_len = bc.path_length if isinstance(bc, x509.BasicConstraints) else None
    if not spec.is_ca and is_ca:
        report.add("leaf_ca", "leaf has cA=TRUE")
    if spec.is_ca and not is_ca:
        report.add("ca_flag", f"{spec.kind.value} has cA=FALSE or no basicConstraints")
    if spec.kind is Kind.ROOT:
        if path_len is not None and path_len < 2:
            report.add("path_len", f"root pathLen {path_len} leaves no room for two sub-CAs")
    elif spec.is_ca and path_len != spec.path_len:
        report.add("path_len", f"pathLen {path_len}, {spec.kind.value} needs {spec.path_len}")
    _check_key_usage(cert, role, report)
    _check_names(cert, role, report)
    if _ext(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER) is None:
        report.add("ski", "no subjectKeyIdentifier")
    if spec.kind is Kind.ROOT:
        _check_self_signed(cert, report)
        return
    aki = _ext(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if aki is None or not isinstance(aki.value, x509.AuthorityKeyIdentifier) \
            or aki.value.key_identifier is None:
        report.add("aki", "no authorityKeyIdentifier keyIdentifier")
    aia = _ext(cert, ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    has_ocsp = aia is not None and isinstance(aia.value, x509.AuthorityInformationAccess) and any(
        d.access_method == AuthorityInformationAccessOID.OCSP for d in aia.value
    )
    if not has_ocsp:
        report.add("aia_ocsp", "no OCSP URL in authorityInfoAccess")


def _check_key_usage(cert: x509.Certificate, role: Role, report: _Report) -> None:
    spec = SPECS[role]
    ext = _ext(cert, ExtensionOID.KEY_USAGE)
    if ext is None or not isinstance(ext.value, x509.KeyUsage):
        report.add("key_usage", "no keyUsage")
        return
    usage = ext.value
    problems: list[str] = []
    if not ext.critical:
        problems.append("not critical")
    required = set(spec.key_usage)
    if isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        required |= spec.key_usage_ec
    missing = sorted(b for b in required if not getattr(usage, b))
    if missing:
        problems.append("missing " + ", ".join(missing))
    if not spec.is_ca:
        ca_bits = sorted(b for b in ("key_cert_sign", "crl_sign") if getattr(usage, b))
        if ca_bits:
            problems.append("CA bits on a leaf: " + ", ".join(ca_bits))
    if problems:
        report.add("key_usage", "; ".join(problems))


def _check_names(cert: x509.Certificate, role: Role, report: _Report) -> None:
    spec = SPECS[role]
    dcs = _attr(cert.subject, NameOID.DOMAIN_COMPONENT)
    if not dcs:
        report.add("dc_missing", f"no DC, {role.value} needs DC={spec.dc}")
    elif not any(dc.upper() in spec.dc_accepted for dc in dcs):
        report.add("dc_value", f"DC={','.join(dcs)}, {role.value} needs DC={spec.dc}")
    cns = _attr(cert.subject, NameOID.COMMON_NAME)
    if not cns:
        report.add("cn_missing", "no CN")
        return
    if role is Role.CONTRACT_LEAF:
        try:
            Emaid.parse(cns[0])
        except IdentifierError as exc:
            report.add("contract_cn", str(exc))
    elif role is Role.OEM_PROV_LEAF:
        try:
            Pcid.parse(cns[0])
        except IdentifierError as exc:
            report.add("pcid_cn", str(exc))


_KNOWN_DCS = frozenset({"V2G", "CPO", "CPS", "OEM", "MO"})


def _check_any_dc(cert: x509.Certificate, report: _Report) -> None:
    """Without a role: every certificate of the V2G PKI still carries a known DC."""
    dcs = _attr(cert.subject, NameOID.DOMAIN_COMPONENT)
    if not dcs:
        report.add("dc_missing", "no DC (role unknown)")
    elif not any(dc.upper() in _KNOWN_DCS for dc in dcs):
        report.add("dc_value", f"DC={','.join(dcs)} is none of {', '.join(sorted(_KNOWN_DCS))}")


def _check_self_signed(cert: x509.Certificate, report: _Report) -> None:
    if cert.issuer != cert.subject:
        report.add("root_self_signed", "issuer differs from subject")
        return
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError) as exc:
        report.add("root_self_signed", f"self-signature does not verify ({type(exc).__name__})")


def _key_id(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bytes | None:
    ext = _ext(cert, oid)
    if ext is None:
        return None
    value = ext.value
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    return None


def check_issued_by(child: x509.Certificate, issuer: x509.Certificate, *,
                    child_role: Role | None = None, skip: Collection[str] = ()) -> list[Violation]:
    """Violations of the link ``issuer`` → ``child``: names, key identifiers, signature."""
    report = _Report(child, child_role, skip)
    try:
        names_match = child.issuer == issuer.subject
    except _PARSE_ERRORS:
        return report.items  # unparseable names: check_certificate reports der_encoding
    if not names_match:
        report.add("issuer_mismatch", f"issuer {_name(child.issuer)} != {_subject(issuer)}")
    aki = _key_id(child, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    ski = _key_id(issuer, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if aki is not None and ski is not None and aki != ski:
        report.add("aki_mismatch", f"AKI {aki.hex()} != issuer SKI {ski.hex()}")
    try:
        child.verify_directly_issued_by(issuer)
    except InvalidSignature:
        report.add("signature_invalid", f"signature does not verify with {_subject(issuer)}")
    except _PARSE_ERRORS as exc:
        if names_match:
            report.add("signature_invalid",
                       f"cannot verify with {_subject(issuer)}: {_short(exc)}")
    return report.items


def _name(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except (ValueError, TypeError):
        return "<unprintable name>"


def chain_name_for(leaf: x509.Certificate) -> str | None:
    """Chain (cpo, cps, oem, mo) suggested by the leaf's DC or CN, None if unclear."""
    try:
        return _chain_name_for(leaf)
    except _PARSE_ERRORS:
        return None


def _chain_name_for(leaf: x509.Certificate) -> str | None:
    by_dc = {"CPO": "cpo", "CPS": "cps", "OEM": "oem", "MO": "mo"}
    for dc in _attr(leaf.subject, NameOID.DOMAIN_COMPONENT):
        if dc.upper() in by_dc:
            return by_dc[dc.upper()]
    for cn in _attr(leaf.subject, NameOID.COMMON_NAME):
        for name, parser in (("mo", Emaid.parse), ("oem", Pcid.parse)):
            try:
                parser(cn)
            except IdentifierError:
                continue
            return name
    return None


def check_chain(
    certs: Sequence[x509.Certificate],
    profile: str | Profile,
    *,
    now: datetime,
    chain: str | None = None,
    skip: Collection[str] = (),
) -> list[Violation]:
    """Violations of a chain given leaf first: leaf, Sub-CA 2, Sub-CA 1 and optionally the root.

    ``chain`` (cpo, cps, oem, mo) fixes the roles; by default it follows from the leaf.
    """
    if not certs:
        raise PkiError("empty certificate chain")
    name = chain or chain_name_for(certs[0])
    if name is not None and name not in CHAINS:
        raise PkiError(f"unknown chain {name!r}; choose one of {', '.join(CHAINS)}")
    roles: list[Role | None] = (
        list(reversed(CHAINS[name])) if name is not None else [None] * 4
    )
    violations: list[Violation] = []
    if len(certs) not in (3, 4):
        violations.append(Violation("chain_length", _subject(certs[0]),
                                    f"{len(certs)} certificates, expected 3 or 4",
                                    roles[0].value if roles[0] else None))
    for index, cert in enumerate(certs):
        role = roles[index] if index < len(roles) else None
        violations += check_certificate(cert, role, profile, now=now, skip=skip)
        if index + 1 < len(certs):
            violations += check_issued_by(cert, certs[index + 1], child_role=role, skip=skip)
    return [v for v in violations if v.rule not in skip]


def infer_role(cert: x509.Certificate) -> Role | None:
    """Best guess of ``cert``'s role from DC, CN, CA flag and pathLen (leaf names win)."""
    try:
        return _infer_role(cert)
    except _PARSE_ERRORS:
        return None


def _infer_role(cert: x509.Certificate) -> Role | None:
    dcs = {dc.upper() for dc in _attr(cert.subject, NameOID.DOMAIN_COMPONENT)}
    cns = _attr(cert.subject, NameOID.COMMON_NAME)
    if dcs & {"CPO", "CPS"}:
        return Role.SECC_LEAF if "CPO" in dcs else Role.CPS_LEAF
    for role, parser, dc in ((Role.CONTRACT_LEAF, Emaid.parse, "MO"),
                             (Role.OEM_PROV_LEAF, Pcid.parse, "OEM")):
        if cns and (not dcs or dc in dcs):
            try:
                parser(cns[0])
            except IdentifierError:
                continue
            return role
    ext = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    bc = ext.value if ext is not None and isinstance(ext.value, x509.BasicConstraints) else None
    if bc is not None and bc.ca:
        family = "oem" if "OEM" in dcs else "mo" if "MO" in dcs else "cpo"
        if cert.issuer == cert.subject:
            return CHAINS[family][0]
        return CHAINS[family][1] if bc.path_length == 1 else CHAINS[family][2]
    name = chain_name_for(cert)
    return CHAINS[name][3] if name is not None else None

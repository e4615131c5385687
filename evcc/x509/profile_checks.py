"""The per-certificate rules of the ISO 15118-2 / -20 certificate profiles."""

from __future__ import annotations

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

from evcc.errors import IdentifierError
from evcc.x509.extensions import extension
from evcc.x509.identifiers import Emaid, Pcid
from evcc.x509.names import attributes
from evcc.x509.profile_roles import SPECS, Kind, Profile, Role
from evcc.x509.profile_rules import Report, short


def check_basics(cert: x509.Certificate, prof: Profile, report: Report) -> None:
    """Version, serial number range and DER size."""
    if cert.version is not x509.Version.v3:
        report.add("version", f"version is {cert.version.name}")
    serial = cert.serial_number
    if serial <= 0 or serial.bit_length() > 160:
        report.add("serial", f"serial {serial:#x} out of range")
    size = len(cert.public_bytes(Encoding.DER))
    if size > prof.max_der:
        report.add("der_size", f"{size} B DER exceeds {prof.max_der} B")


def check_key_and_signature(cert: x509.Certificate, prof: Profile, report: Report) -> None:
    """Key type/curve and signature algorithm/hash of the profile."""
    try:
        key = cert.public_key()
    except UnsupportedAlgorithm as exc:
        report.add("key_type", f"unsupported key: {short(exc)}")
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


def check_validity(cert: x509.Certificate, role: Role | None, now: datetime,
                    report: Report) -> None:
    """Validity window at ``now`` and the role's maximum period."""
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


def check_role(cert: x509.Certificate, role: Role, report: Report) -> None:
    """basicConstraints, keyUsage, names, key identifiers and AIA of ``role``."""
    spec = SPECS[role]
    bc_ext = extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
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
    check_key_usage(cert, role, report)
    check_names(cert, role, report)
    if extension(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER) is None:
        report.add("ski", "no subjectKeyIdentifier")
    if spec.kind is Kind.ROOT:
        check_self_signed(cert, report)
        return
    aki = extension(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if aki is None or not isinstance(aki.value, x509.AuthorityKeyIdentifier) \
            or aki.value.key_identifier is None:
        report.add("aki", "no authorityKeyIdentifier keyIdentifier")
    aia = extension(cert, ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    has_ocsp = aia is not None and isinstance(aia.value, x509.AuthorityInformationAccess) and any(
        d.access_method == AuthorityInformationAccessOID.OCSP for d in aia.value
    )
    if not has_ocsp:
        report.add("aia_ocsp", "no OCSP URL in authorityInfoAccess")


def check_key_usage(cert: x509.Certificate, role: Role, report: Report) -> None:
    """keyUsage present, critical, with the role's bits and no CA bits on a leaf."""
    spec = SPECS[role]
    ext = extension(cert, ExtensionOID.KEY_USAGE)
    if ext is None or not isinstance(ext.value, x509.KeyUsage):
        report.add("key_usage", "no keyUsage")
        return
    usage = ext.value
    problems: list[str] = []
    if not ext.critical:
        problems.append("not critical")
    try:
        is_ec = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    except UnsupportedAlgorithm:
        is_ec = False
    required = spec.required_usage(is_ec)
    missing = sorted(b for b in required if not getattr(usage, b))
    if missing:
        problems.append("missing " + ", ".join(missing))
    if not spec.is_ca:
        ca_bits = sorted(b for b in ("key_cert_sign", "crl_sign") if getattr(usage, b))
        if ca_bits:
            problems.append("CA bits on a leaf: " + ", ".join(ca_bits))
    if problems:
        report.add("key_usage", "; ".join(problems))


def check_names(cert: x509.Certificate, role: Role, report: Report) -> None:
    """DC of the role; CN present, an eMAID for contracts and a PCID for OEM leaves."""
    spec = SPECS[role]
    dcs = attributes(cert.subject, NameOID.DOMAIN_COMPONENT)
    if not dcs:
        report.add("dc_missing", f"no DC, {role.value} needs DC={spec.dc}")
    elif not any(dc.upper() in spec.dc_accepted for dc in dcs):
        report.add("dc_value", f"DC={','.join(dcs)}, {role.value} needs DC={spec.dc}")
    cns = attributes(cert.subject, NameOID.COMMON_NAME)
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


def check_any_dc(cert: x509.Certificate, report: Report) -> None:
    """Without a role: every certificate of the V2G PKI still carries a known DC."""
    dcs = attributes(cert.subject, NameOID.DOMAIN_COMPONENT)
    if not dcs:
        report.add("dc_missing", "no DC (role unknown)")
    elif not any(dc.upper() in _KNOWN_DCS for dc in dcs):
        report.add("dc_value", f"DC={','.join(dcs)} is none of {', '.join(sorted(_KNOWN_DCS))}")


def check_self_signed(cert: x509.Certificate, report: Report) -> None:
    """A root names itself as issuer and its signature verifies with its own key."""
    if cert.issuer != cert.subject:
        report.add("root_self_signed", "issuer differs from subject")
        return
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError) as exc:
        report.add("root_self_signed", f"self-signature does not verify ({type(exc).__name__})")

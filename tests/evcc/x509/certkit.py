"""Build certificates that break one profile rule, issued from a generated test PKI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from evcc.bench.pki import PkiManifest
from evcc.x509.profile_roles import SPECS, Role

#: The time every certificate of these tests is made and checked at (fixed, not the wall clock).
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
KEEP: Any = object()


@dataclass
class Variant:
    """What to change relative to a well-formed certificate of a role."""

    key: Any = None  # public key; default: fresh key on the PKI's curve
    hash_alg: Any = KEEP  # signing hash
    ca: Any = KEEP
    path_len: Any = KEEP
    dc: Any = KEEP  # None: omit DC
    cn: Any = KEEP
    key_usage: Any = KEEP  # dict of bits, or None to omit
    not_before: datetime | None = None
    not_after: datetime | None = None
    issuer_name: x509.Name | None = None
    aki: bytes | None = None
    aia: bool = True
    extra: list[Any] = field(default_factory=list)


def fresh_key(profile: str) -> ec.EllipticCurvePrivateKey:
    curve: ec.EllipticCurve = ec.SECP256R1() if profile == "iso2" else ec.SECP521R1()
    return ec.generate_private_key(curve)


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_cert(pki: PkiManifest, role: Role, v: Variant | None = None) -> x509.Certificate:
    """A certificate of ``role`` issued by the PKI's real issuer, changed as ``v`` says."""
    v = v or Variant()
    spec = SPECS[role]
    good = pki.cert(role)
    issuer_role = spec.issuer or role
    issuer_key = pki.key(issuer_role)
    issuer_cert = pki.cert(issuer_role)
    public_key = v.key if v.key is not None else fresh_key(pki.profile).public_key()
    if spec.issuer is None:  # a root signs itself with its own (new) key
        own = fresh_key(pki.profile)
        public_key, issuer_key = own.public_key(), own

    replaced = (NameOID.DOMAIN_COMPONENT, NameOID.COMMON_NAME)
    attrs = [a for a in good.subject if a.oid not in replaced]
    cn = good.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value if v.cn is KEEP else v.cn
    if cn is not None:
        attrs.insert(0, x509.NameAttribute(NameOID.COMMON_NAME, str(cn)))
    dc = spec.dc if v.dc is KEEP else v.dc
    if dc is not None:
        attrs.append(x509.NameAttribute(NameOID.DOMAIN_COMPONENT, dc))
    subject = x509.Name(attrs)

    ca = spec.is_ca if v.ca is KEEP else v.ca
    path_len = spec.path_len if v.path_len is KEEP else v.path_len
    if v.key_usage is KEEP:
        ku: x509.KeyUsage | None = good.extensions.get_extension_for_class(x509.KeyUsage).value
    elif v.key_usage is None:
        ku = None
    else:
        bits = dict.fromkeys(
            ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
            False,
        )
        bits.update(v.key_usage)
        ku = x509.KeyUsage(**bits)
    not_before = v.not_before or good.not_valid_before_utc
    not_after = v.not_after or good.not_valid_after_utc
    issuer_name = v.issuer_name or (subject if spec.issuer is None else issuer_cert.subject)

    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len if ca else None),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if ku is not None:
        builder = builder.add_extension(ku, critical=True)
    if spec.issuer is not None:
        aki = v.aki or x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key()).digest
        builder = builder.add_extension(x509.AuthorityKeyIdentifier(aki, None, None),
                                        critical=False)
        if v.aia:
            builder = builder.add_extension(x509.AuthorityInformationAccess([
                x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                       x509.UniformResourceIdentifier("http://ocsp.test/"))
            ]), critical=False)
    for ext in v.extra:
        builder = builder.add_extension(ext, critical=False)
    if isinstance(issuer_key, ed448.Ed448PrivateKey):
        algorithm = None
    elif v.hash_alg is KEEP:
        algorithm = hashes.SHA256() if pki.profile == "iso2" else hashes.SHA512()
    else:
        algorithm = v.hash_alg
    return builder.sign(issuer_key, algorithm)


def past(days: int) -> datetime:
    return NOW - timedelta(days=days)

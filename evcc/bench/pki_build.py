"""Build single certificates of the bench test PKI from the role table.

Pure functions: keys, subject names and certificates are made in memory from the profile,
the role and the time passed in; :mod:`evcc.bench.pki` writes them to disk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from evcc.x509.profile_roles import SPECS, Profile, Role

PrivateKey = ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed448.Ed448PublicKey

ORGANIZATION = "pnc-evcc Test PKI"
COUNTRY = "DE"
#: Clock skew allowance: certificates start this long before ``now``.
BACKDATE = timedelta(hours=1)

_CURVES: dict[str, Callable[[], ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "secp521r1": ec.SECP521R1,
}
_SigningHash = hashes.SHA256 | hashes.SHA512
_HASHES: dict[str, Callable[[], _SigningHash]] = {
    "sha256": hashes.SHA256,
    "sha512": hashes.SHA512,
}


def generate_key(profile: Profile, *, ed448_keys: bool) -> PrivateKey:
    """A fresh private key of the profile's algorithm."""
    if ed448_keys:
        return ed448.Ed448PrivateKey.generate()
    (curve,) = profile.curves
    return ec.generate_private_key(_CURVES[curve]())


def signature_hash(profile: Profile, issuer_key: PrivateKey) -> _SigningHash | None:
    """Hash for signing with ``issuer_key`` (None for Ed448, which hashes internally)."""
    if isinstance(issuer_key, ed448.Ed448PrivateKey):
        return None
    (name,) = profile.hashes
    return _HASHES[name]()


def subject_name(role: Role, common_name: str | None = None) -> x509.Name:
    """Subject of ``role``: CN, O, C and the role's domain component."""
    spec = SPECS[role]
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name or spec.common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.DOMAIN_COMPONENT, spec.dc),
        ]
    )


def ocsp_url(role: Role) -> str:
    """OCSP responder URL placed in the AIA extension of certificates issued in ``role``'s chain."""
    return f"http://ocsp.{SPECS[role].chain}.pnc-evcc.test/"


def key_usage(role: Role, public_key: PublicKey) -> x509.KeyUsage:
    """keyUsage of ``role``; keyAgreement only where the key can do ECDH."""
    bits = SPECS[role].required_usage(isinstance(public_key, ec.EllipticCurvePublicKey))
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
    )
    flags = {name: name in bits for name in names}
    return x509.KeyUsage(**flags, encipher_only=False, decipher_only=False)


def build_certificate(
    *,
    profile: Profile,
    role: Role,
    subject: x509.Name,
    public_key: PublicKey,
    issuer_name: x509.Name,
    issuer_key: PrivateKey,
    serial: int,
    now: datetime,
    days: int,
) -> x509.Certificate:
    """Issue the certificate of ``role`` for ``public_key``, signed by ``issuer_key``."""
    spec = SPECS[role]
    not_before = now.replace(microsecond=0) - BACKDATE
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    issuer_ski = x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=spec.is_ca, path_length=spec.path_len),
                       critical=True)
        .add_extension(key_usage(role, public_key), critical=True)
        .add_extension(ski, critical=False)
    )
    if spec.issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier(issuer_ski.digest, None, None), critical=False
        ).add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(ocsp_url(role)),
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, signature_hash(profile, issuer_key))

"""Certificate and signature helpers shared by both backends (no key material handled here)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

from evcc.pnc.cert_rules import PARSE_ERRORS
from keystore.errors import CertificateError, UnsupportedError

CURVES: dict[str, ec.EllipticCurve] = {"secp256r1": ec.SECP256R1(), "secp521r1": ec.SECP521R1()}
_HASH_BY_LEN: dict[int, hashes.HashAlgorithm] = {
    32: hashes.SHA256(),
    48: hashes.SHA384(),
    64: hashes.SHA512(),
}


def curve_size(curve: str) -> int:
    """Byte length of a coordinate / scalar on ``curve``."""
    return (CURVES[curve].key_size + 7) // 8


def curve_of(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> str:
    """Curve name of ``key``, restricted to the curves ISO 15118 uses."""
    name = key.curve.name
    if name not in CURVES:
        raise UnsupportedError(f"curve {name} is not used by ISO 15118 (P-256 or P-521)")
    return name


def hash_for_digest(digest: bytes) -> hashes.HashAlgorithm:
    """The hash a pre-computed digest came from, by its length (SHA-256/384/512)."""
    try:
        return _HASH_BY_LEN[len(digest)]
    except KeyError:
        raise UnsupportedError(
            f"digest of {len(digest)} bytes; expected 32, 48 or 64 (SHA-256/384/512)"
        ) from None


def der_to_raw(signature: bytes, curve: str) -> bytes:
    """DER ECDSA signature -> fixed-width r||s."""
    r, s = decode_dss_signature(signature)
    size = curve_size(curve)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def raw_to_der(signature: bytes) -> bytes:
    """Fixed-width r||s -> DER ECDSA signature."""
    half = len(signature) // 2
    return encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or more) or a single DER blob."""
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except (ValueError, x509.InvalidVersion) as exc:
        raise CertificateError(f"not a certificate: {exc}") from exc
    if not certs:
        raise CertificateError("no certificate found")
    return [readable(c) for c in certs]


def parse_der(der: bytes) -> x509.Certificate:
    """One DER certificate, with a typed error."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:
        raise CertificateError(f"not a DER certificate: {exc}") from exc
    return readable(cert)


def readable(cert: x509.Certificate) -> x509.Certificate:
    """``cert`` once every part the keystore reads has parsed; CertificateError otherwise.

    cryptography parses names, keys and extensions lazily: without this a malformed part
    would raise an untyped error deep inside a check.
    """
    try:
        cert.subject.rfc4514_string()
        cert.issuer.rfc4514_string()
        cert.public_key()
        _ = cert.extensions, cert.not_valid_before_utc, cert.not_valid_after_utc
        _ = cert.signature_hash_algorithm
    except PARSE_ERRORS as exc:
        raise CertificateError(f"certificate part not readable: {exc}") from None
    return cert


def to_der(cert: x509.Certificate) -> bytes:
    """DER encoding of ``cert``."""
    return cert.public_bytes(serialization.Encoding.DER)


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint (hex) of a DER certificate."""
    return hashlib.sha256(der).hexdigest()


def ec_public_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    """The EC public key of ``cert``; other key types are refused."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise CertificateError(f"{cert.subject.rfc4514_string()}: not an EC key")
    curve_of(key)
    return key


def same_public_key(a: ec.EllipticCurvePublicKey, b: ec.EllipticCurvePublicKey) -> bool:
    """True if both keys are the same point on the same curve."""
    point = serialization.PublicFormat.UncompressedPoint
    enc = serialization.Encoding.X962
    return a.curve.name == b.curve.name and a.public_bytes(enc, point) == b.public_bytes(enc, point)


def common_name(cert: x509.Certificate) -> str:
    """The subject CN of ``cert`` (empty string if there is none)."""
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = attrs[0].value if attrs else ""
    return value if isinstance(value, str) else value.decode(errors="replace")


def display_name(cert: x509.Certificate) -> str:
    """The subject CN of ``cert`` for messages, else its whole subject."""
    return common_name(cert) or cert.subject.rfc4514_string()


def normalize_emaid(emaid: str) -> str:
    """eMAID for comparison: separators removed, upper-case."""
    return emaid.replace("-", "").replace(" ", "").upper()


def check_chain_links(chain: Sequence[x509.Certificate]) -> None:
    """Each certificate must be signed by the next one (leaf first)."""
    for child, parent in itertools.pairwise(chain):
        try:
            child.verify_directly_issued_by(parent)
        except (*PARSE_ERRORS, InvalidSignature) as exc:
            raise CertificateError(
                f"{child.subject.rfc4514_string()} is not issued by "
                f"{parent.subject.rfc4514_string()}: {exc}"
            ) from exc


def peer_point(peer: ec.EllipticCurvePublicKey | bytes, curve: str) -> ec.EllipticCurvePublicKey:
    """A peer public key given as a key object or an uncompressed point (04||X||Y)."""
    if isinstance(peer, ec.EllipticCurvePublicKey):
        key = peer
    else:
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[curve], bytes(peer))
        except ValueError as exc:
            raise CertificateError(f"peer public key is not a point on {curve}") from exc
    if key.curve.name != curve:
        raise UnsupportedError(f"peer key on {key.curve.name}, own key on {curve}")
    return key

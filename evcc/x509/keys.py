"""Public keys: the curves ISO 15118 uses, a certificate's EC key, a peer's point."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.errors import X509Error, X509UnsupportedError

CURVES: dict[str, ec.EllipticCurve] = {"secp256r1": ec.SECP256R1(), "secp521r1": ec.SECP521R1()}


def curve_size(curve: str) -> int:
    """Byte length of a coordinate / scalar on ``curve``."""
    return (CURVES[curve].key_size + 7) // 8


def curve_of(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> str:
    """Curve name of ``key``, restricted to the curves ISO 15118 uses."""
    name = key.curve.name
    if name not in CURVES:
        raise X509UnsupportedError(f"curve {name} is not used by ISO 15118 (P-256 or P-521)")
    return name


def ec_public_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    """The EC public key of ``cert``; other key types are refused."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise X509Error(f"{cert.subject.rfc4514_string()}: not an EC key")
    curve_of(key)
    return key


def same_public_key(a: ec.EllipticCurvePublicKey, b: ec.EllipticCurvePublicKey) -> bool:
    """True if both keys are the same point on the same curve."""
    point = serialization.PublicFormat.UncompressedPoint
    enc = serialization.Encoding.X962
    return a.curve.name == b.curve.name and a.public_bytes(enc, point) == b.public_bytes(enc, point)


def peer_point(peer: ec.EllipticCurvePublicKey | bytes, curve: str) -> ec.EllipticCurvePublicKey:
    """A peer public key given as a key object or an uncompressed point (04||X||Y)."""
    if isinstance(peer, ec.EllipticCurvePublicKey):
        key = peer
    else:
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[curve], bytes(peer))
        except ValueError as exc:
            raise X509Error(f"peer public key is not a point on {curve}") from exc
    if key.curve.name != curve:
        raise X509UnsupportedError(f"peer key on {key.curve.name}, own key on {curve}")
    return key

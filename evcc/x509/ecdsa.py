"""ECDSA signature forms: which hash a digest came from, raw r||s <-> DER."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from evcc.errors import X509Error, X509UnsupportedError
from evcc.x509.keys import curve_size

_HASH_BY_LEN: dict[int, hashes.HashAlgorithm] = {
    32: hashes.SHA256(),
    48: hashes.SHA384(),
    64: hashes.SHA512(),
}


def hash_for_digest(digest: bytes) -> hashes.HashAlgorithm:
    """The hash a pre-computed digest came from, by its length (SHA-256/384/512)."""
    try:
        return _HASH_BY_LEN[len(digest)]
    except KeyError:
        raise X509UnsupportedError(
            f"digest of {len(digest)} bytes; expected 32, 48 or 64 (SHA-256/384/512)"
        ) from None


def der_to_raw(signature: bytes, curve: str) -> bytes:
    """DER ECDSA signature -> fixed-width r||s (the XMLDSig SignatureValue)."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError as exc:
        raise X509Error(f"not a DER ECDSA signature: {exc}") from None
    size = curve_size(curve)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def raw_to_der(signature: bytes) -> bytes:
    """Fixed-width r||s -> DER ECDSA signature."""
    half = len(signature) // 2
    return encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )

"""PKCS#10 request built around an external signer, so the private key never leaves its store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from keystore.errors import CertificateError

#: DER of the AlgorithmIdentifier for ecdsa-with-SHA256 / ecdsa-with-SHA512 (no parameters).
_SIG_ALG = {
    "secp256r1": (bytes.fromhex("300a06082a8648ce3d040302"), hashlib.sha256),
    "secp521r1": (bytes.fromhex("300a06082a8648ce3d040304"), hashlib.sha512),
}


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(body)) + body


def build_csr(
    common_name: str,
    public_key: ec.EllipticCurvePublicKey,
    sign_digest: Callable[[bytes], bytes],
) -> x509.CertificateSigningRequest:
    """A CSR with subject CN=``common_name``; ``sign_digest`` returns a DER ECDSA signature.

    The hash is SHA-256 for P-256 and SHA-512 for P-521 keys. The result is self-verified.
    """
    curve = public_key.curve.name
    if curve not in _SIG_ALG:
        raise CertificateError(f"no CSR signature algorithm for curve {curve}")
    alg_id, hash_fn = _SIG_ALG[curve]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    info = _tlv(
        0x30,
        _tlv(0x02, b"\x00") + name.public_bytes() + spki + _tlv(0xA0, b""),
    )
    signature = sign_digest(hash_fn(info).digest())
    der = _tlv(0x30, info + alg_id + _tlv(0x03, b"\x00" + signature))
    csr = x509.load_der_x509_csr(der)
    if not csr.is_signature_valid:
        raise CertificateError("CSR signature made by the key store does not verify")
    return csr

"""Certificates and CSRs in (PEM, one or more, or DER) and out (DER, fingerprints).

cryptography parses names, extensions and keys lazily, so any accessor may raise on a
malformed certificate: :data:`PARSE_ERRORS` lists what that can be, and :func:`readable`
touches every part once so that a bad one fails here with a typed error.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from evcc.errors import X509Error

#: What cryptography's lazy accessors raise on malformed input.
PARSE_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm, x509.DuplicateExtension)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or more) or a single DER blob, each :func:`readable`."""
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except (ValueError, x509.InvalidVersion) as exc:
        raise X509Error(f"not a certificate: {exc}") from exc
    if not certs:
        raise X509Error("no certificate found")
    return [readable(c) for c in certs]


def load_csr(data: bytes) -> x509.CertificateSigningRequest:
    """A certificate signing request from PEM or DER."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_csr(data)
        return x509.load_der_x509_csr(data)
    except ValueError:
        raise X509Error("not a PEM or DER certificate signing request") from None


def parse_der(der: bytes) -> x509.Certificate:
    """One DER certificate, :func:`readable`."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:
        raise X509Error(f"not a DER certificate: {exc}") from exc
    return readable(cert)


def readable(cert: x509.Certificate) -> x509.Certificate:
    """``cert`` once every part the project reads has parsed; X509Error otherwise."""
    try:
        cert.subject.rfc4514_string()
        cert.issuer.rfc4514_string()
        cert.public_key()
        _ = cert.extensions, cert.not_valid_before_utc, cert.not_valid_after_utc
        _ = cert.signature_hash_algorithm
    except PARSE_ERRORS as exc:
        raise X509Error(f"certificate part not readable: {exc}") from None
    return cert


def to_der(cert: x509.Certificate) -> bytes:
    """DER encoding of ``cert``."""
    return cert.public_bytes(serialization.Encoding.DER)


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint (hex) of a DER certificate."""
    return hashlib.sha256(der).hexdigest()

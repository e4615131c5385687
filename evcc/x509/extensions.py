"""Extensions: lookup that tolerates malformed certificates, key identifiers, the CA flag."""

from __future__ import annotations

from cryptography import x509


def extension(
    cert: x509.Certificate, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType] | None:
    """The extension ``oid`` of ``cert``; None if absent or if the extensions do not parse."""
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension):
        return None


def key_id(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bytes | None:
    """Key identifier of the SKI or AKI extension ``oid``, None if absent."""
    ext = extension(cert, oid)
    if ext is None:
        return None
    value = ext.value
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    return None


def is_ca(cert: x509.Certificate) -> bool:
    """True if basicConstraints says cA=TRUE."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False

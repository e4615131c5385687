"""Names: subject and issuer text for messages, CN and DC attributes."""

from __future__ import annotations

from collections.abc import Callable

from cryptography import x509
from cryptography.x509.oid import NameOID


def common_name(cert: x509.Certificate) -> str:
    """The subject CN of ``cert`` (empty string if there is none)."""
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = attrs[0].value if attrs else ""
    return value if isinstance(value, str) else value.decode(errors="replace")


def display_name(cert: x509.Certificate) -> str:
    """The subject CN of ``cert`` for messages, else its whole subject."""
    return common_name(cert) or cert.subject.rfc4514_string()


def attributes(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    """String values of the attributes ``oid`` (e.g. ``NameOID.DOMAIN_COMPONENT``) in ``name``."""
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def subject_text(cert: x509.Certificate) -> str:
    """RFC 4514 subject, or a placeholder when it does not parse."""
    return _name_text_of(lambda: cert.subject)


def name_text(name: x509.Name) -> str:
    """RFC 4514 form of ``name``, or a placeholder when it does not print."""
    return _name_text_of(lambda: name)


def _name_text_of(get: Callable[[], x509.Name]) -> str:
    try:
        return get().rfc4514_string()
    except (ValueError, TypeError):
        return "<unparseable name>"

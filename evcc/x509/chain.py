"""Chains: put certificates in order, verify each link, the root and the anchoring.

These checks raise :class:`X509Error` naming the certificate; the profile checker
(:mod:`evcc.x509.profile`) reports rule violations instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtensionOID

from evcc.errors import X509Error
from evcc.x509.extensions import is_ca, key_id
from evcc.x509.keys import ec_public_key
from evcc.x509.parse import PARSE_ERRORS, readable, to_der


def order_chain(certs: Sequence[x509.Certificate]) -> list[x509.Certificate] | None:
    """``certs`` leaf first if they form one chain, else None.

    A certificate's parent is the one named by its issuer or, failing that, the one whose
    subjectKeyIdentifier equals its authorityKeyIdentifier, so that a broken name or key
    identifier still yields the chain and a chain check reports the broken link.
    """

    def parent(cert: x509.Certificate) -> x509.Certificate | None:
        others = [c for c in certs if c is not cert]
        named = [c for c in others if c.subject == cert.issuer]
        if named:
            return named[0]
        aki = key_id(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        keyed = [c for c in others if aki is not None and
                 key_id(c, ExtensionOID.SUBJECT_KEY_IDENTIFIER) == aki]
        return keyed[0] if keyed else None

    try:
        parents = {id(c): parent(c) for c in certs}
    except (ValueError, TypeError):  # unparseable names: no order to find
        return None
    has_child = {id(p) for p in parents.values() if p is not None}
    leaves = [c for c in certs if id(c) not in has_child]
    if len(leaves) != 1:
        return None
    chain = [leaves[0]]
    while (up := parents[id(chain[-1])]) is not None and len(chain) <= len(certs):
        chain.append(up)
    return chain if len(chain) == len(certs) else None


def check_links(chain: Sequence[x509.Certificate]) -> None:
    """Each certificate must be signed by the next one (leaf first)."""
    for child, parent in itertools.pairwise(chain):
        try:
            child.verify_directly_issued_by(parent)
        except (*PARSE_ERRORS, InvalidSignature) as exc:
            raise X509Error(
                f"{child.subject.rfc4514_string()} is not issued by "
                f"{parent.subject.rfc4514_string()}: {exc}"
            ) from exc


def check_root(cert: x509.Certificate) -> None:
    """A trust anchor: EC key, self-signed (name and signature), cA=TRUE, may sign certs."""
    ec_public_key(readable(cert))
    subject = cert.subject.rfc4514_string()
    if cert.issuer != cert.subject:
        raise X509Error(f"{subject} is not a self-signed root")
    check_links([cert, cert])
    if not is_ca(cert):
        raise X509Error(f"{subject} is not a CA certificate (basicConstraints cA)")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.key_cert_sign:
        raise X509Error(f"{subject} may not sign certificates (keyUsage)")


def check_anchored(
    chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], what: str
) -> None:
    """The chain ends at one of ``roots`` or was issued by one (no roots: nothing to check).

    ``what`` names the PKI in the error (``MO``, ``OEM``).
    """
    if not roots:
        return
    last = chain[-1]
    if any(to_der(last) == to_der(root) for root in roots):
        return
    for root in roots:
        try:
            last.verify_directly_issued_by(root)
        except (*PARSE_ERRORS, InvalidSignature):
            continue
        return
    raise X509Error(
        f"{what} chain ending at {last.subject.rfc4514_string()} is not issued by any "
        f"trusted {what} root"
    )

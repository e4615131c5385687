"""TLS 1.2 for ISO 15118-2 as the EV: the client context and the checks after the handshake.

The SECC chain must end in one of the V2G roots held by the keystore (any of several);
OpenSSL checks signatures, validity and the CA constraints of the chain. After the handshake
the verified chain is checked against the ISO 15118-2 certificate profile: the leaf as an
SECC certificate (key usage, DC=CPO, validity at ``now``), at most two sub-CAs. There is no
hostname check (the SECC is found by SDP, not by name). TLS secrets go to a key log only when
one is asked for (``keylog``, NSS format for Wireshark).
"""

from __future__ import annotations

import _ssl
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from evcc.x509.profile import check_certificate
from evcc.x509.profile_roles import Role

__all__ = ["ISO2_CIPHERS", "TlsRefusal", "check_secc_chain", "client_context", "refusal_of"]

#: ISO 15118-2 Table 6: ECDHE-ECDSA with AES-128-CBC-SHA256; the GCM suite when the SECC
#: offers it. Listed in our order of preference.
ISO2_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256"
MAX_SUB_CAS = 2
#: Profile rules whose violation by the SECC leaf refuses the connection: what makes the
#: certificate an SECC's (key usage, not a CA, DC=CPO, the -2 key) and valid now.
SECC_MUST = frozenset({"der_encoding", "key_type", "key_curve", "leaf_ca", "key_usage",
                       "dc_missing", "dc_value", "expired", "not_yet_valid"})
# OpenSSL X509_V_ERR_* codes with a reason of their own
_VERIFY_REASONS = {
    9: "tls_secc_certificate_not_yet_valid",  # X509_V_ERR_CERT_NOT_YET_VALID
    10: "tls_secc_certificate_expired",  # X509_V_ERR_CERT_HAS_EXPIRED
    25: "tls_secc_chain_too_long",  # X509_V_ERR_PATH_LENGTH_EXCEEDED
}


@dataclass(frozen=True, slots=True)
class TlsRefusal:
    """Why the EV refuses the SECC's TLS: a stable reason and words for people."""

    reason: str
    detail: str


def client_context(roots: Sequence[x509.Certificate], *, keylog: Path | None = None
                   ) -> ssl.SSLContext:
    """An SSLContext for ISO 15118-2: TLS 1.2 only, the -2 suites, trust = ``roots``."""
    if not roots:
        raise ValueError("no V2G root certificate to trust: add one to the keystore")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(ISO2_CIPHERS)
    ctx.set_ecdh_curve("prime256v1")
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata="".join(
        root.public_bytes(Encoding.PEM).decode("ascii") for root in roots))
    ctx.options |= ssl.OP_NO_TICKET | ssl.OP_NO_RENEGOTIATION
    if keylog is not None:
        ctx.keylog_filename = str(keylog)
    return ctx


def verified_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> list[x509.Certificate] | None:
    """The chain OpenSSL verified, leaf first (None where Python cannot give it)."""
    inner = getattr(ssl_object, "_sslobj", None)
    get = getattr(ssl_object, "get_verified_chain", None) or getattr(
        inner, "get_verified_chain", None)
    if get is None:
        leaf = ssl_object.getpeercert(binary_form=True)
        return None if leaf is None else [x509.load_der_x509_certificate(leaf)]
    chain = get()
    der_format = getattr(_ssl, "ENCODING_DER", 2)
    ders = [c if isinstance(c, bytes) else c.public_bytes(der_format) for c in chain]
    return [x509.load_der_x509_certificate(d) for d in ders]


def check_secc_chain(chain: Sequence[x509.Certificate], now: datetime,
                     notes: list[str] | None = None) -> TlsRefusal | None:
    """ISO 15118-2 profile of the SECC chain OpenSSL verified (leaf first, root last).

    The rules in :data:`SECC_MUST` refuse the connection; every other profile rule the leaf
    breaks (e.g. no OCSP URL, a long validity) is only noted in ``notes``.
    """
    if not chain:
        return TlsRefusal("tls_no_secc_certificate", "the SECC sent no certificate")
    if len(chain) - 2 > MAX_SUB_CAS:
        return TlsRefusal("tls_secc_chain_too_long",
                          f"{len(chain) - 2} sub-CAs between the SECC and the root (at most 2)")
    violations = check_certificate(chain[0], Role.SECC_LEAF, "iso2", now=now)
    refusing = [v for v in violations if v.rule in SECC_MUST]
    if notes is not None:
        notes.extend(f"SECC certificate: {v.rule}: {v.detail}" for v in violations
                     if v.rule not in SECC_MUST)
    if refusing:
        return TlsRefusal("tls_secc_profile",
                          "; ".join(f"{v.rule}: {v.detail}" for v in refusing[:3]))
    return None


def refusal_of(exc: BaseException) -> TlsRefusal:
    """A stable reason for a failed handshake."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = exc.verify_message or str(exc)
        reason = _VERIFY_REASONS.get(exc.verify_code, "tls_secc_chain_untrusted")
        return TlsRefusal(reason, message)
    if isinstance(exc, ssl.SSLError):
        return TlsRefusal("tls_handshake_failed", getattr(exc, "reason", None) or str(exc))
    return TlsRefusal("tls_handshake_failed", f"{type(exc).__name__}: {exc}")

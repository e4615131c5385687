"""TLS 1.2 of the bench charger: the server context and the SECC chain it presents.

The chain comes from a bench PKI directory made by ``evcc pki init DIR --profile iso2``: SECC
leaf, CPO Sub-CA 2, CPO Sub-CA 1 (the V2G root stays with the EV). Two faults choose another
chain: ``expired_cert`` (the same leaf key and names, validity ended yesterday) and
``foreign_root`` (the chain of a second PKI that the EV does not trust). This is the only
module that reads the bench PKI.
"""

from __future__ import annotations

import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.bench.pki import MANIFEST, init_pki, load_manifest
from evcc.errors import PkiError

__all__ = ["CIPHERS", "ensure_pki", "server_context", "v2g_root_file"]

#: ISO 15118-2 [V2G2-614]: ECDHE-ECDSA with AES-128-CBC-SHA256, and the GCM suite.
CIPHERS = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"
_CHAIN_ROLES = ("secc_leaf", "cpo_sub2", "cpo_sub1")


def ensure_pki(directory: Path) -> Path:
    """``directory`` holding a bench iso2 PKI; one is made there when it has none."""
    if not (directory / MANIFEST).exists():
        init_pki(directory, "iso2")
    return directory


def v2g_root_file(directory: Path) -> Path:
    """The PEM file of the V2G root the EV must trust for this PKI."""
    manifest = load_manifest(directory)
    for role, files in manifest.files.items():
        if str(getattr(role, "value", role)) == "v2g_root":
            return files.pem
    raise PkiError(f"the PKI in {directory} has no V2G root")


def server_context(directory: Path, *, expired: bool = False, foreign: bool = False,
                   password: bytes | None = None, now: datetime | None = None) -> ssl.SSLContext:
    """A TLS 1.2-only server context presenting the SECC chain of the PKI in ``directory``."""
    moment = now or datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="evcc-secc-tls-") as scratch:
        source = directory
        if foreign:
            source = Path(scratch) / "foreign"
            init_pki(source, "iso2", now=moment)
            password = None
        manifest = load_manifest(source)
        certs = [manifest.cert(role) for role in _CHAIN_ROLES]
        key = manifest.key("secc_leaf", password)
        if expired:
            certs[0] = _expired(certs[0], certs[1], manifest.key("cpo_sub2", password), moment)
        chain = Path(scratch) / "chain.pem"
        chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
        key_file = Path(scratch) / "key.pem"
        key_file.touch(mode=0o600)
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(CIPHERS)
        context.verify_mode = ssl.CERT_NONE  # -2 with EIM: no client certificate
        try:
            context.load_cert_chain(chain, key_file)
        except ssl.SSLError as exc:
            raise PkiError(f"cannot use the SECC chain of {source}: {exc}") from None
    return context


def _expired(leaf: x509.Certificate, issuer: x509.Certificate, issuer_key: object,
             now: datetime) -> x509.Certificate:
    """``leaf`` re-issued with a validity that ended a day before ``now``."""
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        raise PkiError("the expired_cert fault needs an ECDSA CPO Sub-CA key (iso2 profile)")
    builder = (x509.CertificateBuilder()
               .subject_name(leaf.subject).issuer_name(issuer.subject)
               .public_key(leaf.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=400))
               .not_valid_after(now - timedelta(days=1)))
    for extension in leaf.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return builder.sign(issuer_key, hashes.SHA256())

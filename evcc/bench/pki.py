"""The bench test V2G PKI: ``init_pki`` writes it, ``load_manifest`` reads it back.

Layout of ``DIR`` (paths in ``manifest.json`` are relative to ``DIR``)::

    manifest.json            {"profile", "pcid", "emaid", "certs": {ROLE: {"pem", "der", "key"}}}
    certs/ROLE.pem, .der     every certificate
    keys/ROLE.key.pem        PKCS#8 private keys (encrypted with --password)
    chains/NAME.pem          leaf, Sub-CA 2, Sub-CA 1 of each chain (cpo, cps, oem, mo)
    chains/NAME_full.pem     the same followed by the root

With a provisioning CSR the OEM provisioning leaf is issued for the CSR's key and CN and no
key file is written for it (``"key": null``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.x509.oid import NameOID

from evcc.bench.pki_build import (
    PrivateKey,
    PublicKey,
    build_certificate,
    generate_key,
    subject_name,
)
from evcc.clock import SYSTEM_CLOCK
from evcc.errors import IdentifierError, PkiError
from evcc.x509.identifiers import Emaid, Pcid
from evcc.x509.profile_roles import CHAINS, ROLES, SPECS, Role, get_profile, parse_role

DEFAULT_PCID = "PNC0TESTVEHICLE01"
DEFAULT_EMAID = "DE-PNC-C00000001"
MANIFEST = "manifest.json"
_MAX_DAYS = 100 * 365


@dataclass(frozen=True)
class CertFiles:
    """Absolute paths of one role's files; ``key`` is None when no key was written."""

    pem: Path
    der: Path
    key: Path | None


@dataclass(frozen=True)
class PkiManifest:
    """A test PKI on disk: paths per role and loaders for certificates and keys."""

    directory: Path
    profile: str
    pcid: str
    emaid: str
    files: Mapping[Role, CertFiles]

    def cert(self, role: str) -> x509.Certificate:
        """The certificate of ``role``."""
        return _read_cert(self._files(role).pem)

    def key(self, role: str, password: bytes | None = None) -> PrivateKey:
        """The private key of ``role``; PkiError if none was written or it cannot be read."""
        path = self._files(role).key
        if path is None:
            raise PkiError(f"no private key stored for {role} (issued for an external CSR)")
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password)
        except (OSError, ValueError, TypeError) as exc:
            raise PkiError(f"cannot load key of {role} from {path}: {type(exc).__name__}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey):
            raise PkiError(f"key of {role} has an unsupported type")
        return key

    def chain(self, name: str) -> list[x509.Certificate]:
        """Certificates of chain ``name`` (cpo, cps, oem, mo), leaf first, root last."""
        if name not in CHAINS:
            raise PkiError(f"unknown chain {name!r}; choose one of {', '.join(CHAINS)}")
        return [self.cert(role) for role in reversed(CHAINS[name])]

    def chain_file(self, name: str, *, with_root: bool = False) -> Path:
        """Path of the chain file (leaf, Sub-CA 2, Sub-CA 1 [, root])."""
        return self.directory / "chains" / (f"{name}_full.pem" if with_root else f"{name}.pem")

    def to_json(self) -> dict[str, Any]:
        """The ``manifest.json`` document."""

        def rel(path: Path | None) -> str | None:
            return None if path is None else path.relative_to(self.directory).as_posix()

        return {
            "profile": self.profile,
            "pcid": self.pcid,
            "emaid": self.emaid,
            "certs": {
                role.value: {"pem": rel(f.pem), "der": rel(f.der), "key": rel(f.key)}
                for role, f in self.files.items()
            },
        }

    def _files(self, role: str) -> CertFiles:
        return self.files[parse_role(role)]


def _read_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot read certificate {path}: {exc}") from None


def _check_csr(csr: x509.CertificateSigningRequest, ed448_keys: bool, curves: frozenset[str]
               ) -> tuple[PublicKey, str | None]:
    """Verify the CSR signature and key type; return its key and subject CN."""
    if not csr.is_signature_valid:
        raise PkiError("provisioning CSR signature does not verify")
    key = csr.public_key()
    if ed448_keys:
        if not isinstance(key, ed448.Ed448PublicKey):
            raise PkiError("provisioning CSR key must be Ed448 for --ed448")
    elif not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in curves:
        raise PkiError(f"provisioning CSR key must be EC on {', '.join(sorted(curves))}")
    cns = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = cns[0].value if cns else None
    return key, cn if isinstance(cn, str) else None


def _days(profile_days: Mapping[Role, int], overrides: Mapping[str, int] | None) -> dict[Role, int]:
    days = dict(profile_days)
    for name, value in (overrides or {}).items():
        role = parse_role(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_DAYS:
            raise PkiError(f"validity of {name} must be 1..{_MAX_DAYS} days, got {value!r}")
        days[role] = value
    return days


def init_pki(
    directory: Path,
    profile: str = "iso2",
    *,
    pcid: str | None = None,
    emaid: str | None = None,
    ed448: bool = False,
    provisioning_csr: x509.CertificateSigningRequest | None = None,
    password: bytes | None = None,
    now: datetime | None = None,
    validity_days: Mapping[str, int] | None = None,
    overwrite: bool = False,
) -> PkiManifest:
    """Generate the four-chain test PKI of ``profile`` into ``directory``.

    All inputs are checked before anything is written. ``validity_days`` maps role names to
    validity periods in days; ``now`` (default: the system clock) is where validity starts.
    Raises PkiError / IdentifierError on bad input.
    """
    prof = get_profile(profile)
    if ed448 and not prof.ed448:
        raise PkiError(f"Ed448 is not part of the {profile} profile (use iso20)")
    if password is not None and not password:
        raise PkiError("password must not be empty")
    moment = now if now is not None else SYSTEM_CLOCK.utc()
    if moment.tzinfo is None:
        raise PkiError("now must be timezone-aware")
    days = _days(prof.default_days, validity_days)
    emaid_id = Emaid.parse(emaid if emaid is not None else DEFAULT_EMAID)
    if emaid_id.check_digit is None:
        emaid_id = emaid_id.with_check_digit()
    prov_key: PublicKey | None = None
    pcid_text = pcid
    if provisioning_csr is not None:
        prov_key, csr_cn = _check_csr(provisioning_csr, ed448, prof.curves)
        if csr_cn is None:
            raise PkiError("provisioning CSR has no subject CN (the PCID)")
        if pcid is not None and Pcid.parse(pcid).normalized != csr_cn.upper():
            raise PkiError(f"--pcid {pcid} differs from the CSR's CN {csr_cn}")
        try:
            pcid_text = Pcid.parse(csr_cn).normalized
        except IdentifierError as exc:
            raise PkiError(f"provisioning CSR CN is not a PCID: {exc}") from None
    pcid_id = Pcid.parse(pcid_text if pcid_text is not None else DEFAULT_PCID)
    directory = Path(directory)
    if (directory / MANIFEST).exists() and not overwrite:
        raise PkiError(f"{directory} already holds a PKI ({MANIFEST}); choose another directory")
    if directory.exists() and not directory.is_dir():
        raise PkiError(f"{directory} exists and is not a directory")

    keys: dict[Role, PrivateKey] = {}
    certs: dict[Role, x509.Certificate] = {}
    serials: set[int] = set()
    for role in ROLES:
        spec = SPECS[role]
        cn = {Role.OEM_PROV_LEAF: pcid_id.normalized,
              Role.CONTRACT_LEAF: emaid_id.normalized}.get(role)
        if role is Role.OEM_PROV_LEAF and prov_key is not None:
            public_key: PublicKey = prov_key
        else:
            keys[role] = generate_key(prof, ed448_keys=ed448)
            public_key = keys[role].public_key()
        subject = subject_name(role, cn)
        if spec.issuer is None:
            issuer_name, issuer_key = subject, keys[role]
        else:
            issuer_name, issuer_key = certs[spec.issuer].subject, keys[spec.issuer]
        serial = x509.random_serial_number()
        while serial in serials:
            serial = x509.random_serial_number()
        serials.add(serial)
        certs[role] = build_certificate(
            profile=prof, role=role, subject=subject, public_key=public_key,
            issuer_name=issuer_name, issuer_key=issuer_key, serial=serial, now=moment,
            days=days[role],
        )

    manifest = _write(directory, profile, pcid_id.normalized, emaid_id.normalized, certs, keys,
                      password)
    return manifest


def _write(  # noqa: PLR0917
    directory: Path,
    profile: str,
    pcid: str,
    emaid: str,
    certs: Mapping[Role, x509.Certificate],
    keys: Mapping[Role, PrivateKey],
    password: bytes | None,
) -> PkiManifest:
    try:
        for sub in ("certs", "keys", "chains"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "keys").chmod(0o700)  # private keys: owner only, also the directory
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password
            else serialization.NoEncryption()
        )
        files: dict[Role, CertFiles] = {}
        for role, cert in certs.items():
            pem = directory / "certs" / f"{role.value}.pem"
            der = directory / "certs" / f"{role.value}.der"
            pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
            key_path: Path | None = None
            if role in keys:
                key_path = directory / "keys" / f"{role.value}.key.pem"
                _write_private(key_path, keys[role].private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
            files[role] = CertFiles(pem, der, key_path)
        for name, roles in CHAINS.items():
            chain = b"".join(certs[r].public_bytes(serialization.Encoding.PEM)
                             for r in reversed(roles[1:]))
            root = certs[roles[0]].public_bytes(serialization.Encoding.PEM)
            (directory / "chains" / f"{name}.pem").write_bytes(chain)
            (directory / "chains" / f"{name}_full.pem").write_bytes(chain + root)
        manifest = PkiManifest(directory, profile, pcid, emaid, files)
        (directory / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2) + "\n")
    except OSError as exc:
        raise PkiError(f"cannot write the PKI into {directory}: {exc}") from None
    return manifest


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only (also when the file existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def load_manifest(directory: Path) -> PkiManifest:
    """Read ``directory/manifest.json``; PkiError if it is missing or malformed."""
    directory = Path(directory)
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot read {path}: {exc}") from None
    try:
        profile, pcid, emaid = data["profile"], data["pcid"], data["emaid"]
        get_profile(profile)
        files: dict[Role, CertFiles] = {}
        for name, entry in data["certs"].items():
            key = entry["key"]
            files[parse_role(name)] = CertFiles(
                directory / _relative(entry["pem"]),
                directory / _relative(entry["der"]),
                None if key is None else directory / _relative(key),
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise PkiError(f"{path} is malformed: {type(exc).__name__} {exc}") from None
    missing = [r.value for r in ROLES if r not in files]
    if missing:
        raise PkiError(f"{path} lacks roles: {', '.join(missing)}")
    if not isinstance(pcid, str) or not isinstance(emaid, str):
        raise PkiError(f"{path}: pcid and emaid must be strings")
    return PkiManifest(directory, profile, pcid, emaid, files)


def _relative(value: object) -> str:
    if not isinstance(value, str) or value.startswith("/") or ".." in Path(value).parts:
        raise PkiError(f"manifest path must be relative inside the PKI directory: {value!r}")
    return value

"""Trust anchors: the root set in ``trust/roots.json`` guarded by a digest the engine protects.

A change writes ``roots.next.json``, commits the new digest (TPM: NV write) and renames the
file into place. A reader accepts ``roots.json`` if it matches the committed digest, else a
staged ``roots.next.json`` that matches (a change interrupted before its rename); anything
else is refused as tampered.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from evcc.x509.chain import check_root
from evcc.x509.parse import fingerprint, to_der
from keystore import files
from keystore.engine import KeyEngine
from keystore.errors import (
    AmbiguousReferenceError,
    CertificateError,
    CorruptedFileError,
    KeyNotFoundError,
    TrustAnchorTamperedError,
)
from keystore.model import ROOT_KINDS, RootCertificateId, RootInfo, RootKind
from keystore.records import RootEntry, decode_roots, encode_roots, roots_digest


class TrustAnchors:
    """The verified root set of one store directory (callers hold the store lock to change it)."""

    def __init__(self, store_dir: Path, engine: KeyEngine) -> None:
        self._engine = engine
        self.path = store_dir / "trust" / "roots.json"
        self._next = store_dir / "trust" / "roots.next.json"

    def write(self, entries: list[RootEntry]) -> None:
        """Replace the set: staged file, digest commit, rename."""
        digest = roots_digest(entries)
        body = files.dump_json(encode_roots(entries, self._engine.roots_protection(digest)))
        files.atomic_write(self._next, body)
        self._engine.commit_roots(digest)
        self._next.replace(self.path)
        files.fsync_dir(self.path.parent)

    def _load(self, path: Path) -> list[RootEntry] | None:
        try:
            entries, protection = decode_roots(files.read_json(path), path)
        except (FileNotFoundError, CorruptedFileError):
            return None
        if not self._engine.roots_intact(roots_digest(entries), protection):
            return None
        return entries

    def entries(self) -> list[RootEntry]:
        """The verified set; :class:`TrustAnchorTamperedError` if nothing matches the digest."""
        for path in (self.path, self._next):
            entries = self._load(path)
            if entries is not None:
                return entries
        raise TrustAnchorTamperedError(
            f"{self.path} does not match its protected digest; trust anchors refused"
        )

    def recover(self) -> None:
        """Finish or drop an interrupted change (call under the store lock).

        A staged file that matches the committed digest while the main file does not is
        renamed into place; otherwise a staged file is stale and removed.
        """
        if not self._next.exists():
            return
        if self._load(self.path) is None and self._load(self._next) is not None:
            self._next.replace(self.path)
            files.fsync_dir(self.path.parent)
        else:
            files.durable_unlink(self._next)

    def with_added(self, certificate: x509.Certificate, kind: RootKind) -> tuple[
        list[RootEntry], RootEntry
    ]:
        """The set with one more self-signed EC root (unchanged if it is there already)."""
        if kind not in ROOT_KINDS:
            raise CertificateError(f"root kind must be one of {', '.join(ROOT_KINDS)}")
        check_root(certificate)
        entry = RootEntry(kind=kind, der=to_der(certificate))
        entries = self.entries()
        return (entries if entry in entries else [*entries, entry]), entry

    def without(
        self, reference: str, kind: RootKind | None = None
    ) -> tuple[list[RootEntry], RootEntry]:
        """The set without the root whose fingerprint starts with (or subject is) ``reference``."""
        entries = self.entries()
        matches = [e for e in entries if _matches(e, reference) and kind in (None, e.kind)]
        if not matches:
            raise KeyNotFoundError(f"no root matches {reference!r}")
        if len(matches) > 1:
            hint = " (give --kind)" if kind is None and len({e.kind for e in matches}) > 1 else ""
            raise AmbiguousReferenceError(f"{reference!r} matches {len(matches)} roots{hint}")
        return [e for e in entries if e != matches[0]], matches[0]


def root_info(entry: RootEntry) -> RootInfo:
    """Public view of a stored root."""
    cert = entry.cert()
    return RootInfo(
        fingerprint=fingerprint(entry.der),
        kind=entry.kind,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def root_id(cert: x509.Certificate) -> RootCertificateId:
    """``ListOfRootCertificateIDs`` entry: X509IssuerName + X509SerialNumber."""
    return RootCertificateId(
        issuer_name=cert.issuer.rfc4514_string(), serial_number=cert.serial_number
    )


def _matches(entry: RootEntry, reference: str) -> bool:
    ref = reference.lower().replace(":", "")
    if len(ref) >= 4 and fingerprint(entry.der).startswith(ref):
        return True
    return entry.cert().subject.rfc4514_string() == reference

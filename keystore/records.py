"""JSON records of the store directory and their strict parsers.

Layout of a store directory::

    keystore.json          format, backend, backend data (no key material)
    trust/roots.json       trust anchors + protection data
    provisioning.json      OEM provisioning identity: key record, chain
    contracts/<id>.json    one contract per file: chain, eMAID, metadata, key record
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from cryptography import x509

from evcc.errors import X509Error
from evcc.x509.identifiers import normalize_emaid
from evcc.x509.parse import fingerprint, parse_der, to_der
from keystore.engine import KeyRecord
from keystore.errors import CorruptedFileError
from keystore.model import (
    CONTRACT_SOURCES,
    PROFILE_CURVE,
    PROFILES,
    ROOT_KINDS,
    ContractInfo,
    ContractSource,
    Profile,
    RootKind,
    validity_at,
)

FORMAT = 1


def b64(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode()


def _field(obj: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CorruptedFileError(f"{path}: field {key!r} missing or not {kind.__name__}")
    return value


def _time(obj: dict[str, Any], key: str, path: Path) -> datetime:
    try:
        value = datetime.fromisoformat(_field(obj, key, str, path))
    except ValueError as exc:
        raise CorruptedFileError(f"{path}: field {key!r} is not a timestamp") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _chain(obj: dict[str, Any], key: str, path: Path) -> list[x509.Certificate]:
    items = _field(obj, key, list, path)
    chain = []
    for item in items:
        if not isinstance(item, str):
            raise CorruptedFileError(f"{path}: {key} holds a non-string entry")
        try:
            chain.append(parse_der(base64.b64decode(item, validate=True)))
        except (ValueError, X509Error) as exc:
            raise CorruptedFileError(f"{path}: {key} holds a damaged certificate") from exc
    return chain


def _optional_bool(obj: dict[str, Any], key: str, path: Path) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise CorruptedFileError(f"{path}: field {key!r} is not a boolean")
    return value


def _key(obj: dict[str, Any], path: Path) -> KeyRecord:
    return cast(KeyRecord, _field(obj, "key", dict, path))


def check_format(obj: dict[str, Any], path: Path) -> None:
    """Refuse files written by an unknown format version."""
    if obj.get("format") != FORMAT:
        raise CorruptedFileError(f"{path}: unknown format {obj.get('format')!r}")


@dataclass(frozen=True)
class RootEntry:
    """One trust anchor as stored."""

    kind: RootKind
    der: bytes

    def cert(self) -> x509.Certificate:
        """The parsed certificate."""
        return parse_der(self.der)


def roots_digest(entries: list[RootEntry]) -> bytes:
    """SHA-256 over the trust-anchor set in a canonical order (kind, DER)."""
    h = hashlib.sha256(b"evcc-keystore-roots-v1\0")
    for entry in sorted(entries, key=lambda e: (e.kind, e.der)):
        h.update(entry.kind.encode() + b"\0" + len(entry.der).to_bytes(4, "big") + entry.der)
    return h.digest()


def encode_roots(entries: list[RootEntry], protection: dict[str, Any]) -> dict[str, Any]:
    """The JSON object of ``trust/roots.json``."""
    return {
        "format": FORMAT,
        "roots": [{"kind": e.kind, "der": b64(e.der)} for e in entries],
        "protection": protection,
    }


def decode_roots(obj: dict[str, Any], path: Path) -> tuple[list[RootEntry], dict[str, Any]]:
    """Parse ``trust/roots.json``."""
    check_format(obj, path)
    entries = []
    for item in _field(obj, "roots", list, path):
        if not isinstance(item, dict) or item.get("kind") not in ROOT_KINDS:
            raise CorruptedFileError(f"{path}: bad root entry")
        try:
            der = base64.b64decode(_field(item, "der", str, path), validate=True)
        except ValueError as exc:  # binascii.Error or non-ASCII text
            raise CorruptedFileError(f"{path}: root is not base64") from exc
        entries.append(RootEntry(kind=cast(RootKind, item["kind"]), der=der))
    return entries, cast(dict[str, Any], _field(obj, "protection", dict, path))


@dataclass(frozen=True)
class ProvisioningRecord:
    """``provisioning.json``."""

    pcid: str
    profile: Profile
    created_at: datetime
    key: KeyRecord
    chain: list[x509.Certificate]

    @property
    def curve(self) -> str:
        """Curve of the provisioning key."""
        return PROFILE_CURVE[self.profile]

    def to_json(self) -> dict[str, Any]:
        """JSON object for the file."""
        return {
            "format": FORMAT,
            "pcid": self.pcid,
            "profile": self.profile,
            "created_at": self.created_at.isoformat(),
            "key": self.key,
            "chain": [b64(to_der(c)) for c in self.chain],
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any], path: Path) -> ProvisioningRecord:
        """Parse and check the file."""
        check_format(obj, path)
        profile = obj.get("profile")
        if profile not in PROFILES:
            raise CorruptedFileError(f"{path}: unknown profile {profile!r}")
        return cls(
            pcid=_field(obj, "pcid", str, path),
            profile=cast(Profile, profile),
            created_at=_time(obj, "created_at", path),
            key=_key(obj, path),
            chain=_chain(obj, "chain", path),
        )


@dataclass(frozen=True)
class ContractRecord:
    """``contracts/<id>.json``."""

    id: str
    emaid: str
    source: ContractSource
    priority: int
    enabled: bool
    installed_at: datetime
    chain: list[x509.Certificate]
    key: KeyRecord
    validity_override: bool = False

    def info(self, now: datetime) -> ContractInfo:
        """The public view of the record, with the leaf's validity at ``now``."""
        leaf = self.chain[0]
        return ContractInfo(
            id=self.id,
            emaid=self.emaid,
            provider=normalize_emaid(self.emaid)[:5],
            curve=leaf.public_key().curve.name,  # type: ignore[union-attr]
            not_before=leaf.not_valid_before_utc,
            not_after=leaf.not_valid_after_utc,
            priority=self.priority,
            enabled=self.enabled,
            source=self.source,
            installed_at=self.installed_at,
            validity=validity_at(leaf.not_valid_before_utc, leaf.not_valid_after_utc, now),
            validity_override=self.validity_override,
        )

    def to_json(self) -> dict[str, Any]:
        """JSON object for the file."""
        return {
            "format": FORMAT,
            "id": self.id,
            "emaid": self.emaid,
            "source": self.source,
            "priority": self.priority,
            "enabled": self.enabled,
            "installed_at": self.installed_at.isoformat(),
            "chain": [b64(to_der(c)) for c in self.chain],
            "key": self.key,
            **({"validity_override": True} if self.validity_override else {}),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any], path: Path) -> ContractRecord:
        """Parse and check the file; the id must match the leaf and the file name."""
        check_format(obj, path)
        source = obj.get("source")
        if source not in CONTRACT_SOURCES:
            raise CorruptedFileError(f"{path}: unknown source {source!r}")
        record = cls(
            id=_field(obj, "id", str, path),
            emaid=_field(obj, "emaid", str, path),
            source=cast(ContractSource, source),
            priority=_field(obj, "priority", int, path),
            enabled=_field(obj, "enabled", bool, path),
            installed_at=_time(obj, "installed_at", path),
            chain=_chain(obj, "chain", path),
            key=_key(obj, path),
            validity_override=_optional_bool(obj, "validity_override", path),
        )
        if not record.chain:
            raise CorruptedFileError(f"{path}: empty chain")
        if contract_id(record.chain[0]) != record.id or path.stem != record.id:
            raise CorruptedFileError(f"{path}: id does not match the contract certificate")
        return record


def contract_id(leaf: x509.Certificate) -> str:
    """Stable contract id: the first 16 hex digits of the leaf's SHA-256 fingerprint."""
    return fingerprint(to_der(leaf))[:16]

"""Value types the keystore returns: roots, provisioning identity, contracts, status."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Profile = Literal["iso2", "iso20"]
RootKind = Literal["v2g", "mo", "oem"]
ContractSource = Literal["charger", "ota", "bench"]
Validity = Literal["valid", "expired", "not-yet-valid"]

PROFILES: tuple[Profile, ...] = ("iso2", "iso20")
ROOT_KINDS: tuple[RootKind, ...] = ("v2g", "mo", "oem")
CONTRACT_SOURCES: tuple[ContractSource, ...] = ("charger", "ota", "bench")

#: Key reference of the OEM provisioning key in :meth:`Keystore.sign` / :meth:`Keystore.ecdh`.
PROVISIONING = "provisioning"

#: Curve per profile: ISO 15118-2 uses P-256, ISO 15118-20 P-521.
PROFILE_CURVE: dict[Profile, str] = {"iso2": "secp256r1", "iso20": "secp521r1"}


def validity_at(not_before: datetime, not_after: datetime, now: datetime) -> Validity:
    """``valid``, ``expired`` or ``not-yet-valid`` of a certificate period at ``now``."""
    if now < not_before:
        return "not-yet-valid"
    if now > not_after:
        return "expired"
    return "valid"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class _Jsonable:
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601)."""
        return {k: _plain(v) for k, v in dataclasses.asdict(self).items()}  # type: ignore[call-overload]


@dataclass(frozen=True)
class RootInfo(_Jsonable):
    """One trust anchor."""

    fingerprint: str  # SHA-256 of the DER, hex
    kind: RootKind
    subject: str
    issuer: str
    serial_number: int
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class RootCertificateId(_Jsonable):
    """An entry of ``ListOfRootCertificateIDs``: X509IssuerName + X509SerialNumber."""

    issuer_name: str  # RFC 4514 string of the root's issuer
    serial_number: int


@dataclass(frozen=True)
class ProvisioningInfo(_Jsonable):
    """The OEM provisioning identity."""

    pcid: str
    profile: Profile
    curve: str
    public_key_pem: str
    tpm_handle: int | None
    created_at: datetime
    certificate_subject: str | None
    certificate_not_after: datetime | None
    chain_length: int


@dataclass(frozen=True)
class ContractInfo(_Jsonable):
    """One installed contract certificate with its key."""

    id: str
    emaid: str
    provider: str
    curve: str
    not_before: datetime
    not_after: datetime
    priority: int
    enabled: bool
    source: ContractSource
    installed_at: datetime
    validity: Validity = "valid"  # of the leaf, at the time the info was made
    validity_override: bool = False  # installed outside its validity (bench override)


@dataclass(frozen=True)
class StoreStatus(_Jsonable):
    """What ``evcc keystore status`` reports."""

    backend: str
    path: str
    for_vehicles: bool
    roots: int
    roots_intact: bool
    provisioning: bool
    contracts: int
    detail: dict[str, Any]

"""Value types the keystore returns: roots, provisioning identity, contracts, status."""

from __future__ import annotations

import dataclasses
import re
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

KeyKind = Literal["provisioning", "contract"]
#: A contract id: the first 16 hex digits of the leaf's SHA-256 fingerprint.
CONTRACT_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class KeyRef:
    """An exact reference to one key of a store: the OEM provisioning key or one contract's.

    Key use (:meth:`Keystore.sign`, :meth:`Keystore.ecdh`, :meth:`Keystore.public_key`) takes
    only this; get it from :attr:`ProvisioningInfo.key`, :attr:`ContractInfo.key` or
    :data:`PROVISIONING`. What a person types (an id prefix, an eMAID) is resolved by
    :func:`keystore.lookup.find_contract` first.
    """

    kind: KeyKind
    contract_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "provisioning" and self.contract_id is None:
            return
        if self.kind == "contract" and isinstance(self.contract_id, str) and (
            CONTRACT_ID.fullmatch(self.contract_id)
        ):
            return
        raise ValueError(
            f"not an exact key reference: {self.kind!r} {self.contract_id!r} "
            "(provisioning, or a contract id of 16 lower-case hex digits)"
        )

    @classmethod
    def contract(cls, contract_id: str) -> KeyRef:
        """The key of the contract with exactly this id."""
        return cls("contract", contract_id)

    @property
    def slot(self) -> str:
        """The backend's name for the key (``provisioning`` or ``contract:<id>``)."""
        return PROVISIONING_SLOT if self.contract_id is None else f"contract:{self.contract_id}"

    def __str__(self) -> str:
        return self.slot


#: The backend's name of the OEM provisioning key.
PROVISIONING_SLOT = "provisioning"

#: Key reference of the OEM provisioning key.
PROVISIONING = KeyRef("provisioning")

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

    @property
    def key(self) -> KeyRef:
        """The exact reference of the provisioning key, for key use."""
        return PROVISIONING


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

    @property
    def key(self) -> KeyRef:
        """The exact reference of this contract's key, for key use."""
        return KeyRef.contract(self.id)


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

"""The V2G certificate roles and what the ISO 15118-2 / -20 profiles require of each.

One table drives both the bench PKI generator (evcc.bench) and the profile checker
(:mod:`evcc.x509.profile`), so what is generated is what is checked.

Four chains, root first: V2G root → CPO Sub-CA 1 → CPO Sub-CA 2 → SECC leaf; V2G root → CPS
Sub-CA 1 → CPS Sub-CA 2 → CPS leaf; OEM root → OEM Sub-CA 1 → OEM Sub-CA 2 → OEM provisioning
leaf; MO root → MO Sub-CA 1 → MO Sub-CA 2 → contract leaf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from evcc.errors import PkiError


class Role(StrEnum):
    """Role names as they appear in ``manifest.json`` and on the command line."""

    V2G_ROOT = "v2g_root"
    CPO_SUB1 = "cpo_sub1"
    CPO_SUB2 = "cpo_sub2"
    SECC_LEAF = "secc_leaf"
    CPS_SUB1 = "cps_sub1"
    CPS_SUB2 = "cps_sub2"
    CPS_LEAF = "cps_leaf"
    OEM_ROOT = "oem_root"
    OEM_SUB1 = "oem_sub1"
    OEM_SUB2 = "oem_sub2"
    OEM_PROV_LEAF = "oem_prov_leaf"
    MO_ROOT = "mo_root"
    MO_SUB1 = "mo_sub1"
    MO_SUB2 = "mo_sub2"
    CONTRACT_LEAF = "contract_leaf"


class Kind(StrEnum):
    """Position of a certificate in its chain."""

    ROOT = "root"
    SUB1 = "sub1"
    SUB2 = "sub2"
    LEAF = "leaf"


#: Chain name -> roles, root first.
CHAINS: Mapping[str, tuple[Role, Role, Role, Role]] = MappingProxyType({
    "cpo": (Role.V2G_ROOT, Role.CPO_SUB1, Role.CPO_SUB2, Role.SECC_LEAF),
    "cps": (Role.V2G_ROOT, Role.CPS_SUB1, Role.CPS_SUB2, Role.CPS_LEAF),
    "oem": (Role.OEM_ROOT, Role.OEM_SUB1, Role.OEM_SUB2, Role.OEM_PROV_LEAF),
    "mo": (Role.MO_ROOT, Role.MO_SUB1, Role.MO_SUB2, Role.CONTRACT_LEAF),
})

#: Every role in generation order (an issuer always comes before what it issues).
ROLES: tuple[Role, ...] = tuple(Role)

_CA_USAGE = frozenset({"key_cert_sign", "crl_sign"})
_YEAR = 365


@dataclass(frozen=True)
class RoleSpec:
    """Profile requirements of one role."""

    role: Role
    chain: str
    kind: Kind
    issuer: Role | None
    dc: str
    #: DC values accepted by the checker (real PKIs label MO sub-CAs under a V2G root "V2G").
    dc_accepted: frozenset[str]
    #: keyUsage bits that must be set (cryptography attribute names).
    key_usage: frozenset[str]
    #: keyUsage bits added on EC keys (ECDH use); not applicable to Ed448.
    key_usage_ec: frozenset[str]
    common_name: str
    #: Upper bound of the validity period in days, None where the profile sets none.
    max_days: int | None

    @property
    def is_ca(self) -> bool:
        """True for roots and sub-CAs."""
        return self.kind is not Kind.LEAF

    @property
    def path_len(self) -> int | None:
        """Required pathLenConstraint (None: absent for roots and leaves)."""
        return {Kind.SUB1: 1, Kind.SUB2: 0}.get(self.kind)

    def required_usage(self, is_ec: bool) -> frozenset[str]:
        """keyUsage bits for a key of this role (keyAgreement only where it can do ECDH)."""
        return self.key_usage | self.key_usage_ec if is_ec else self.key_usage


def _spec(  # noqa: PLR0917 - one row of the role table
    role: Role,
    chain: str,
    kind: Kind,
    issuer: Role | None,
    dc: str,
    cn: str,
    *,
    usage: frozenset[str] = _CA_USAGE,
    usage_ec: frozenset[str] = frozenset(),
    accepted: frozenset[str] | None = None,
    max_days: int | None = None,
) -> RoleSpec:
    return RoleSpec(
        role=role,
        chain=chain,
        kind=kind,
        issuer=issuer,
        dc=dc,
        dc_accepted=accepted or frozenset({dc}),
        key_usage=usage,
        key_usage_ec=usage_ec,
        common_name=cn,
        max_days=max_days,
    )


_ROOT_MAX = 40 * _YEAR + 10  # a V2G root is valid for 40 years (Hubject CP, ISO 15118-2 Annex F)
_SIGN = frozenset({"digital_signature"})
_AGREE = frozenset({"key_agreement"})

SPECS: Mapping[Role, RoleSpec] = MappingProxyType({
    s.role: s
    for s in (
        _spec(Role.V2G_ROOT, "cpo", Kind.ROOT, None, "V2G", "V2G Root CA", max_days=_ROOT_MAX),
        _spec(Role.CPO_SUB1, "cpo", Kind.SUB1, Role.V2G_ROOT, "V2G", "CPO Sub1 CA"),
        _spec(Role.CPO_SUB2, "cpo", Kind.SUB2, Role.CPO_SUB1, "V2G", "CPO Sub2 CA"),
        _spec(Role.SECC_LEAF, "cpo", Kind.LEAF, Role.CPO_SUB2, "CPO", "DEPNCE0001",
              usage=_SIGN, usage_ec=_AGREE),
        _spec(Role.CPS_SUB1, "cps", Kind.SUB1, Role.V2G_ROOT, "V2G", "CPS Sub1 CA"),
        _spec(Role.CPS_SUB2, "cps", Kind.SUB2, Role.CPS_SUB1, "V2G", "CPS Sub2 CA"),
        _spec(Role.CPS_LEAF, "cps", Kind.LEAF, Role.CPS_SUB2, "CPS", "CPS Leaf", usage=_SIGN),
        _spec(Role.OEM_ROOT, "oem", Kind.ROOT, None, "OEM", "OEM Root CA", max_days=_ROOT_MAX),
        _spec(Role.OEM_SUB1, "oem", Kind.SUB1, Role.OEM_ROOT, "OEM", "OEM Sub1 CA"),
        _spec(Role.OEM_SUB2, "oem", Kind.SUB2, Role.OEM_SUB1, "OEM", "OEM Sub2 CA"),
        _spec(Role.OEM_PROV_LEAF, "oem", Kind.LEAF, Role.OEM_SUB2, "OEM", "",
              usage=_SIGN, usage_ec=_AGREE),
        _spec(Role.MO_ROOT, "mo", Kind.ROOT, None, "MO", "MO Root CA", max_days=_ROOT_MAX),
        _spec(Role.MO_SUB1, "mo", Kind.SUB1, Role.MO_ROOT, "MO", "MO Sub1 CA",
              accepted=frozenset({"MO", "V2G"})),
        _spec(Role.MO_SUB2, "mo", Kind.SUB2, Role.MO_SUB1, "MO", "MO Sub2 CA",
              accepted=frozenset({"MO", "V2G"})),
        # contract: 4 weeks .. 2 years (ISO 15118-2); the key signs and, for updates, agrees
        _spec(Role.CONTRACT_LEAF, "mo", Kind.LEAF, Role.MO_SUB2, "MO", "",
              usage=frozenset({"digital_signature", "content_commitment"}), usage_ec=_AGREE,
              max_days=2 * _YEAR + 1),
    )
})


@dataclass(frozen=True)
class Profile:
    """Algorithms of one ISO profile."""

    name: str
    #: Accepted EC curve names (cryptography ``curve.name``) of subject keys.
    curves: frozenset[str]
    #: Accepted ECDSA hash names (cryptography ``hash_algorithm.name``).
    hashes: frozenset[str]
    #: True if Ed448 keys and signatures are accepted.
    ed448: bool
    #: Default validity period in days per role, used by the generator.
    default_days: Mapping[Role, int]
    #: Largest DER size the message schema carries (certificateType maxLength).
    max_der: int


_DEFAULT_DAYS: Mapping[Role, int] = {
    Role.V2G_ROOT: 10 * _YEAR,
    Role.CPO_SUB1: 4 * _YEAR,
    Role.CPO_SUB2: 1 * _YEAR,
    Role.SECC_LEAF: 60,
    Role.CPS_SUB1: 4 * _YEAR,
    Role.CPS_SUB2: 2 * _YEAR,
    Role.CPS_LEAF: 90,
    Role.OEM_ROOT: 10 * _YEAR,
    Role.OEM_SUB1: 4 * _YEAR,
    Role.OEM_SUB2: 4 * _YEAR,
    Role.OEM_PROV_LEAF: 4 * _YEAR,
    Role.MO_ROOT: 10 * _YEAR,
    Role.MO_SUB1: 4 * _YEAR,
    Role.MO_SUB2: 4 * _YEAR,
    Role.CONTRACT_LEAF: 2 * _YEAR,
}

PROFILES: Mapping[str, Profile] = MappingProxyType({
    "iso2": Profile("iso2", frozenset({"secp256r1"}), frozenset({"sha256"}), False,
                    MappingProxyType(_DEFAULT_DAYS), max_der=800),
    "iso20": Profile("iso20", frozenset({"secp521r1"}), frozenset({"sha512"}), True,
                     MappingProxyType(_DEFAULT_DAYS), max_der=1600),
})


def get_profile(name: str) -> Profile:
    """The profile called ``name`` (``iso2`` or ``iso20``); PkiError otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise PkiError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None


def parse_role(name: str) -> Role:
    """The role called ``name``; PkiError with the list of roles otherwise."""
    try:
        return Role(name)
    except ValueError:
        raise PkiError(
            f"unknown role {name!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from None


def chain_roles(leaf: Role) -> tuple[Role, ...]:
    """Roles from ``leaf`` (any role) up to its root, leaf first."""
    roles = [leaf]
    while (issuer := SPECS[roles[-1]].issuer) is not None:
        roles.append(issuer)
    return tuple(roles)

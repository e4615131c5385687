"""Test material from the bench PKI (``evcc.bench.pki.init_pki``).

One bench PKI per profile supplies the roots and CAs; further contract leaves are issued
by its MO Sub-CA 2 with the bench's own certificate builder, so every contract chain is a
profile-conformant leaf -> MO Sub2 -> MO Sub1.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.bench.pki import PkiManifest, init_pki
from evcc.bench.pki_build import build_certificate, subject_name
from evcc.clock import Clock, FakeClock
from evcc.x509.identifiers import Emaid
from evcc.x509.profile_roles import Role, get_profile

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: What the test stores' clocks say: a day into the contracts' validity, whatever the date.
TEST_NOW = NOW + timedelta(days=1)
CURVES = {"iso2": ec.SECP256R1(), "iso20": ec.SECP521R1()}


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass
class ContractMaterial:
    chain: list[x509.Certificate]
    key: ec.EllipticCurvePrivateKey
    emaid: str


#: The test stores' clock: stands at TEST_NOW (tests that move time make their own FakeClock).
clock: Clock = FakeClock(TEST_NOW)


def _ec(key: object) -> ec.EllipticCurvePrivateKey:
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


class Pki:
    """A bench PKI of one profile plus a contract factory."""

    def __init__(self, profile: str = "iso2", directory: Path | None = None) -> None:
        self.profile = profile
        self._tmp = tempfile.TemporaryDirectory(prefix="evcc-pki-")
        base = directory if directory is not None else Path(self._tmp.name)
        self.manifest: PkiManifest = init_pki(base / "pki", profile, now=NOW)
        m = self.manifest
        self.v2g_root = Issued(m.cert(Role.V2G_ROOT), _ec(m.key(Role.V2G_ROOT)))
        self.mo_root = Issued(m.cert(Role.MO_ROOT), _ec(m.key(Role.MO_ROOT)))
        self.oem_root = Issued(m.cert(Role.OEM_ROOT), _ec(m.key(Role.OEM_ROOT)))
        self.mo_sub = Issued(m.cert(Role.MO_SUB2), _ec(m.key(Role.MO_SUB2)))
        self.mo_sub1 = m.cert(Role.MO_SUB1)
        self._n = 0

    def contract(
        self, *, days: int = 365, start: datetime = NOW, emaid: str | None = None
    ) -> ContractMaterial:
        """A fresh contract leaf (its own key, and eMAID unless given) with the MO sub-CAs."""
        self._n += 1
        if emaid is None:
            emaid = Emaid.parse(f"DE-PNC-C{self._n:08d}").with_check_digit().normalized
        key = ec.generate_private_key(CURVES[self.profile])
        leaf = build_certificate(
            profile=get_profile(self.profile),
            role=Role.CONTRACT_LEAF,
            subject=subject_name(Role.CONTRACT_LEAF, emaid),
            public_key=key.public_key(),
            issuer_name=self.mo_sub.cert.subject,
            issuer_key=self.mo_sub.key,
            serial=x509.random_serial_number(),
            now=start,
            days=days,
        )
        return ContractMaterial([leaf, self.mo_sub.cert, self.mo_sub1], key, emaid)

    def sign_csr(
        self, csr: x509.CertificateSigningRequest, *, with_root: bool = False
    ) -> list[x509.Certificate]:
        """OEM provisioning chain (leaf, Sub2, Sub1 [, root]) issued by a bench PKI for ``csr``."""
        with tempfile.TemporaryDirectory(prefix="evcc-pki-csr-") as tmp:
            manifest = init_pki(Path(tmp) / "pki", self.profile, provisioning_csr=csr, now=NOW)
            chain = manifest.chain("oem")
            return chain if with_root else chain[:-1]

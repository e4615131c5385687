"""Small test PKI (``cryptography``): V2G/MO/OEM roots, contract and provisioning chains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CURVES = {"iso2": ec.SECP256R1(), "iso20": ec.SECP521R1()}
HASHES: dict[str, hashes.SHA256 | hashes.SHA512] = {
    "iso2": hashes.SHA256(),
    "iso20": hashes.SHA512(),
}
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(cn: str, org: str = "evcc test") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )


def issue(
    subject: str,
    public_key: ec.EllipticCurvePublicKey,
    issuer: Issued | None,
    own_key: ec.EllipticCurvePrivateKey | None,
    *,
    ca: bool,
    profile: str = "iso2",
    days: int = 365,
    start: datetime = NOW,
    serial: int | None = None,
) -> x509.Certificate:
    signer = issuer.key if issuer else own_key
    assert signer is not None
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.cert.subject if issuer else _name(subject))
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(start - timedelta(days=1))
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(signer, HASHES[profile])


def root(cn: str, profile: str = "iso2") -> Issued:
    key = ec.generate_private_key(CURVES[profile])
    return Issued(issue(cn, key.public_key(), None, key, ca=True, profile=profile, days=3650), key)


def sub_ca(cn: str, parent: Issued, profile: str = "iso2") -> Issued:
    key = ec.generate_private_key(CURVES[profile])
    return Issued(issue(cn, key.public_key(), parent, None, ca=True, profile=profile), key)


@dataclass
class ContractMaterial:
    chain: list[x509.Certificate]
    key: ec.EllipticCurvePrivateKey
    emaid: str


class Pki:
    """A V2G root, an MO root + sub-CA and a contract factory for one profile."""

    def __init__(self, profile: str = "iso2") -> None:
        self.profile = profile
        self.v2g_root = root("V2G Root CA", profile)
        self.mo_root = root("MO Root CA", profile)
        self.mo_sub = sub_ca("MO Sub-CA", self.mo_root, profile)
        self.oem_root = root("OEM Root CA", profile)
        self.oem_sub = sub_ca("OEM Sub-CA", self.oem_root, profile)
        self._n = 0

    def contract(self, *, days: int = 365, start: datetime = NOW) -> ContractMaterial:
        self._n += 1
        emaid = f"DEABCC{self._n:08d}X"
        key = ec.generate_private_key(CURVES[self.profile])
        leaf = issue(emaid, key.public_key(), self.mo_sub, None, ca=False, profile=self.profile,
                     days=days, start=start)
        return ContractMaterial([leaf, self.mo_sub.cert], key, emaid)

    def sign_csr(self, csr: x509.CertificateSigningRequest) -> list[x509.Certificate]:
        cn = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        assert isinstance(cn, str)
        pub = csr.public_key()
        assert isinstance(pub, ec.EllipticCurvePublicKey)
        leaf = issue(cn, pub, self.oem_sub, None, ca=False, profile=self.profile)
        return [leaf, self.oem_sub.cert]

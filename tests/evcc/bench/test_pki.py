"""The bench test PKI: files, manifest, algorithms, openssl acceptance, CSR issuance, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

from evcc.bench.pki import PkiManifest, init_pki, load_manifest
from evcc.bench.pki_verify import openssl_verify, verify_pki
from evcc.errors import IdentifierError, PkiError
from evcc.x509.profile_roles import CHAINS, PROFILES, ROLES, Role

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VARIANTS = [("iso2", False), ("iso20", False), ("iso20", True)]


@pytest.fixture(scope="module", params=VARIANTS, ids=["iso2", "iso20", "iso20-ed448"])
def pki(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    profile, ed = request.param
    return init_pki(tmp_path_factory.mktemp("pki") / "out", profile, ed448=ed, now=NOW)


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False,
                          timeout=30)


def test_openssl_verify_accepts_all_four_chains(pki: PkiManifest) -> None:
    at = str(int(NOW.timestamp()))
    for name, roles in CHAINS.items():
        root, leaf = pki.files[roles[0]].pem, pki.files[roles[3]].pem
        proc = openssl("verify", "-x509_strict", "-attime", at, "-CAfile", str(root),
                       "-untrusted", str(pki.chain_file(name)), str(leaf))
        assert proc.returncode == 0 and proc.stdout.strip().endswith(": OK"), proc.stdout + \
            proc.stderr
    # the same call fails for a wrong trust anchor, so the check above can fail
    proc = openssl("verify", "-x509_strict", "-attime", at,
                   "-CAfile", str(pki.files[Role.OEM_ROOT].pem),
                   "-untrusted", str(pki.chain_file("mo")), str(pki.files[Role.CONTRACT_LEAF].pem))
    assert proc.returncode != 0
    # and outside the validity window
    late = str(int((NOW + timedelta(days=3 * 365)).timestamp()))
    proc = openssl("verify", "-attime", late, "-CAfile", str(pki.files[Role.MO_ROOT].pem),
                   "-untrusted", str(pki.chain_file("mo")), str(pki.files[Role.CONTRACT_LEAF].pem))
    assert proc.returncode != 0


def test_verify_pki_helper(pki: PkiManifest) -> None:
    results = verify_pki(pki, now=NOW)
    assert [r.chain for r in results] == list(CHAINS)
    assert all(r.ok and r.openssl_ok for r in results), results
    ok, output = openssl_verify(str(pki.files[Role.V2G_ROOT].pem), str(pki.chain_file("oem")),
                                str(pki.files[Role.OEM_PROV_LEAF].pem), at=NOW)
    assert ok is False and "OK" not in output.splitlines()[-1]


def test_manifest_exact_shape(pki: PkiManifest) -> None:
    data = json.loads((pki.directory / "manifest.json").read_text())
    assert set(data) == {"profile", "pcid", "emaid", "certs"}
    assert set(data["certs"]) == {r.value for r in ROLES}
    for role, entry in data["certs"].items():
        assert set(entry) == {"pem", "der", "key"}
        for key in ("pem", "der", "key"):
            assert not Path(entry[key]).is_absolute()
            assert (pki.directory / entry[key]).is_file()
        pem = x509.load_pem_x509_certificate((pki.directory / entry["pem"]).read_bytes())
        der = x509.load_der_x509_certificate((pki.directory / entry["der"]).read_bytes())
        assert pem == der
        assert (pki.directory / entry["key"]).stat().st_mode & 0o777 == 0o600
        key_text = (pki.directory / entry["key"]).read_text()
        assert key_text.startswith("-----BEGIN PRIVATE KEY-----"), role  # PKCS#8, clear
    assert (pki.directory / "keys").stat().st_mode & 0o777 == 0o700
    loaded = load_manifest(pki.directory)
    assert loaded.to_json() == data == pki.to_json()


def test_keys_match_certificates_and_algorithms(pki: PkiManifest) -> None:
    for role in ROLES:
        cert = pki.cert(role)
        key = pki.key(role)
        assert key.public_key() == cert.public_key()
        if isinstance(key, ed448.Ed448PrivateKey):
            assert cert.signature_hash_algorithm is None
            continue
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        expected = "secp256r1" if pki.profile == "iso2" else "secp521r1"
        assert key.curve.name == expected
        hash_alg = cert.signature_hash_algorithm
        assert hash_alg is not None
        assert hash_alg.name == ("sha256" if pki.profile == "iso2" else "sha512")


_USAGE_BITS = ("digital_signature", "content_commitment", "key_encipherment",
               "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign")


def _usages(usage: x509.KeyUsage) -> set[str]:
    return {bit for bit in _USAGE_BITS if getattr(usage, bit)}


def _expected_usages(role: str, ed448_keys: bool) -> set[str]:
    """keyUsage per role as docs/pki.md states it (keyAgreement only on EC keys)."""
    agree = set() if ed448_keys else {"key_agreement"}
    leaves = {
        "secc_leaf": {"digital_signature", *agree},
        "cps_leaf": {"digital_signature"},
        "oem_prov_leaf": {"digital_signature", *agree},
        "contract_leaf": {"digital_signature", "content_commitment", *agree},
    }
    return leaves.get(role, {"key_cert_sign", "crl_sign"})


def test_structure_of_each_role(pki: PkiManifest) -> None:
    serials = {pki.cert(r).serial_number for r in ROLES}
    assert len(serials) == len(ROLES)
    dcs = {"secc_leaf": "CPO", "cps_leaf": "CPS", "oem_prov_leaf": "OEM", "contract_leaf": "MO"}
    for role in ROLES:
        cert = pki.cert(role)
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
        assert bc.critical
        kind = role.value.rsplit("_", 1)[-1]
        assert bc.value.ca is (kind != "leaf")
        assert bc.value.path_length == {"sub1": 1, "sub2": 0}.get(kind)
        dc = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.DOMAIN_COMPONENT)]
        if role.value in dcs:
            assert dc == [dcs[role.value]]
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert ku.critical
        ed = isinstance(cert.public_key(), ed448.Ed448PublicKey)
        assert _usages(ku.value) == _expected_usages(role.value, ed), role
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        if kind != "root":
            aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
            issuer = pki.cert(CHAINS[next(n for n, rs in CHAINS.items() if role in rs)][
                ["root", "sub1", "sub2", "leaf"].index(kind) - 1])
            issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            assert aki.key_identifier == issuer_ski.value.digest
            assert cert.issuer == issuer.subject
            aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
            assert isinstance(aia.value, x509.AuthorityInformationAccess)
            assert [d.access_method for d in aia.value] == [AuthorityInformationAccessOID.OCSP]
        else:
            assert cert.issuer == cert.subject and ski.digest
        days = PROFILES[pki.profile].default_days[role]
        assert cert.not_valid_before_utc == NOW - timedelta(hours=1)
        assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=days)
    assert pki.cert(Role.CONTRACT_LEAF).subject.get_attributes_for_oid(
        NameOID.COMMON_NAME)[0].value == pki.emaid
    assert pki.cert(Role.OEM_PROV_LEAF).subject.get_attributes_for_oid(
        NameOID.COMMON_NAME)[0].value == pki.pcid


def test_chain_files(pki: PkiManifest) -> None:
    for name, roles in CHAINS.items():
        short = x509.load_pem_x509_certificates(pki.chain_file(name).read_bytes())
        full = x509.load_pem_x509_certificates(pki.chain_file(name, with_root=True).read_bytes())
        assert short == [pki.cert(r) for r in reversed(roles[1:])]
        assert full == [*short, pki.cert(roles[0])] == pki.chain(name)


def test_options_pcid_emaid_validity_password(tmp_path: Path) -> None:
    m = init_pki(tmp_path / "p", "iso2", pcid="wmi1234567abcdefg", emaid="de-8aa-ca2b3c4d5",
                 password=b"secret", validity_days={"contract_leaf": 30, "secc_leaf": 7}, now=NOW)
    assert m.pcid == "WMI1234567ABCDEFG"
    assert m.emaid == "DE8AACA2B3C4D5L"  # normalised, check digit added
    contract = m.cert(Role.CONTRACT_LEAF)
    assert contract.not_valid_after_utc - contract.not_valid_before_utc == timedelta(days=30)
    key_file = m.files[Role.SECC_LEAF].key
    assert key_file is not None
    assert key_file.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert m.key(Role.SECC_LEAF, b"secret").public_key() == m.cert(Role.SECC_LEAF).public_key()
    with pytest.raises(PkiError, match="cannot load key"):
        m.key(Role.SECC_LEAF, b"wrong")
    assert "secret" not in (tmp_path / "p" / "manifest.json").read_text()


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"profile": "iso3"}, PkiError),
    ({"profile": "iso2", "ed448": True}, PkiError),
    ({"emaid": "nope"}, IdentifierError),
    ({"emaid": "DE8AACA2B3C4D5X"}, IdentifierError),
    ({"pcid": "short"}, IdentifierError),
    ({"validity_days": {"contract_leaf": 0}}, PkiError),
    ({"validity_days": {"leaf": 10}}, PkiError),
    ({"password": b""}, PkiError),
    ({"now": datetime(2026, 1, 1)}, PkiError),  # naive on purpose
])
def test_bad_input_writes_nothing(tmp_path: Path, kwargs: dict[str, object], error: type) -> None:
    target = tmp_path / "pki"
    with pytest.raises(error):
        init_pki(target, **kwargs)  # type: ignore[arg-type]
    assert not target.exists()


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    first_root = init_pki(tmp_path, "iso2", now=NOW).cert(Role.V2G_ROOT)
    before = (tmp_path / "manifest.json").read_text()
    with pytest.raises(PkiError, match="already holds a PKI"):
        init_pki(tmp_path, "iso2", now=NOW)
    assert (tmp_path / "manifest.json").read_text() == before
    second = init_pki(tmp_path, "iso2", now=NOW, overwrite=True)
    assert second.cert(Role.V2G_ROOT) != first_root


def _csr(key: ec.EllipticCurvePrivateKey, cn: str) -> x509.CertificateSigningRequest:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    return x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())


def test_provisioning_leaf_from_csr(tmp_path: Path) -> None:
    device_key = ec.generate_private_key(ec.SECP256R1())
    csr = _csr(device_key, "tpm1234567ABCDEFG")
    m = init_pki(tmp_path / "p", "iso2", provisioning_csr=csr, now=NOW)
    leaf = m.cert(Role.OEM_PROV_LEAF)
    assert leaf.public_key() == device_key.public_key()
    assert m.pcid == "TPM1234567ABCDEFG"
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == m.pcid
    data = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert data["certs"]["oem_prov_leaf"]["key"] is None
    assert not (tmp_path / "p" / "keys" / "oem_prov_leaf.key.pem").exists()
    assert load_manifest(tmp_path / "p").files[Role.OEM_PROV_LEAF].key is None
    with pytest.raises(PkiError, match="no private key"):
        m.key(Role.OEM_PROV_LEAF)
    assert all(r.ok for r in verify_pki(m, now=NOW))


def test_csr_rejections(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    good = _csr(key, "TPM1234567ABCDEFG")
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # corrupt the signature
    tampered = x509.load_der_x509_csr(bytes(der))
    cases: list[tuple[x509.CertificateSigningRequest, dict[str, object], str]] = [
        (tampered, {}, "does not verify"),
        (_csr(ec.generate_private_key(ec.SECP384R1()), "TPM1234567ABCDEFG"), {}, "must be EC"),
        (_csr(key, "not a pcid"), {}, "not a PCID"),
        (good, {"pcid": "OTHER234567ABCDEF"}, "differs"),
        (good, {"profile": "iso20"}, "must be EC on secp521r1"),
        (good, {"profile": "iso20", "ed448": True}, "must be Ed448"),
    ]
    for csr, extra, message in cases:
        target = tmp_path / message.replace(" ", "_")
        kwargs: dict[str, object] = {"profile": "iso2", **extra}
        with pytest.raises(PkiError, match=message):
            init_pki(target, provisioning_csr=csr, now=NOW, **kwargs)  # type: ignore[arg-type]
        assert not target.exists()


def test_load_manifest_errors(tmp_path: Path, pki: PkiManifest) -> None:
    with pytest.raises(PkiError, match="cannot read"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(PkiError, match="cannot read"):
        load_manifest(tmp_path)
    data = pki.to_json()
    data["certs"]["v2g_root"]["pem"] = "../../etc/passwd"
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(PkiError, match="relative"):
        load_manifest(tmp_path)
    del data["certs"]["v2g_root"]
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(PkiError, match="lacks roles"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"profile": "iso2"}))
    with pytest.raises(PkiError, match="malformed"):
        load_manifest(tmp_path)
    with pytest.raises(PkiError, match="unknown chain"):
        pki.chain("xyz")
    with pytest.raises(PkiError, match="unknown role"):
        pki.cert("nobody")

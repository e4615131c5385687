"""``evcc keystore`` and ``evcc contracts`` on a software store and on a TPM store (swtpm)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from evcc.cli import main
from keystore.swtpm import Swtpm

PCID = "WMI1234567ABCDEFG7"


@pytest.fixture
def swtpm(tmp_path: Path) -> Iterator[Swtpm]:
    with Swtpm(tmp_path / "tpmstate") as tpm:
        yield tpm


@pytest.fixture(params=["soft", "tpm"])
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    if request.param == "soft":
        return ["--store", f"soft:{tmp_path / 'store'}"]
    tpm: Swtpm = request.getfixturevalue("swtpm")
    return ["--store", f"tpm:{tmp_path / 'store'}", "--tcti", tpm.tcti]


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], store: list[str]) -> None:
        self.capsys = capsys
        self.store = store

    def __call__(self, *argv: str, code: int = 0) -> str:
        self.capsys.readouterr()
        assert main([argv[0], *self.store, *argv[1:]]) == code
        out, err = self.capsys.readouterr()
        if code:
            return err
        return out

    def json(self, *argv: str) -> object:
        return json.loads(self(*argv, "--json"))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], store_args: list[str]) -> Cli:
    return Cli(capsys, store_args)


def _raw_verify(cert_pem: Path, signature_hex: str, digest: bytes) -> None:
    cert = x509.load_pem_x509_certificates(cert_pem.read_bytes())[0]
    pub = cert.public_key()
    assert isinstance(pub, ec.EllipticCurvePublicKey)
    raw = bytes.fromhex(signature_hex)
    half = len(raw) // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    alg = hashes.SHA256() if len(digest) == 32 else hashes.SHA512()
    pub.verify(der, digest, ec.ECDSA(Prehashed(alg)))


@pytest.mark.parametrize("profile", ["iso2", "iso20"])
def test_provisioning_flow_with_bench_pki(cli: Cli, tmp_path: Path, profile: str) -> None:
    """create in the store -> csr -> `evcc pki init --provisioning-csr` -> install -> sign."""
    status = cli.json("keystore", "init")
    assert isinstance(status, dict) and status["contracts"] == 0
    created = cli.json("keystore", "provisioning", "create", "--pcid", PCID, "--profile", profile)
    assert isinstance(created, dict) and created["profile"] == profile
    if status["backend"] == "tpm":
        assert 0x81000100 <= created["tpm_handle"] <= 0x810001FF
    csr = tmp_path / "prov.csr"
    cli("keystore", "provisioning", "csr", "--out", str(csr))
    assert main(["pki", "init", str(tmp_path / "pki"), "--profile", profile,
                 "--provisioning-csr", str(csr)]) == 0
    chain = tmp_path / "pki" / "chains" / "oem.pem"
    shown = cli.json("keystore", "provisioning", "install", str(chain))
    assert isinstance(shown, dict) and shown["chain_length"] == 3
    assert PCID in shown["certificate_subject"]
    digest = bytes(range(32 if profile == "iso2" else 64))
    signed = cli.json("keystore", "provisioning", "sign", "--digest", digest.hex())
    assert isinstance(signed, dict)
    assert len(bytes.fromhex(signed["signature"])) == (64 if profile == "iso2" else 132)
    _raw_verify(chain, signed["signature"], digest)
    text = cli("keystore", "provisioning", "show")
    assert PCID in text and "BEGIN PUBLIC KEY" in text
    has_parent = status["backend"] == "tpm" and profile == "iso20"
    assert ("TPM import parent" in text) == has_parent


def test_roots_and_contracts(cli: Cli, tmp_path: Path) -> None:
    cli("keystore", "init")
    pki = tmp_path / "pki"
    assert main(["pki", "init", str(pki)]) == 0
    added = cli.json("keystore", "roots", "add", str(pki / "certs" / "v2g_root.pem"))
    assert isinstance(added, list) and added[0]["kind"] == "v2g"
    cli("keystore", "roots", "add", "--kind", "mo", str(pki / "certs" / "mo_root.pem"))
    roots = cli.json("keystore", "roots", "list")
    assert isinstance(roots, list) and [r["kind"] for r in roots] == ["v2g", "mo"]
    ids = cli.json("keystore", "roots", "ids")
    v2g = x509.load_pem_x509_certificate((pki / "certs" / "v2g_root.pem").read_bytes())
    assert ids == [{"issuer_name": v2g.issuer.rfc4514_string(),
                    "serial_number": v2g.serial_number}]

    imported = cli.json("contracts", "import", "--cert", str(pki / "chains" / "mo.pem"),
                        "--key", str(pki / "keys" / "contract_leaf.key.pem"), "--priority", "7")
    assert isinstance(imported, dict) and imported["priority"] == 7
    cid = imported["id"]
    listed = cli.json("contracts", "list")
    assert isinstance(listed, list) and [c["id"] for c in listed] == [cid]
    assert listed[0]["source"] == "bench" and listed[0]["enabled"] is True
    assert cli.json("contracts", "priority", cid, "2")["priority"] == 2  # type: ignore[index]
    assert cli.json("contracts", "disable", imported["emaid"])["enabled"] is False  # type: ignore[index]
    assert "off" in cli("contracts", "list")
    assert cli.json("contracts", "enable", cid[:6])["enabled"] is True  # type: ignore[index]
    shown = cli.json("contracts", "show", cid)
    assert isinstance(shown, dict) and len(shown["chain"]) == 3
    assert cli.json("contracts", "expiring", "--days", "100000") != []
    assert cli.json("contracts", "expiring", "--days", "1") == []
    status = cli.json("keystore", "status")
    assert isinstance(status, dict) and status["roots"] == 2 and status["contracts"] == 1
    cli("contracts", "remove", cid)
    assert cli.json("contracts", "list") == []
    cli("keystore", "roots", "remove", roots[1]["fingerprint"][:16])
    assert len(cli.json("keystore", "roots", "list")) == 1  # type: ignore[arg-type]
    # the store holds no readable private key even though a PEM key was imported
    for path in (tmp_path / "store").rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes()


def test_user_errors_are_one_line(cli: Cli, tmp_path: Path) -> None:
    err = cli("contracts", "list", code=2)
    assert "no keystore" in err and len(err.strip().splitlines()) == 1
    cli("keystore", "init")
    err = cli("keystore", "init", code=2)
    assert "already holds a keystore" in err
    err = cli("contracts", "show", "nonexistent", code=2)
    assert "no contract matches" in err
    err = cli("keystore", "provisioning", "sign", "--digest", "zz", code=2)
    assert "hex" in err
    err = cli("keystore", "provisioning", "sign", "--digest", "00" * 32, code=2)
    assert "no OEM provisioning key" in err
    (tmp_path / "bad.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    err = cli("keystore", "roots", "add", str(tmp_path / "bad.pem"), code=2)
    assert "certificate" in err
    key = tmp_path / "key.pem"
    key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    assert main(["pki", "init", str(tmp_path / "pki")]) == 0
    err = cli("contracts", "import", "--cert", str(tmp_path / "pki" / "chains" / "mo.pem"),
              "--key", str(key), code=2)
    assert "does not belong" in err and "PRIVATE" not in err


def test_bad_spec_and_missing_tpm(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["keystore", "--store", "nvram:/x", "status"]) == 2
    assert "not understood" in capsys.readouterr().err
    assert main(["keystore", "--store", f"tpm:{tmp_path}", "--tcti",
                 "device:/dev/no-such-tpm", "init"]) == 2
    assert "cannot reach a TPM" in capsys.readouterr().err


def test_console_script_with_env(swtpm: Swtpm, tmp_path: Path) -> None:
    env = {"EVCC_KEYSTORE": f"tpm:{tmp_path / 's'}", "EVCC_TCTI": swtpm.tcti, "PATH": "/usr/bin"}
    evcc = Path(sys.executable).parent / "evcc"
    for argv in (["keystore", "init"], ["keystore", "status", "--json"]):
        out = subprocess.run([str(evcc), *argv], env=env, capture_output=True, text=True,
                             check=True).stdout
    status = json.loads(out)
    assert status["backend"] == "tpm" and status["detail"]["tcti"] == swtpm.tcti
    assert status["detail"]["lockout_counter"] == 0


def _write_contract(directory: Path, name: str, chain: list[x509.Certificate],
                    key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key.pem"
    cert_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_contract_validity_and_emaid_lookup(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The CLI uses the wall clock: a leaf that ended in January 2026 is refused."""
    from datetime import timedelta

    from evcc.clock import SYSTEM_CLOCK
    from evcc.x509.identifiers import Emaid
    from tests.keystore.pki import Pki

    cli = Cli(capsys, ["--store", f"soft:{tmp_path / 'store'}"])
    cli("keystore", "init")
    pki = Pki("iso2")
    old = pki.contract(days=10)  # 2026-01-01 .. 2026-01-11
    future = pki.contract(start=SYSTEM_CLOCK.utc() + timedelta(days=30))
    old_files = _write_contract(tmp_path, "old", old.chain, old.key)
    future_files = _write_contract(tmp_path, "future", future.chain, future.key)
    err = cli("contracts", "import", "--cert", str(old_files[0]), "--key", str(old_files[1]),
              code=2)
    assert "is expired" in err and len(err.strip().splitlines()) == 1
    err = cli("contracts", "import", "--cert", str(future_files[0]),
              "--key", str(future_files[1]), code=2)
    assert "not yet valid" in err
    assert cli.json("contracts", "list") == []
    imported = cli.json("contracts", "import", "--cert", str(old_files[0]),
                        "--key", str(old_files[1]), "--allow-expired")
    assert isinstance(imported, dict)
    assert imported["validity"] == "expired" and imported["validity_override"] is True
    cli("contracts", "import", "--cert", str(future_files[0]), "--key", str(future_files[1]),
        "--allow-expired")
    listed = cli.json("contracts", "list")
    assert isinstance(listed, list)
    assert sorted(c["validity"] for c in listed) == ["expired", "not-yet-valid"]
    table = cli("contracts", "list")
    assert "expired*" in table and "not-yet-valid*" in table and "--allow-expired" in table
    soon = cli.json("contracts", "expiring", "--days", "1")
    assert isinstance(soon, list) and [c["id"] for c in soon] == [imported["id"]]
    # eMAID lookup: separators, case and the check digit do not matter
    body = Emaid.parse(old.emaid).body
    dashed = f"{body[:2]}-{body[2:5]}-{body[5:]}".lower()
    assert cli.json("contracts", "show", dashed)["id"] == imported["id"]  # type: ignore[index]
    err = cli("contracts", "show", "DE-PNC", code=2)
    assert "matches 2 contracts" in err and len(err.strip().splitlines()) == 1


def _lockout_counter(esapi: object) -> int:
    from tpm2_pytss.constants import TPM2_CAP, TPM2_PT

    props = esapi.get_capability(  # type: ignore[attr-defined]
        TPM2_CAP.TPM_PROPERTIES, TPM2_PT.LOCKOUT_COUNTER, 1)[1]
    return int(props.data.tpmProperties.tpmProperty[0].value)


def test_owner_auth_file(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, swtpm: Swtpm, tmp_path: Path,
) -> None:
    """A TPM whose owner auth is set: init, roots add/remove and provisioning create need it."""
    import secrets

    from tpm2_pytss import ESAPI
    from tpm2_pytss.constants import ESYS_TR

    from tests.keystore.pki import Pki

    monkeypatch.delenv("EVCC_TPM_OWNER_AUTH_FILE", raising=False)
    secret, wrong_secret = secrets.token_hex(12), secrets.token_hex(12)
    good, wrong = tmp_path / "owner.auth", tmp_path / "other.auth"
    good.write_text(secret + "\n")
    wrong.write_text(wrong_secret)
    root = tmp_path / "root.pem"
    root.write_bytes(Pki("iso2").v2g_root.cert.public_bytes(serialization.Encoding.PEM))
    esapi = ESAPI(swtpm.tcti)
    try:
        esapi.hierarchy_change_auth(ESYS_TR.OWNER, secret.encode())
        esapi.tr_set_auth(ESYS_TR.OWNER, secret.encode())
        before = _lockout_counter(esapi)
        cli = Cli(capsys, ["--store", f"tpm:{tmp_path / 'store'}", "--tcti", swtpm.tcti])
        errors = [cli("keystore", "init", code=2),
                  cli("keystore", "init", "--owner-auth-file", str(wrong), code=2)]
        for err in errors:
            assert "refused the authorization" in err and "--owner-auth-file" in err
            assert len(err.strip().splitlines()) == 1
            assert secret not in err and wrong_secret not in err
        assert not (tmp_path / "store").exists()  # nothing half-made
        assert _lockout_counter(esapi) == before  # no DA side effect from the wrong attempts
        monkeypatch.setenv("EVCC_TPM_OWNER_AUTH_FILE", str(good))
        cli("keystore", "init")
        monkeypatch.delenv("EVCC_TPM_OWNER_AUTH_FILE")
        assert "refused the authorization" in cli("keystore", "roots", "add", str(root), code=2)
        added = cli.json("keystore", "roots", "add", str(root), "--owner-auth-file", str(good))
        assert isinstance(added, list) and len(added) == 1
        # reading needs no owner authorization
        assert len(cli.json("keystore", "roots", "list")) == 1  # type: ignore[arg-type]
        err = cli("keystore", "provisioning", "create", "--pcid", PCID, "--profile", "iso2",
                  "--owner-auth-file", str(wrong), code=2)
        assert "refused the authorization" in err
        created = cli.json("keystore", "provisioning", "create", "--pcid", PCID,
                           "--profile", "iso2", "--owner-auth-file", str(good))
        assert isinstance(created, dict) and created["tpm_handle"] >= 0x81000100
        cli("keystore", "provisioning", "sign", "--digest", "00" * 32)
        fingerprint = added[0]["fingerprint"]
        cli("keystore", "roots", "remove", fingerprint, "--owner-auth-file", str(wrong), code=2)
        cli("keystore", "roots", "remove", fingerprint, "--owner-auth-file", str(good))
        assert cli.json("keystore", "roots", "list") == []
        status = cli.json("keystore", "status")
        assert isinstance(status, dict) and status["detail"]["lockout_counter"] == before
        # unusable files: one clear line, nothing of the content
        (tmp_path / "empty.auth").write_bytes(b"\n")
        (tmp_path / "long.auth").write_bytes(b"x" * 65)
        assert "is empty" in cli("keystore", "init", "--owner-auth-file",
                                 str(tmp_path / "empty.auth"), code=2)
        assert "longer than 64" in cli("keystore", "init", "--owner-auth-file",
                                       str(tmp_path / "long.auth"), code=2)
        assert "cannot read" in cli("keystore", "init", "--owner-auth-file",
                                    str(tmp_path / "missing"), code=2)
        out, err = capsys.readouterr()
        for text in (out, err, caplog.text):
            assert secret not in text and wrong_secret not in text
    finally:
        if _lockout_counter(esapi) > 0:  # leave no DA state behind for other users of the TPM
            esapi.dictionary_attack_lock_reset()
        esapi.close()

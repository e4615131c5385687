"""`evcc pki init|check|rules` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.bench.pki import PkiManifest, init_pki, load_manifest
from evcc.cli import main
from evcc.x509.profile import RULES
from evcc.x509.profile_roles import ROLES, Role
from tests.evcc.x509.certkit import NOW, Variant, make_cert, past, rsa_key

AT = ("--at", NOW.isoformat())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cli") / "iso2"
    assert main(["pki", "init", str(target), "--profile", "iso2"]) == 0
    return target


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    """A PKI made at the fixed test time NOW; checks of it run with ``--at NOW``."""
    return init_pki(tmp_path_factory.mktemp("cli") / "at-now", "iso2", now=NOW)


def write(tmp_path: Path, name: str, *certs: x509.Certificate) -> str:
    path = tmp_path / name
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return str(path)


def test_init_writes_manifest_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    code, out, _ = run(capsys, "pki", "init", str(tmp_path / "a"), "--profile", "iso20",
                       "--emaid", "DE-8AA-CA2B3C4D5", "--pcid", "WMI1234567ABCDEFG",
                       "--validity", "contract_leaf=30", "--password", "pw", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["profile"] == "iso20" and doc["emaid"] == "DE8AACA2B3C4D5L"
    assert doc["pcid"] == "WMI1234567ABCDEFG" and set(doc["certs"]) == {r.value for r in ROLES}
    m = load_manifest(tmp_path / "a")
    assert (tmp_path / "a" / doc["certs"]["contract_leaf"]["key"]).read_text().startswith(
        "-----BEGIN ENCRYPTED PRIVATE KEY")
    leaf = m.cert(Role.CONTRACT_LEAF)
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(days=30)
    code, out, _ = run(capsys, "pki", "init", str(tmp_path / "b"), "--profile", "iso20",
                       "--ed448")
    assert code == 0 and "Ed448" in out and "15 certificates" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--emaid", "bogus"], "eMAID"),
    (["--validity", "contract_leaf"], "ROLE=DAYS"),
    (["--validity", "nobody=3"], "unknown role"),
    (["--ed448"], "Ed448 is not part of the iso2"),
    (["--provisioning-csr", "/nonexistent.csr"], "cannot read CSR"),
])
def test_init_errors_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          argv: list[str], message: str) -> None:
    code, _, err = run(capsys, "pki", "init", str(tmp_path / "x"), *argv)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_init_from_csr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "TPM1234567ABCDEFG")])
    ).sign(key, hashes.SHA256())
    csr_file = tmp_path / "prov.csr"
    csr_file.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    code, out, _ = run(capsys, "pki", "init", str(tmp_path / "p"), "--provisioning-csr",
                       str(csr_file), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["certs"]["oem_prov_leaf"]["key"] is None and doc["pcid"] == "TPM1234567ABCDEFG"
    assert load_manifest(tmp_path / "p").cert(Role.OEM_PROV_LEAF).public_key() == key.public_key()
    csr_file.write_bytes(b"garbage")
    code, _, err = run(capsys, "pki", "init", str(tmp_path / "q"), "--provisioning-csr",
                       str(csr_file))
    assert code == 2 and "not a PEM or DER" in err


def test_check_accepts_everything_generated(pki_dir: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    pems = sorted(str(p) for p in (pki_dir / "certs").glob("*.pem"))
    ders = sorted(str(p) for p in (pki_dir / "certs").glob("*.der"))
    assert len(pems) == len(ders) == 15
    code, out, _ = run(capsys, "pki", "check", *pems)
    assert code == 0 and "15 certificate(s)" in out and ": OK" in out
    assert run(capsys, "pki", "check", *ders)[0] == 0
    for name in ("cpo", "cps", "oem", "mo"):
        code, out, _ = run(capsys, "pki", "check", str(pki_dir / "chains" / f"{name}_full.pem"))
        assert code == 0 and "as chain" in out, out
    # iso20 certificates: the profile follows from the key when --profile is absent
    run(capsys, "pki", "init", str(tmp_path / "i20"), "--profile", "iso20")
    code, out, _ = run(capsys, "pki", "check", *map(str, (tmp_path / "i20" / "certs").glob(
        "*.pem")))
    assert code == 0 and "iso20" in out


def _bad(pki: PkiManifest) -> list[tuple[str, Role, x509.Certificate]]:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    return [
        ("key_curve", Role.CONTRACT_LEAF, make_cert(pki, Role.CONTRACT_LEAF, Variant(key=p384))),
        ("key_rsa", Role.SECC_LEAF,
         make_cert(pki, Role.SECC_LEAF, Variant(key=rsa_key().public_key()))),
        ("signature_hash", Role.CPS_LEAF,
         make_cert(pki, Role.CPS_LEAF, Variant(hash_alg=hashes.SHA512()))),
        ("leaf_ca", Role.OEM_PROV_LEAF,
         make_cert(pki, Role.OEM_PROV_LEAF, Variant(ca=True, path_len=0))),
        ("path_len", Role.MO_SUB1, make_cert(pki, Role.MO_SUB1, Variant(path_len=None))),
        ("path_len", Role.CPO_SUB2, make_cert(pki, Role.CPO_SUB2, Variant(path_len=3))),
        ("dc_missing", Role.CPS_LEAF, make_cert(pki, Role.CPS_LEAF, Variant(dc=None))),
        ("key_usage", Role.SECC_LEAF, make_cert(pki, Role.SECC_LEAF, Variant(
            key_usage={"key_cert_sign": True, "digital_signature": True}))),
        ("expired", Role.CONTRACT_LEAF, make_cert(pki, Role.CONTRACT_LEAF, Variant(
            not_before=past(60), not_after=past(2)))),
        ("not_yet_valid", Role.CONTRACT_LEAF, make_cert(pki, Role.CONTRACT_LEAF, Variant(
            not_before=NOW + timedelta(days=5), not_after=NOW + timedelta(days=50)))),
        ("contract_cn", Role.CONTRACT_LEAF,
         make_cert(pki, Role.CONTRACT_LEAF, Variant(cn="Erika Mustermann"))),
    ]


def test_check_rejects_each_rule_by_name(pki: PkiManifest, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    for index, (rule, role, cert) in enumerate(_bad(pki)):
        path = write(tmp_path, f"bad{index}.pem", cert)
        code, out, _ = run(capsys, "pki", "check", path, "--role", role.value, "--profile", "iso2",
                           *AT)
        assert code == 1, (rule, out)
        assert [line.split()[0] for line in out.splitlines()] == [rule], out
        # without --role the role is inferred and the rule still shows
        code, out, _ = run(capsys, "pki", "check", path, "--json", *AT)
        doc = json.loads(out)
        assert code == 1 and doc["ok"] is False, (rule, doc)
        assert rule in {v["rule"] for v in doc["violations"]}, (rule, doc)


def test_check_rejects_issuer_and_aki_mismatch_in_chains(pki: PkiManifest, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    sub2, sub1 = pki.cert(Role.CPO_SUB2), pki.cert(Role.CPO_SUB1)
    leaf = make_cert(pki, Role.SECC_LEAF, Variant(aki=b"\x01" * 20))
    code, out, _ = run(capsys, "pki", "check", write(tmp_path, "a.pem", leaf, sub2, sub1), *AT)
    assert code == 1 and out.split()[0] == "aki_mismatch", out
    # the leaf names an issuer that is not in the chain; the key identifier still links it
    stranger = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Stranger CA")])
    leaf = make_cert(pki, Role.SECC_LEAF, Variant(issuer_name=stranger))
    code, out, err = run(capsys, "pki", "check", write(tmp_path, "b.pem", sub1, leaf, sub2), *AT)
    assert code == 1 and "as chain" in err
    assert [line.split()[0] for line in out.splitlines()] == ["issuer_mismatch"], out
    # unrelated certificates are checked one by one
    code, out, _ = run(capsys, "pki", "check", write(tmp_path, "c.pem", sub1, pki.cert(
        Role.MO_SUB2)), *AT)
    assert code == 0 and "as certificates" in out


def test_check_skip_json_and_errors(pki: PkiManifest, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "nodc.pem", make_cert(pki, Role.CPS_LEAF, Variant(dc=None)))
    assert run(capsys, "pki", "check", path, "--skip", "dc_missing", *AT)[0] == 0
    code, _, err = run(capsys, "pki", "check", path, "--skip", "no_such_rule")
    assert code == 2 and "unknown rule" in err
    code, _, err = run(capsys, "pki", "check", str(tmp_path / "missing.pem"))
    assert code == 2 and "cannot read" in err
    (tmp_path / "junk.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n")
    code, _, err = run(capsys, "pki", "check", str(tmp_path / "junk.pem"))
    assert code == 2 and "no readable X.509" in err
    code, _, err = run(capsys, "pki", "check", path, "--at", "yesterday")
    assert code == 2 and "ISO 8601" in err
    later = (NOW + timedelta(days=400)).isoformat()
    code, out, _ = run(capsys, "pki", "check", str(pki.files[Role.SECC_LEAF].pem), "--at", later)
    assert code == 1 and out.split()[0] == "expired"


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pki", "rules", "--json")
    assert code == 0 and json.loads(out) == RULES
    code, out, _ = run(capsys, "pki", "rules")
    assert code == 0 and {line.split()[0] for line in out.splitlines()} == set(RULES)


def test_console_script_runs(pki_dir: Path) -> None:
    evcc = Path(sys.executable).with_name("evcc")
    if not evcc.exists():
        pytest.skip("evcc console script is not installed next to the interpreter")
    proc = subprocess.run([str(evcc), "pki", "check", str(pki_dir / "chains" / "mo_full.pem")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_check_with_trusted_root(pki: PkiManifest, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    chain = str(pki.chain_file("oem"))
    code, out, _ = run(capsys, "pki", "check", chain, "--root", str(pki.files[Role.OEM_ROOT].pem),
                       *AT)
    assert code == 0, out
    code, out, _ = run(capsys, "pki", "check", chain, "--root", str(pki.files[Role.MO_ROOT].pem),
                       *AT)
    assert code == 1 and out.split()[0] == "anchor"
    code, _, err = run(capsys, "pki", "check", str(pki.files[Role.OEM_SUB1].pem), "--root",
                       str(pki.files[Role.OEM_ROOT].pem))
    assert code == 2 and "form one chain" in err

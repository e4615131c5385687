"""`evcc demo`: the README main command, end to end (PKI, TPM keystore on swtpm, SLAC)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

import keystore.swtpm
from evcc.bench.demo import keystore as demo_keystore
from evcc.bench.pki import PkiManifest, init_pki, load_manifest
from evcc.cli import main
from evcc.cli.demo import _sigterm_as_exit

needs_swtpm = pytest.mark.skipif(shutil.which("swtpm") is None,
                                 reason="swtpm is not installed (Debian package swtpm)")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run_json(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> dict[str, Any]:
    assert main(["demo", *argv, "--json"]) == code
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def steps(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in doc["steps"]}


@needs_swtpm
def test_demo_json_has_the_facts_of_every_step(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "--out", str(tmp_path))
    assert doc["ok"] is True and doc["workdir"] == str(tmp_path)
    by_name = steps(doc)
    assert list(by_name) == ["pki", "keystore", "slac", "exi"]
    for step in doc["steps"]:
        assert step["status"] == "ok" and step["problems"] == [] and step["seconds"] > 0
    assert doc["seconds"] >= sum(s["seconds"] for s in doc["steps"]) * 0.99

    pki = by_name["pki"]["facts"]
    assert [v["name"] for v in pki["variants"]] == ["iso2", "iso20", "iso20-ed448"]
    for variant in pki["variants"]:
        assert variant["certificate_violations"] == [] and variant["certificates"] == 15
        assert [c["chain"] for c in variant["chains"]] == ["cpo", "cps", "oem", "mo"]
        assert all(c["ok"] and c["openssl"] for c in variant["chains"])
        assert load_manifest(Path(variant["directory"])).pcid == variant["pcid"]

    ks = by_name["keystore"]["facts"]
    assert ks["backend"] == "tpm" and ks["fallback_reason"] is None
    assert ks["tcti"] == f"swtpm:host=127.0.0.1,port={ks['swtpm']['port']}"
    assert not alive(ks["swtpm"]["pid"])  # stopped at the end of the step
    assert ks["provisioning_key"]["pcid"] == pki["variants"][0]["pcid"]
    assert ks["provisioning_key"]["curve"] == "secp256r1"
    assert int(ks["provisioning_key"]["tpm_handle"], 16) in range(0x81000100, 0x81000200)
    assert ks["csr_subject"] == f"CN={pki['variants'][0]['pcid']}"
    assert ks["provisioning_chain"]["length"] == 3
    assert ks["sign_provisioning"]["verified_with_certificate"] is True
    assert ks["sign_contract"]["verified_with_certificate"] is True
    assert ks["ecdh_provisioning"] == {"peer_curve": "secp256r1", "shared_secret_bytes": 32,
                                       "equal": True}
    assert sorted(r["kind"] for r in ks["roots"]) == ["mo", "v2g"]
    # ListOfRootCertificateIDs: issuer and serial of the V2G root the PKI wrote
    manifest = load_manifest(tmp_path / "keystore" / "pki")
    root = manifest.cert("v2g_root")
    assert ks["list_of_root_certificate_ids"] == [
        {"issuer_name": root.issuer.rfc4514_string(), "serial_number": root.serial_number}]
    # the provisioning leaf was issued for the key created inside the TPM: no key file
    assert manifest.files[manifest_role(manifest, "oem_prov_leaf")].key is None
    [contract] = ks["contracts"]
    assert contract["emaid"] == manifest.emaid and contract["source"] == "bench"
    assert ks["status"]["roots_intact"] is True and ks["status"]["for_vehicles"] is True
    assert set(ks["timings_ms"]) >= {"create_provisioning_key", "sign_provisioning",
                                     "ecdh_provisioning", "install_contract"}
    # nothing in the store directory holds private key material
    for path in (tmp_path / "keystore" / "store").rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes()

    slac = by_name["slac"]["facts"]
    assert slac["evse_mac"] == "02:00:00:00:5e:02" and slac["chosen_port"] == "evse2"
    assert slac["attenuation_db"] == {"02:00:00:00:5e:01": 45.0, "02:00:00:00:5e:02": 12.0}
    assert len(bytes.fromhex(slac["nid"])) == 7
    # the emulator's join delay (1 s) is part of the time to link up
    assert slac["duration_ms"] >= 1000 and 0 < slac["match_ms"] < slac["duration_ms"]
    assert [p["phase"] for p in slac["progress"]][:1] == ["leaving"]

    codec = by_name["exi"]["facts"]
    assert codec["supported_app_protocol_req"]["decoded_equal"] is True
    assert codec["session_setup_req"]["evccid"] == "020000000e01"
    if "skipped" not in codec["fixture"]:
        assert codec["fixture"]["signature_verified"] is True


def manifest_role(manifest: PkiManifest, name: str) -> Any:
    return next(role for role in manifest.files if role.value == name)


@needs_swtpm
def test_demo_prints_a_readable_report_and_removes_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "scratch"
    target.mkdir()
    monkeypatch.setattr(tempfile, "mkdtemp", lambda prefix="": str(target))
    assert main(["demo", "--no-openssl", "--evse", "30", "--evse", "8", "--evse", "20"]) == 0
    out = capsys.readouterr().out
    assert "demo passed: 4 step(s) ok, 0 failed" in out and "work files removed" in out
    assert "1/4 Bench V2G PKI" in out and "2/4 Keystore in a software TPM" in out
    assert "4/4 EXI codec" in out and "decoded back equal" in out
    assert "P-256 / ECDSA-SHA256" in out and "P-521 / ECDSA-SHA512" in out and "Ed448" in out
    assert "n/a" in out  # openssl left out
    assert "ListOfRootCertificateIDs" in out and "V2G Root CA" in out
    assert "verified with the certificate of PNC0TESTVEHICLE01" in out
    assert "equal to software ECDH" in out and "DEPNCC00000001A" in out
    assert "matched" in out and "02:00:00:00:5e:02 (8 dB)" in out
    assert "FALLBACK" not in out
    assert not target.exists()


def test_console_script_demo() -> None:
    evcc = Path(sys.executable).with_name("evcc")
    if not evcc.exists():
        pytest.skip("evcc console script is not installed next to the interpreter")
    proc = subprocess.run([str(evcc), "demo", "--json"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and [s["status"] for s in doc["steps"]] == ["ok"] * 4


def tamper_v2g_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the keystore step's PKI hand out a V2G root whose self-signature is broken."""
    def tampering_init_pki(*args: Any, **kwargs: Any) -> PkiManifest:
        manifest = init_pki(*args, **kwargs)
        pem = manifest.files[manifest_role(manifest, "v2g_root")].pem
        der = bytearray(x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(
            serialization.Encoding.DER))
        der[-3] ^= 0x01  # inside the signature value
        pem.write_bytes(x509.load_der_x509_certificate(bytes(der)).public_bytes(
            serialization.Encoding.PEM))
        return manifest

    monkeypatch.setattr(demo_keystore, "init_pki", tampering_init_pki)


@needs_swtpm
def test_tampered_root_fails_the_demo_and_stops_swtpm(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    tamper_v2g_root(monkeypatch)
    doc = run_json(capsys, "--out", str(tmp_path), "--skip", "slac", "--skip", "exi",
                   "--no-openssl", code=1)
    assert doc["ok"] is False
    pki, ks = steps(doc)["pki"], steps(doc)["keystore"]
    assert pki["status"] == "ok"  # the other steps still run and report
    assert ks["status"] == "failed"
    assert any("CertificateError" in p and "V2G Root CA" in p for p in ks["problems"]), ks
    assert "list_of_root_certificate_ids" not in ks["facts"]
    assert not alive(ks["facts"]["swtpm"]["pid"])
    assert main(["demo", "--skip", "slac", "--skip", "exi", "--skip", "pki"]) == 1
    out = capsys.readouterr().out
    assert "demo FAILED: 0 step(s) ok, 1 failed" in out and "FAILED" in out


@needs_swtpm
def test_ctrl_c_stops_swtpm_and_removes_the_work_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "scratch"
    target.mkdir()
    monkeypatch.setattr(tempfile, "mkdtemp", lambda prefix="": str(target))
    started: list[int] = []

    class RecordingSwtpm(keystore.swtpm.Swtpm):
        def start(self, *, startup_clear: bool = True, timeout: float = 10.0) -> None:
            super().start(startup_clear=startup_clear, timeout=timeout)
            assert self.pid is not None
            started.append(self.pid)

    def interrupted(store: Any, *_args: Any) -> None:
        assert store.status().backend == "tpm" and alive(started[0])  # swtpm is up
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_keystore, "Swtpm", RecordingSwtpm)
    monkeypatch.setattr(demo_keystore, "_walk", interrupted)
    assert main(["demo", "--skip", "pki", "--skip", "slac", "--skip", "exi"]) == 130
    assert len(started) == 1 and not alive(started[0])
    assert not target.exists()


def test_without_swtpm_the_step_falls_back_to_a_soft_store_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda name, *a, **k: None if name == "swtpm" else real(name, *a, **k))
    doc = run_json(capsys, "--out", str(tmp_path), "--skip", "slac", "--skip", "exi",
                   "--no-openssl")
    ks = steps(doc)["keystore"]
    assert doc["ok"] is True and ks["status"] == "ok"
    assert ks["facts"]["backend"] == "soft" and "swtpm is not installed" in (
        ks["facts"]["fallback_reason"])
    assert ks["warnings"] and "FALLBACK" in ks["warnings"][0] and "NOT FOR VEHICLES" in (
        ks["warnings"][0])
    assert ks["facts"]["status"]["for_vehicles"] is False
    assert ks["facts"]["ecdh_provisioning"]["equal"] is True
    assert main(["demo", "--skip", "slac", "--skip", "exi", "--skip", "pki"]) == 0
    out = capsys.readouterr().out
    assert "FALLBACK" in out and "SOFTWARE fallback" in out


def test_sigterm_becomes_an_orderly_exit() -> None:
    with pytest.raises(SystemExit) as exc, _sigterm_as_exit():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
    assert exc.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_second_run_into_the_same_out_dir_starts_afresh(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("--out", str(tmp_path), "--skip", "pki", "--skip", "slac", "--skip", "exi",
            "--soft-keystore")
    first = steps(run_json(capsys, *argv))["keystore"]["facts"]["contracts"]
    second = steps(run_json(capsys, *argv))["keystore"]["facts"]["contracts"]
    assert len(first) == len(second) == 1 and first[0]["id"] != second[0]["id"]
    (tmp_path / "keystore" / "notes.txt").write_text("mine")
    doc = run_json(capsys, *argv, code=1)
    assert "notes.txt" in steps(doc)["keystore"]["problems"][0]
    assert (tmp_path / "keystore" / "notes.txt").read_text() == "mine"


def test_soft_keystore_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "--out", str(tmp_path), "--skip", "slac", "--skip", "exi",
                   "--skip", "pki",
                   "--soft-keystore")
    ks = steps(doc)["keystore"]["facts"]
    assert ks["backend"] == "soft" and "--soft-keystore" in ks["fallback_reason"]
    assert ks["store"] == f"soft:{tmp_path / 'keystore' / 'store'}"
    # a soft store was really written, and it is not a TPM store
    from keystore import SoftKeystore
    with SoftKeystore(tmp_path / "keystore" / "store") as store:
        assert store.backend == "soft"
        assert [c.emaid for c in store.contracts()] == [ks["contracts"][0]["emaid"]]


@pytest.mark.parametrize("argv, message", [
    (["--skip", "bogus"], "unknown step bogus"),
    (["--evse", "300"], "0..255 dB"),
])
def test_argument_errors(argv: list[str], message: str,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", *argv]) == 2
    assert message in capsys.readouterr().err

"""`evcc demo`: the README main command until the simulated session exists."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from evcc.bench import pki_build
from evcc.bench.pki import load_manifest
from evcc.cli import main


def test_demo_generates_checks_and_verifies(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "all chains verified" in out and "PKIs kept in" in out and tmp_path.name in out
    for name in ("iso2", "iso20", "iso20-ed448"):
        assert name in out
        manifest = load_manifest(tmp_path / name)
        assert len(manifest.files) == 15
    assert "P-256 / ECDSA-SHA256" in out and "P-521 / ECDSA-SHA512" in out and "Ed448" in out


def test_demo_json_reports_every_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True
    assert [v["name"] for v in doc["variants"]] == ["iso2", "iso20", "iso20-ed448"]
    for variant in doc["variants"]:
        assert variant["certificate_violations"] == []
        assert [c["chain"] for c in variant["chains"]] == ["cpo", "cps", "oem", "mo"]
        for chain in variant["chains"]:
            assert chain["ok"] is True and chain["openssl"] is True and len(chain["subjects"]) == 4


def test_demo_removes_its_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "scratch"
    target.mkdir()
    monkeypatch.setattr(tempfile, "mkdtemp", lambda prefix="": str(target))
    assert main(["demo", "--no-openssl"]) == 0
    out = capsys.readouterr().out
    assert "temporary PKIs removed" in out and "n/a" in out
    assert not target.exists()


def test_demo_fails_when_verification_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # certificates that start tomorrow: the checker and openssl must both refuse them
    monkeypatch.setattr(pki_build, "BACKDATE", -timedelta(days=1))
    assert main(["demo", "--out", str(tmp_path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    chain = doc["variants"][0]["chains"][0]
    assert chain["openssl"] is False
    assert any(v.startswith("not_yet_valid") for v in chain["violations"])
    assert main(["demo", "--out", str(tmp_path)]) == 1
    assert "verification failed" in capsys.readouterr().out


def test_console_script_demo() -> None:
    evcc = Path(sys.executable).with_name("evcc")
    if not evcc.exists():
        pytest.skip("evcc console script is not installed next to the interpreter")
    proc = subprocess.run([str(evcc), "demo"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all chains verified" in proc.stdout

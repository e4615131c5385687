"""The demo's EXI step: encodings match an independent codec, the fixture, failures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from evcc import exi
from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.exi import (
    DEFAULT_FIXTURE_DIR,
    ExiStep,
    app_protocol_req,
    session_setup_req,
)
from evcc.bench.demo.run import run_step
from evcc.clock import FakeClock

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# Real captures (dsV2Gshark examples), re-encoded byte-identically by EXIficient
# (../shared/vectors/exi_vectors.json).
SAP_REQ = ("8000ebab9371d34b9b79d189a98989c1d191d191818999d26b9b3a232b30020001bc0001b75726e3a64696e"
           "3a37303132313a323031323a4d73674465660040006f00880")
SETUP_REQ = "809802000000000000000011d0199135c0040b2000"

needs_fixture = pytest.mark.skipif(not (DEFAULT_FIXTURE_DIR / "res.exi.bin").is_file(),
                                   reason="the shared Hubject-QA fixture is not present")


def test_messages_encode_like_the_reference_codec() -> None:
    offer = app_protocol_req((("urn:iso:15118:2:2013:MsgDef", 2, 0, 111),
                              ("urn:din:70121:2012:MsgDef", 2, 0, 222)))
    assert exi.encode(offer, "app").hex() == SAP_REQ
    setup = session_setup_req(bytes(8), bytes.fromhex("644D700102C8"))
    assert exi.encode(setup, "iso2").hex() == SETUP_REQ


@needs_fixture
def test_exi_step_round_trips_and_reads_the_hubject_response(tmp_path: Path) -> None:
    report = run_step(ExiStep(), DemoContext(tmp_path, FakeClock(NOW)))
    assert report.status == "ok", report.problems
    facts = report.facts
    sap = facts["supported_app_protocol_req"]
    assert exi.decode(bytes.fromhex(sap["hex"]), "app").app_protocol[0].protocol_namespace == (
        "urn:iso:std:iso:15118:-20:DC")
    assert facts["session_setup_req"]["hex"] == "8098004011d01808000000380400"
    fixture = facts["fixture"]
    assert fixture["re_encoded_identical"] is True and fixture["bytes"] == 4416
    assert fixture["emaid"] == "EMP99CQAPAB004" and fixture["response_code"] == "OK"
    assert fixture["signed_references"] == ["#ID2", "#ID1", "#ID4", "#ID3"]
    assert fixture["signature_verified"] is True and not report.warnings
    assert fixture["verified_references"] == ["ID2", "ID1", "ID4", "ID3"]
    assert "CN=CPS 2021.8 QA" in fixture["signer"]
    assert ("not checked", "the signer's chain: its V2G root is not in the message, and the "
            "signer expired on 2023-04-26") in report.lines


def test_exi_step_without_the_fixture_says_so(tmp_path: Path) -> None:
    report = run_step(ExiStep(fixture_dir=tmp_path / "absent"),
                      DemoContext(tmp_path, FakeClock(NOW)))
    assert report.status == "ok"
    assert "skipped" in report.facts["fixture"]
    assert report.warnings and "is not there" in report.warnings[0]


@needs_fixture
def test_exi_step_fails_when_a_signed_part_was_changed(tmp_path: Path) -> None:
    data = bytearray((DEFAULT_FIXTURE_DIR / "res.exi.bin").read_bytes())
    data[3000] ^= 0x10  # inside the contract certificate chain (#ID1)
    (tmp_path / "res.exi.bin").write_bytes(bytes(data))
    report = run_step(ExiStep(fixture_dir=tmp_path), DemoContext(tmp_path, FakeClock(NOW)))
    assert report.status == "failed"
    assert report.problems == ["ExiSignatureError: digest of #ID1 does not match"]
    assert report.facts["fixture"]["signature_verified"] is False


@needs_fixture
def test_exi_step_fails_on_a_broken_fixture(tmp_path: Path) -> None:
    data = (DEFAULT_FIXTURE_DIR / "res.exi.bin").read_bytes()
    (tmp_path / "res.exi.bin").write_bytes(data[:300])
    report = run_step(ExiStep(fixture_dir=tmp_path), DemoContext(tmp_path, FakeClock(NOW)))
    assert report.status == "failed"
    assert report.problems[0].startswith("ExiDecodeError")
    assert report.facts["session_setup_req"]["decoded_equal"] is True  # done before

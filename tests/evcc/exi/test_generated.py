"""The committed grammar modules equal a fresh generation from ../shared/schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from evcc.exi import GRAMMAR_NAMES, grammar_module

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO.parent / "shared" / "schemas"
OUT = REPO / "evcc" / "exi" / "_generated"


def test_generated_modules_are_fresh() -> None:
    if not (SCHEMAS / "iso15118_2" / "V2G_CI_MsgDef.xsd").is_file():
        print(f"schemas not found at {SCHEMAS}")
        pytest.skip("XSDs absent (../shared/schemas); cannot regenerate")
    from tools.exigen.__main__ import generate

    files = generate(str(SCHEMAS))
    stale = [name for name, text in files.items()
             if (OUT / name).read_text(encoding="utf-8") != text]
    assert not stale, f"run `python -m tools.exigen`: {stale}"


def test_generation_is_deterministic() -> None:
    if not SCHEMAS.is_dir():
        pytest.skip("XSDs absent (../shared/schemas)")
    from tools.exigen.__main__ import generate

    assert generate(str(SCHEMAS)) == generate(str(SCHEMAS))


def test_headers_name_schema_files_and_hashes() -> None:
    for name in GRAMMAR_NAMES:
        doc = grammar_module(name).__doc__ or ""
        assert "Schema files (SHA-256):" in doc
        assert ".xsd  " in doc


@pytest.mark.parametrize(
    ("grammar", "doc_globals", "frag_names", "doc_width", "frag_width"),
    [
        ("app", 2, 9, 2, 4),
        ("din", 81, 245, 7, 8),
        ("iso2", 80, 243, 7, 8),
        ("iso20-common", 54, 281, 6, 9),
        ("iso20-ac", 42, 154, 6, 8),
        ("iso20-dc", 48, 149, 6, 8),
        ("iso20-wpt", 38, 193, 6, 8),
        ("iso20-acdp", 34, 129, 6, 8),
        ("xmldsig", 24, 45, 5, 6),
    ],
)
def test_grammar_sizes_match_the_reference(
    grammar: str, doc_globals: int, frag_names: int, doc_width: int, frag_width: int
) -> None:
    g = grammar_module(grammar)
    assert len(g.DOC) == doc_globals
    assert len(g.FRAG) == frag_names
    assert doc_width == g.DOC_WIDTH
    assert frag_width == g.FRAG_WIDTH


def test_notable_fragment_codes() -> None:
    iso2 = grammar_module("iso2")
    codes = {row[0][1]: i for i, row in enumerate(iso2.FRAG)}
    assert codes["AuthorizationReq"] == 4
    assert codes["CertificateInstallationReq"] == 15
    assert codes["ContractSignatureCertChain"] == 33
    assert codes["DHpublickey"] == 45
    assert codes["SignedInfo"] == 208
    assert codes["eMAID"] == 236
    xmldsig = grammar_module("xmldsig")
    assert {row[0][1]: i for i, row in enumerate(xmldsig.FRAG)}["SignedInfo"] == 32
    common = grammar_module("iso20-common")
    c20 = {row[0][1]: i for i, row in enumerate(common.FRAG)}
    assert c20["PnC_AReqAuthorizationMode"] == 151
    assert c20["SignedInstallationData"] == 231

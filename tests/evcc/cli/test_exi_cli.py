"""``evcc exi decode|encode``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evcc.cli import main
from tests.evcc.exi._vectors import exi_vectors

SAP_RES = "80400040"


def test_decode_hex_prints_xml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exi", "decode", "--grammar", "app", "--hex", SAP_RES]) == 0
    out = capsys.readouterr().out
    assert "supportedAppProtocolRes" in out
    assert "<ResponseCode>OK_SuccessfulNegotiation</ResponseCode>" in out


def test_decode_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exi", "decode", "-g", "app", "--hex", SAP_RES, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["message"]["response_code"] == "OK_SuccessfulNegotiation"
    assert doc["message"]["schema_id"] == 1
    assert doc["bytes"] == 4


def test_decode_file_binary_and_hex_text(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "res.exi"
    binary.write_bytes(bytes.fromhex(SAP_RES))
    text = tmp_path / "res.hex"
    text.write_text(SAP_RES + "\n")
    assert main(["exi", "decode", "-g", "app", str(binary)]) == 0
    a = capsys.readouterr().out
    assert main(["exi", "decode", "-g", "app", str(text)]) == 0
    assert capsys.readouterr().out == a


def test_round_trip_through_xml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vector = next(v for v in exi_vectors() if v["message"] == "CurrentDemandReq"
                  and v["standard"].startswith("ISO 15118-2"))
    assert main(["exi", "decode", "-g", "iso2", "--hex", vector["hex"]]) == 0
    xml = tmp_path / "msg.xml"
    xml.write_text(capsys.readouterr().out)
    out = tmp_path / "msg.exi"
    assert main(["exi", "encode", "-g", "iso2", str(xml), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == vector["hex"]
    assert out.read_bytes() == bytes.fromhex(vector["hex"])
    assert main(["exi", "encode", "-g", "iso2", str(xml), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["hex"] == vector["hex"] and doc["bytes"] == len(vector["hex"]) // 2


def test_fragment(capsys: pytest.CaptureFixture[str]) -> None:
    signed_info = exi_vectors()[1481]["hex"]
    assert main(["exi", "decode", "-g", "xmldsig", "--fragment", "--hex", signed_info]) == 0
    assert "SignedInfo" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["exi", "decode", "-g", "app", "--hex", "8040"],
        ["exi", "decode", "-g", "app", "--hex", "xyz"],
        ["exi", "decode", "-g", "iso2", "/nonexistent/file.exi"],
        ["exi", "encode", "-g", "app", "/nonexistent/file.xml"],
    ],
)
def test_errors_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("evcc exi: error:") and "\n" not in err


def test_encode_rejects_out_of_facet_values(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    xml = tmp_path / "bad.xml"
    xml.write_text('<ns1:supportedAppProtocolReq xmlns:ns1="urn:iso:15118:2:2010:AppProtocol">'
                   "<AppProtocol><ProtocolNamespace>urn:x</ProtocolNamespace>"
                   "<VersionNumberMajor>2</VersionNumberMajor>"
                   "<VersionNumberMinor>0</VersionNumberMinor><SchemaID>1</SchemaID>"
                   "<Priority>21</Priority></AppProtocol></ns1:supportedAppProtocolReq>")
    assert main(["exi", "encode", "-g", "app", str(xml)]) == 2
    assert "priorityType: 21 outside [1, 20]" in capsys.readouterr().err

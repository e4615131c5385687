"""`evcc slac decode`, `emulate` and `run` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evcc.cli import main
from evcc.slac.mme import build
from evcc.slac.pcap import PcapWriter
from tests.evcc.slac.fakes import EV_MAC

E1 = bytes.fromhex("020000005e01")


def test_decode_hex_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    frame = build("CM_SLAC_PARM.REQ", b"\xff" * 6, EV_MAC, run_id=b"12345678")
    assert main(["slac", "decode", "--hex", frame.hex()]) == 0
    assert "CM_SLAC_PARM.REQ 02:00:00:00:0e:01 -> ff:ff:ff:ff:ff:ff" in capsys.readouterr().out
    assert main(["slac", "decode", "--json", "--hex", frame.hex()]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mme"] == "CM_SLAC_PARM.REQ" and data["run_id"] == b"12345678".hex()


def test_decode_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slac", "decode", "--hex", "zz"]) == 2
    assert main(["slac", "decode", "--hex", "88e1"]) == 2
    assert main(["slac", "decode"]) == 2
    err = capsys.readouterr().err
    assert err.count("evcc slac: error:") == 3 and "Traceback" not in err


def test_decode_pcap_mixed_traffic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.pcap"
    writer = PcapWriter(path)
    writer.write(1.0, build("CM_SET_KEY.CNF", EV_MAC, E1, result=1))
    writer.write(1.5, bytes(12) + b"\x86\xdd" + bytes(60))
    writer.write(2.0, build("CM_ATTEN_CHAR.IND", EV_MAC, E1, source_address=EV_MAC,
                            run_id=bytes(8), num_sounds=1, aag=[1] * 58)[:40])
    writer.write(2.5, bytes(12) + b"\x88\xe1\x01\x34\x12" + bytes(50))
    writer.close()
    assert main(["slac", "decode", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "CM_SET_KEY.CNF" in lines[0] and "0x86dd" in lines[1]
    assert "malformed" in lines[2] and "0x1234" in lines[3]
    assert lines[3].lstrip().startswith("1500.000 ms")


def test_emulate_needs_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slac", "emulate", "--ev", "evs-none0"]) == 2
    assert main(["slac", "emulate", "--ev", "a", "--evse", "b:loud"]) == 2
    err = capsys.readouterr().err
    assert "need at least one --ev and one --evse" in err and "attenuation must be a number" in err


def test_run_needs_an_interface_or_board(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slac", "run"]) == 2
    board = tmp_path / "b.toml"
    board.write_text('[board]\nname = "t"\n[modem]\ninterface = "evs-none0"\n')
    assert main(["slac", "run", "--board", str(board)]) == 2
    assert main(["slac", "run", "--board", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "give --iface or a --board" in err[0]
    assert "'evs-none0' not found" in err[1] and "cannot read board file" in err[2]

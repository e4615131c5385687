"""Board files: the shipped example loads; defects give BoardError naming the key."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from evcc_platform.board import load_board, parse_board
from evcc_platform.errors import BoardError
from hypothesis import given, settings
from hypothesis import strategies as st

BOARDS = Path(__file__).resolve().parents[2] / "platform" / "boards"


def test_every_shipped_board_loads() -> None:
    files = sorted(BOARDS.glob("*.toml"))
    assert files
    for path in files:
        board = load_board(path)
        assert board.name and board.modem.interface
    sim = load_board(BOARDS / "bench-sim.toml")
    assert sim.control_pilot.driver == "sim" and sim.can is not None
    assert sim.can.channel == "vehicle" and sim.tpm.tcti.startswith("swtpm:")


MINIMAL = '[board]\nname = "x"\n[modem]\ninterface = "eth1"\n'


def test_minimal_board_and_defaults() -> None:
    board = parse_board(MINIMAL)
    assert board.control_pilot.driver == "sim" and board.can is None
    assert board.modem.mac == "00:b0:52:00:00:01" and board.slac.max_attenuation_db is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("not toml [", "TOML"),
        ('[modem]\ninterface = "x"\n', "[board]"),
        ('[board]\nname = "x"\n', "[modem]"),
        (MINIMAL + "[control_pilot]\ndriver = 'pwm'\n", "driver"),
        (MINIMAL + "[control_pilot]\ndriver = 'serial'\n", "port"),
        (MINIMAL + "[can]\nbitrate = 'fast'\n", "bitrate"),
        (MINIMAL + "[modem2]\n", "modem2"),
        (MINIMAL.replace('"eth1"', "3"), "interface"),
        (MINIMAL + "[slac]\nmax_attenuation_db = true\n", "max_attenuation_db"),
        (MINIMAL + "[slac]\nlink_check = 'ping'\n", "link_check"),
        (MINIMAL + "[slac]\nmax_attenuation_db = -4\n", "max_attenuation_db"),
        (MINIMAL + 'mac = "zz:zz"\n', "modem.mac 'zz:zz' is not a MAC"),
        (MINIMAL + 'mac = "00:b0:52:00:00"\n', "is not a MAC"),
        (MINIMAL + "[tpm]\ntcti = 'x'\nextra = 1\n", "extra"),
    ],
)
def test_defects_are_reported(text: str, needle: str) -> None:
    with pytest.raises(BoardError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        parse_board(text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match="cannot read"):
        load_board(tmp_path / "nope.toml")


@settings(max_examples=200, deadline=1000)
@given(st.text(max_size=300))
def test_fuzz_only_board_errors(text: str) -> None:
    with contextlib.suppress(BoardError):
        parse_board(text)

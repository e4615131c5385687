"""The ``evcc`` entry point: subcommand registry, error and pipe handling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evcc.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[3]


def test_every_registered_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([name, "--help"])
        assert exc.value.code == 0
        assert f"usage: evcc {name}" in capsys.readouterr().out


def test_user_error_is_one_line_and_exit_2(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.pem"
    assert main(["pki", "check", str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("evcc pki: error:"), err


def test_closed_pipe_stops_quietly() -> None:
    # `evcc pki rules | head -1` where the reader is already gone: no traceback.
    code = (
        "import os, sys\n"
        "from evcc.cli import main\n"
        "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"
        "sys.exit(main(['pki', 'rules']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 141, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "BrokenPipe" not in proc.stderr, proc.stderr


def test_a_command_registers_only_its_own_module() -> None:
    # A command imports only its subcommand module; `evcc --help` still lists every command.
    code = (
        "import sys\n"
        "from evcc.cli import main\n"
        "try:\n"
        "    main(['session', 'run', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('evcc.cli.'))\n"
        "print(','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "evcc.cli.session"
    listing = subprocess.run([sys.executable, "-m", "evcc", "--help"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert all(name in listing for name in COMMANDS)

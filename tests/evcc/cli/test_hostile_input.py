"""Bad input on the bench commands: one line on stderr, exit 2, no traceback, nothing half-made."""

from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from evcc.cli import main
from evcc.errors import SlacError
from evcc.runtime.slac import run_slac
from evcc.slac.ev import SlacConfig, SlacEv
from evcc.slac.pcap import PcapWriter

PCID = "WMI1234567ABCDEFG7"


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command, expect exit 2 and exactly one error line; return it."""
    capsys.readouterr()
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "NOT FOR VEHICLES" not in line]
    assert len(lines) == 1 and lines[0].startswith("evcc "), err
    assert "Traceback" not in err
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile") / "pki"
    assert main(["pki", "init", str(directory)]) == 0
    return directory


def test_init_without_a_reachable_tpm_leaves_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tcti = f"swtpm:host=127.0.0.1,port={_closed_port()}"
    line = _error(capsys, "keystore", "--store", f"tpm:{tmp_path / 'new'}", "--tcti", tcti, "init")
    assert "cannot reach a TPM" in line
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    _error(capsys, "keystore", "--store", f"tpm:{existing}", "--tcti", tcti, "init")
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert "cannot create a keystore" in _error(
        capsys, "keystore", "--store", f"soft:{afile}", "init"
    )
    assert afile.read_text() == "x"


def test_keystore_refusals_change_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pki: Path
) -> None:
    store = ["--store", f"soft:{tmp_path / 'ks'}"]
    assert main(["keystore", *store, "init"]) == 0
    line = _error(capsys, "keystore", *store, "provisioning", "create", "--pcid", "bad",
                  "--profile", "iso2")
    assert "PCID" in line
    assert not (tmp_path / "ks" / "provisioning.json").exists()
    # One good root and one sub-CA: neither is added.
    line = _error(capsys, "keystore", *store, "roots", "add", str(pki / "certs/v2g_root.pem"),
                  str(pki / "certs/cpo_sub1.pem"))
    assert "not a self-signed root" in line
    key_file = pki / "keys/v2g_root.key.pem"
    line = _error(capsys, "keystore", *store, "roots", "add", str(key_file))
    assert str(key_file) in line and "PRIVATE" not in line and "http" not in line
    capsys.readouterr()
    assert main(["keystore", *store, "roots", "list", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
    # An SECC certificate with its key is not a contract.
    line = _error(capsys, "contracts", *store, "import", "--cert", str(pki / "chains/cpo.pem"),
                  "--key", str(pki / "keys/secc_leaf.key.pem"))
    assert "not an eMAID" in line
    line = _error(capsys, "contracts", *store, "import", "--cert",
                  str(pki / "keys/mo_root.key.pem"), "--key",
                  str(pki / "keys/contract_leaf.key.pem"))
    assert "no readable X.509 certificate" in line
    assert list((tmp_path / "ks" / "contracts").iterdir()) == []
    assert "priority must be" in _error(capsys, "contracts", *store, "import", "--cert",
                                        str(pki / "chains/mo.pem"), "--key",
                                        str(pki / "keys/contract_leaf.key.pem"), "--priority", "-1")


@pytest.mark.parametrize("timeout", ["nan", "inf", "0", "-1"])
def test_slac_run_refuses_a_timeout_that_is_not_positive(
    capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    line = _error(capsys, "slac", "run", "--iface", "evcc-no-such0", "--timeout", timeout)
    assert "--timeout must be a positive" in line


def test_slac_run_refuses_an_impossible_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error(capsys, "slac", "run", "--iface", "evcc-no-such0", "--max-attenuation", "-5")
    assert "--max-attenuation" in line


def test_runner_refuses_non_finite_timeouts() -> None:
    ev = SlacEv(bytes(6), bytes, SlacConfig())
    with pytest.raises(SlacError, match="timeout"):
        asyncio.run(run_slac(None, ev, timeout=float("nan")))  # type: ignore[arg-type]


def test_slac_decode_truncated_pcap_prints_what_it_read_then_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "t.pcap"
    writer = PcapWriter(path)
    writer.write(1.0, bytes(12) + b"\x86\xdd" + bytes(60))
    writer.close()
    with path.open("ab") as fh:
        fh.write(struct.pack("<IIII", 2, 0, 60, 60) + bytes(10))
    capsys.readouterr()
    assert main(["slac", "decode", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "0x86dd" in out and "truncated record" in err and err.count("\n") == 1
    line = _error(capsys, "slac", "decode", str(tmp_path / "missing.pcap"))
    assert "No such file" in line and "Errno" not in line


def test_demo_out_that_cannot_be_a_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert "cannot use --out" in _error(capsys, "demo", "--out", str(afile / "sub"))


def test_slac_emulate_bad_outputs_and_numbers_leave_no_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sides = ["slac", "emulate", "--ev", "evcc-no-such0", "--evse", "evcc-no-such1"]
    line = _error(capsys, *sides, "--pcap", str(tmp_path / "no" / "dir.pcap"))
    assert line.endswith(f"cannot write {tmp_path / 'no' / 'dir.pcap'}: No such file or directory")
    trace, events = tmp_path / "t.pcap", tmp_path / "e.jsonl"
    line = _error(capsys, *sides, "--pcap", str(trace), "--events", str(events))
    assert "AF_PACKET" in line  # the interfaces do not exist ...
    assert not trace.exists() and not events.exists()  # ... and no empty traces stay behind
    assert "--duration" in _error(capsys, *sides, "--duration", "nan")
    assert "join delay" in _error(capsys, *sides, "--join-delay", "-1")
    assert "jitter" in _error(capsys, "slac", "emulate", "--ev", "a0", "--evse", "b0:10:-2")


def test_slac_decode_into_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    path = tmp_path / "big.pcap"
    writer = PcapWriter(path)
    for i in range(20000):
        writer.write(i / 1000, bytes(12) + b"\x86\xdd" + bytes(60))
    writer.close()
    proc = subprocess.Popen([sys.executable, "-m", "evcc", "slac", "decode", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert b"0x86dd" in proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 0 and "Traceback" not in err and "Broken pipe" not in err


def test_contract_key_password_from_a_file_is_never_echoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pw").write_text("s3cret-Pw\n")
    (tmp_path / "wrong").write_text("not-it\n")
    assert main(["pki", "init", str(tmp_path / "pki"), "--password-file",
                 str(tmp_path / "pw")]) == 0
    store = ["--store", f"soft:{tmp_path / 'ks'}"]
    assert main(["keystore", *store, "init"]) == 0
    files = ["--cert", str(tmp_path / "pki/chains/mo.pem"),
             "--key", str(tmp_path / "pki/keys/contract_leaf.key.pem")]
    line = _error(capsys, "contracts", *store, "import", *files,
                  "--key-password-file", str(tmp_path / "wrong"))
    assert "wrong password?" in line and "not-it" not in line
    capsys.readouterr()
    assert main(["contracts", *store, "import", *files, "--key-password-file",
                 str(tmp_path / "pw"), "--json"]) == 0
    out, err = capsys.readouterr()
    assert "s3cret" not in out + err and '"emaid": "DEPNCC00000001A"' in out

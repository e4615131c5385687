"""Our EV against the ``iso15118`` 0.31.2 SECC in network namespaces, as a user runs it.

DIN DC, ISO-2 AC EIM and ISO-2 DC EIM, each over TCP and over TLS 1.2, each ending in
SessionStop. The DC cases use the documented bench options for this slow peer (message
timeouts x4, PreCharge after 3 answers); the AC cases run with the standard's timeouts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.v2g_lab import SLOW_PEER, V2gLab, lab, missing

pytestmark = pytest.mark.interop

CASES = {
    "din-dc": ["--protocols", "din", "--energy", "dc", *SLOW_PEER],
    "iso2-ac": ["--protocols", "iso2", "--energy", "ac"],
    "iso2-dc": ["--protocols", "iso2", "--energy", "dc", *SLOW_PEER],
}


@pytest.fixture(scope="module")
def v2g(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[V2gLab, str, dict[str, str]]]:
    if reason := missing():
        pytest.skip(reason)
    workdir: Path = tmp_path_factory.mktemp("v2g")
    with lab(workdir, f"v2g{os.getpid() % 10000}") as the_lab:
        the_lab.make_peer_pki()
        spec, env = the_lab.soft_store()
        the_lab.start_secc()
        yield the_lab, spec, env


@pytest.mark.parametrize("tls", ["off", "on"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_session_with_iso15118_secc(v2g: tuple[V2gLab, str, dict[str, str]], case: str,
                                    tls: str) -> None:
    the_lab, spec, env = v2g
    code, result, stderr = the_lab.ev(*CASES[case], "--tls", tls, "--store", spec,
                                      "--max-loop", "10", env=env)
    assert result, stderr[-2000:]
    assert result["ok"] is True and code == 0, (result, the_lab.secc_log.read_text()[-3000:])
    assert result["stop_reason"] == "finished"
    assert result["protocol"] == case.split("-", maxsplit=1)[0]
    assert result["tls"] == ("TLSv1.2" if tls == "on" else None)
    assert result["requests"] >= 15
    if "--timeout-scale" in CASES[case]:
        assert result["bench_options"] == {"timeout_scale": 4.0, "lenient_pre_charge": 3}

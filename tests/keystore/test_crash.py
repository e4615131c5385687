"""Crash consistency: SIGKILL a child at random points during install/remove/priority cycles.

After every kill the store must open, list only complete contracts (each one's key still
signs for its certificate) and hold every committed change; only the single operation in
flight at the kill may or may not have happened.

Speed: one child runs many cycles per kill, so >= 200 cycles need only a few dozen process
starts. The software store carries the bulk (>= 200 cycles, >= 15 kills); the TPM store
gets a smaller run (>= 40 cycles, 5 kills) since its file protocol is the same code and
only the key import differs.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from keystore.records import contract_id
from keystore.swtpm import Swtpm
from tests.keystore.crash_child import open_store
from tests.keystore.pki import Pki

ROOT = Path(__file__).resolve().parents[2]
State = dict[str, int]  # contract id -> priority


def _apply(state: State, op: str, cid: str, prio: int) -> State:
    new = dict(state)
    if op == "remove":
        new.pop(cid, None)
    else:
        new[cid] = prio
    return new


def _replay(log: Path, start: State) -> tuple[State, tuple[str, str, int] | None, int]:
    """Committed state, the operation in flight (begun, not done) and the count of done ops."""
    state, pending, done = dict(start), None, 0
    for line in log.read_text().splitlines():
        parts = line.split()
        if parts[0] == "begin":
            pending = (parts[1], parts[2], int(parts[3]))
        elif parts[0] == "done":
            assert pending == (parts[1], parts[2], int(parts[3]))
            state = _apply(state, *pending)
            pending, done = None, done + 1
    return state, pending, done


def _write_pool(pool: Path, pki: Pki, n: int) -> None:
    pool.mkdir()
    for i in range(n):
        c = pki.contract()
        pem = b"".join(x.public_bytes(serialization.Encoding.PEM) for x in c.chain)
        (pool / f"{i:02d}.pem").write_bytes(pem)
        (pool / f"{i:02d}.key").write_bytes(
            c.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _check_complete(backend: str, store_dir: Path, tcti: str) -> State:
    store = open_store(backend, store_dir, tcti)
    try:
        infos = store.contracts()
        assert "damaged_files" not in store.status().detail
        leftovers = [p.name for p in store_dir.rglob("*") if ".tmp-" in p.name]
        assert leftovers == []
        digest = b"\x5a" * 32
        for info in infos:
            chain = store.contract_chain(info.id)
            assert contract_id(chain[0]) == info.id
            pub = chain[0].public_key()
            assert isinstance(pub, ec.EllipticCurvePublicKey)
            pub.verify(store.sign(info.key, digest), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return {i.id: i.priority for i in infos}
    finally:
        store.close()


def _run(backend: str, tmp_path: Path, tcti: str, *, min_cycles: int, min_kills: int) -> None:
    pki = Pki()
    _write_pool(tmp_path / "pool", pki, 8)
    open_store(backend, tmp_path / "store", tcti, create=True).close()
    rng = random.Random(1234)
    state: State = {}
    cycles = kills = 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    while cycles < min_cycles or kills < min_kills:
        log = tmp_path / f"log{kills}.txt"
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.keystore.crash_child", backend,
             str(tmp_path / "store"), tcti, str(tmp_path / "pool"), str(log), str(kills)],
            cwd=ROOT, env=env, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while not (log.exists() and log.read_text().startswith("ready")):
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "child did not start"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.02, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stderr:
            child.stderr.close()
        kills += 1
        committed, pending, done = _replay(log, state)
        cycles += done
        actual = _check_complete(backend, tmp_path / "store", tcti)
        allowed = [committed] + ([_apply(committed, *pending)] if pending else [])
        assert actual in allowed, f"kill {kills}: store {actual}, committed {committed}, {pending}"
        state = actual
    assert cycles >= min_cycles


def test_crash_consistency_soft(tmp_path: Path) -> None:
    _run("soft", tmp_path, "", min_cycles=200, min_kills=15)


def test_crash_consistency_tpm(swtpm: Swtpm, tmp_path: Path) -> None:
    _run("tpm", tmp_path, swtpm.tcti, min_cycles=200, min_kills=15)


def test_replay_separates_committed_from_in_flight(tmp_path: Path) -> None:
    # The checker must be able to fail: only "done" operations count as committed.
    log = tmp_path / "log"
    log.write_text(
        "ready\nbegin install a 3\ndone install a 3\nbegin priority a 7\ndone priority a 7\n"
        "begin install b 1\ndone install b 1\nbegin remove a 0\n"
    )
    committed, pending, done = _replay(log, {})
    assert committed == {"a": 7, "b": 1} and done == 3
    assert pending == ("remove", "a", 0)
    assert _apply(committed, *pending) == {"b": 1}
    log.write_text("ready\nbegin install a 3\ndone install a 4\n")
    with pytest.raises(AssertionError):
        _replay(log, {})

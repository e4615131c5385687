"""Child process for the crash-consistency test: random install/remove/priority cycles forever.

Usage: ``python -m tests.keystore.crash_child BACKEND STORE TCTI POOL LOG SEED``. Each
operation is logged as ``begin ...`` before and ``done ...`` after it returns, with
unbuffered appends, so a SIGKILL leaves an exact record of what was committed.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.x509.parse import load_certificates
from keystore import Keystore, SoftKeystore
from keystore.records import contract_id
from tests.keystore.pki import clock

PASSPHRASE = b"test passphrase"


def open_store(backend: str, store: Path, tcti: str, *, create: bool = False) -> Keystore:
    if backend == "soft":
        return SoftKeystore(store, passphrase=PASSPHRASE, create=create, clock=clock)
    from keystore.tpm import TpmKeystore

    return TpmKeystore(store, tcti=tcti, create=create, clock=clock)


def main(argv: list[str]) -> None:
    backend, store_dir, tcti, pool_dir, log_path, seed = argv
    rng = random.Random(int(seed))
    pool = {}
    for pem in sorted(Path(pool_dir).glob("*.pem")):
        chain = load_certificates(pem.read_bytes())
        key = serialization.load_pem_private_key(pem.with_suffix(".key").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        pool[contract_id(chain[0])] = (chain, key)
    store = open_store(backend, Path(store_dir), tcti)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def note(line: str) -> None:
        os.write(log, (line + "\n").encode())

    note("ready")
    while True:
        installed = {c.id for c in store.contracts()}
        absent = sorted(set(pool) - installed)
        choices = ["install"] * 2 if absent else []
        choices += ["remove", "priority"] if installed else []
        op = rng.choice(choices)
        if op == "install":
            cid = rng.choice(absent)
            prio = rng.randrange(100)
            note(f"begin install {cid} {prio}")
            chain, key = pool[cid]
            store.install_contract(chain, key, priority=prio, source="ota")
        elif op == "remove":
            cid = rng.choice(sorted(installed))
            prio = 0
            note(f"begin remove {cid} 0")
            store.remove_contract(cid)
        else:
            cid = rng.choice(sorted(installed))
            prio = rng.randrange(100)
            note(f"begin priority {cid} {prio}")
            store.set_priority(cid, prio)
        note(f"done {op} {cid} {prio}")


if __name__ == "__main__":
    main(sys.argv[1:])

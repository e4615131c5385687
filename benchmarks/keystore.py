"""Keystore speed: sign, ECDH, install and open-with-20-contracts, TPM (swtpm) vs software.

Run: ``.venv/bin/python benchmarks/keystore.py [--json] [--rounds N]``. Every figure is a
median in milliseconds; ratios are against in-process ``cryptography`` (the same operation
with a plain key object) and TPM against software, all measured in this run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# This script is named like the package it measures: keep its own folder off the import
# path, or `import keystore` would find this file.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed  # noqa: E402
from cryptography.hazmat.primitives.hashes import SHA256  # noqa: E402

from evcc.bench.pki import init_pki  # noqa: E402
from evcc.bench.pki_build import build_certificate, subject_name  # noqa: E402
from evcc.x509.identifiers import Emaid  # noqa: E402
from evcc.x509.profile_roles import Role, get_profile  # noqa: E402
from keystore import PROVISIONING, Keystore, SoftKeystore  # noqa: E402
from keystore.swtpm import Swtpm  # noqa: E402
from keystore.tpm import TpmKeystore  # noqa: E402

Contract = tuple[list[x509.Certificate], ec.EllipticCurvePrivateKey]


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def contracts(directory: Path, count: int) -> list[Contract]:
    manifest = init_pki(directory, "iso2")
    sub_key = manifest.key(Role.MO_SUB2)
    assert isinstance(sub_key, ec.EllipticCurvePrivateKey)
    sub, sub1 = manifest.cert(Role.MO_SUB2), manifest.cert(Role.MO_SUB1)
    out = []
    for i in range(count):
        key = ec.generate_private_key(ec.SECP256R1())
        emaid = Emaid.parse(f"DE-PNC-C{i:08d}").with_check_digit().normalized
        leaf = build_certificate(
            profile=get_profile("iso2"), role=Role.CONTRACT_LEAF,
            subject=subject_name(Role.CONTRACT_LEAF, emaid), public_key=key.public_key(),
            issuer_name=sub.subject, issuer_key=sub_key, serial=x509.random_serial_number(),
            now=manifest.cert(Role.MO_ROOT).not_valid_before_utc, days=365,
        )
        out.append(([leaf, sub, sub1], key))
    return out


def measure(open_store: Callable[[bool], Keystore], pool: list[Contract], rounds: int
            ) -> dict[str, float]:
    store = open_store(True)
    store.create_provisioning_key("WMI1234567ABCDEFG7", "iso2")
    digest = os.urandom(32)
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    results = {
        "sign (provisioning)": median_ms(lambda: store.sign(PROVISIONING, digest), rounds),
        "ecdh (provisioning)": median_ms(lambda: store.ecdh(PROVISIONING, peer), rounds),
    }
    installs = iter(pool)
    results["install contract"] = median_ms(
        lambda: store.install_contract(*next(installs)), len(pool)
    )
    first = store.contracts()[0].key
    results["sign (contract)"] = median_ms(lambda: store.sign(first, digest), rounds)
    results["ecdh (contract)"] = median_ms(lambda: store.ecdh(first, peer), rounds)
    store.close()

    def open_and_list() -> None:
        s = open_store(False)
        assert len(s.contracts()) == len(pool)
        s.close()

    results[f"open + list ({len(pool)} contracts)"] = median_ms(open_and_list, max(5, rounds // 10))
    return results


def reference(rounds: int) -> dict[str, float]:
    key = ec.generate_private_key(ec.SECP256R1())
    digest = os.urandom(32)
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    sign = median_ms(lambda: key.sign(digest, ec.ECDSA(Prehashed(SHA256()))), rounds)
    ecdh = median_ms(lambda: key.exchange(ec.ECDH(), peer), rounds)
    return {"sign": sign, "ecdh": ecdh}


def fmt(value: object) -> str:
    """A ratio cell; ``-`` where there is no reference."""
    return "-" if value is None else f"{value}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--contracts", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("keystore").setLevel(logging.ERROR)  # the soft store's bench warning
    with tempfile.TemporaryDirectory(prefix="evcc-bench-ks-") as tmp:
        base = Path(tmp)
        pool = contracts(base / "pki", args.contracts)
        soft = measure(
            lambda create: SoftKeystore(base / "soft", passphrase=b"bench", create=create),
            pool, args.rounds,
        )
        with Swtpm(base / "tpmstate") as tpm:
            tpm_results = measure(
                lambda create: TpmKeystore(base / "tpm", tcti=tpm.tcti, create=create),
                pool, args.rounds,
            )
        ref = reference(args.rounds)
    rows = []
    for name in soft:
        ref_ms = ref.get(name.split()[0])
        rows.append({
            "operation": name,
            "soft_ms": round(soft[name], 3),
            "tpm_ms": round(tpm_results[name], 3),
            "tpm_vs_soft": round(tpm_results[name] / soft[name], 2),
            "soft_vs_cryptography": round(soft[name] / ref_ms, 2) if ref_ms else None,
            "tpm_vs_cryptography": round(tpm_results[name] / ref_ms, 2) if ref_ms else None,
        })
    if args.json:
        print(json.dumps({"reference_ms": ref, "rows": rows}, indent=2))
        return 0
    print(f"reference (cryptography, in-process P-256): sign {ref['sign']:.3f} ms, "
          f"ecdh {ref['ecdh']:.3f} ms; medians of {args.rounds} rounds")
    print(f"{'operation':<28}{'soft ms':>10}{'tpm ms':>10}{'tpm/soft':>10}"
          f"{'soft/ref':>10}{'tpm/ref':>10}")
    for r in rows:
        print(f"{r['operation']:<28}{r['soft_ms']:>10.3f}{r['tpm_ms']:>10.3f}"
              f"{r['tpm_vs_soft']:>10}{fmt(r['soft_vs_cryptography']):>10}"
              f"{fmt(r['tpm_vs_cryptography']):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``evcc demo``: generate the test PKI of every profile, check and verify it, show a summary."""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography import x509

    from evcc.bench.pki_verify import ChainResult
    from evcc.pnc.cert_profile import Violation

#: (directory name, profile, Ed448)
VARIANTS: tuple[tuple[str, str, bool], ...] = (
    ("iso2", "iso2", False),
    ("iso20", "iso20", False),
    ("iso20-ed448", "iso20", True),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evcc demo``."""
    parser = subparsers.add_parser(
        "demo", help="generate and verify the test PKI of every profile (bench self-check)"
    )
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="keep the PKIs in DIR (default: a temporary directory)")
    parser.add_argument("--no-openssl", action="store_true",
                        help="skip the cross-check with `openssl verify`")
    parser.add_argument("--json", action="store_true", help="machine-readable result")
    parser.set_defaults(func=_demo)


@dataclass(frozen=True)
class VariantResult:
    """Everything the demo found for one profile variant."""

    name: str
    directory: Path
    pcid: str
    emaid: str
    algorithm: str
    seconds: float
    cert_violations: tuple[Violation, ...]
    chains: tuple[ChainResult, ...]

    @property
    def ok(self) -> bool:
        """True if every certificate and chain passed."""
        return not self.cert_violations and all(c.ok for c in self.chains)


def run_demo(out: Path, *, now: datetime, use_openssl: bool = True) -> list[VariantResult]:
    """Generate, check and verify the PKI of each variant under ``out``."""
    from evcc.bench.pki import init_pki
    from evcc.bench.pki_verify import verify_pki
    from evcc.pnc.cert_profile import check_certificate
    from evcc.pnc.cert_roles import Role

    results = []
    for name, profile, ed448 in VARIANTS:
        start = time.perf_counter()
        manifest = init_pki(out / name, profile, ed448=ed448, now=now, overwrite=True)
        violations: list[Violation] = []
        for role in manifest.files:
            violations += check_certificate(manifest.cert(role), role, profile, now=now)
        chains = verify_pki(manifest, now=now, use_openssl=use_openssl)
        results.append(VariantResult(
            name=name, directory=out / name, pcid=manifest.pcid, emaid=manifest.emaid,
            algorithm=describe_algorithm(manifest.cert(Role.SECC_LEAF)),
            seconds=time.perf_counter() - start, cert_violations=tuple(violations),
            chains=tuple(chains),
        ))
    return results


def describe_algorithm(cert: x509.Certificate) -> str:
    """Key and signature algorithm of ``cert``, e.g. ``P-256 / ecdsa-sha256``."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = cert.public_key()
    key_name = {"secp256r1": "P-256", "secp521r1": "P-521"}.get(
        key.curve.name, key.curve.name) if isinstance(key, ec.EllipticCurvePublicKey) else (
        type(key).__name__.removesuffix("PublicKey"))
    hash_alg = cert.signature_hash_algorithm
    signature = f"ECDSA-{hash_alg.name.upper()}" if hash_alg is not None else key_name
    return key_name if signature == key_name else f"{key_name} / {signature}"


def _cn(subject: str) -> str:
    for part in subject.split(","):
        if part.startswith("CN="):
            return part[3:]
    return subject


def _to_json(results: list[VariantResult]) -> dict[str, Any]:
    return {
        "ok": all(r.ok for r in results),
        "variants": [
            {
                "name": r.name,
                "directory": str(r.directory),
                "pcid": r.pcid,
                "emaid": r.emaid,
                "algorithm": r.algorithm,
                "certificate_violations": [str(v) for v in r.cert_violations],
                "chains": [
                    {"chain": c.chain, "subjects": list(c.subjects), "ok": c.ok,
                     "violations": [str(v) for v in c.violations], "openssl": c.openssl_ok}
                    for c in r.chains
                ],
            }
            for r in results
        ],
    }


def _print(results: list[VariantResult], kept: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Test V2G PKI: leaf → Sub-CA 2 → Sub-CA 1 → root")
    for column in ("profile", "chain", "leaf CN", "root", "rules", "openssl"):
        table.add_column(column, no_wrap=True)
    mark = {True: "[green]OK[/]", False: "[red]FAIL[/]", None: "[yellow]n/a[/]"}
    for r in results:
        for i, c in enumerate(r.chains):
            checker = "[green]OK[/]" if not c.violations else f"[red]{len(c.violations)} rule(s)[/]"
            root = _cn(c.subjects[-1]).removesuffix(" CA").replace("Root", "root")
            table.add_row(r.name if i == 0 else "", c.chain, _cn(c.subjects[0]), root,
                          checker, mark[c.openssl_ok], end_section=i == len(r.chains) - 1)
    console.print(table)
    if results:
        console.print(f"PCID {results[0].pcid}   eMAID {results[0].emaid}")
    for r in results:
        certs = "all 15 certificates pass the profile" if not r.cert_violations else (
            f"[red]{len(r.cert_violations)} profile violation(s)[/]")
        console.print(f"{r.name:<12} {r.algorithm:<20} {certs} ({r.seconds:.2f} s)")
        for v in r.cert_violations:
            console.print(f"  [red]{v}[/]")
        for c in r.chains:
            for v in c.violations:
                console.print(f"  [red]{c.chain}: {v}[/]")
            if c.openssl_ok is False:
                console.print(f"  [red]{c.chain}: openssl: {c.openssl_output}[/]")
    ok = all(r.ok for r in results)
    where = f"PKIs kept in {kept}" if kept else "temporary PKIs removed (use --out DIR to keep)"
    verdict = "[bold green]all chains verified[/]" if ok else "[bold red]verification failed[/]"
    console.print(f"{verdict}; {where}")


def _demo(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    out: Path = args.out if args.out is not None else Path(tempfile.mkdtemp(prefix="evcc-demo-"))
    try:
        results = run_demo(out, now=now, use_openssl=not args.no_openssl)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    if args.json:
        print(json.dumps(_to_json(results), indent=2))
    else:
        _print(results, args.out)
    return 0 if all(r.ok for r in results) else 1

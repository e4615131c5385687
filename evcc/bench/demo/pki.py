"""Demo step 1: build the bench V2G PKI of every profile, check every certificate, verify chains."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.report import StepReport, Table
from evcc.bench.pki import init_pki
from evcc.bench.pki_verify import verify_pki
from evcc.x509.profile import Violation, check_certificate
from evcc.x509.profile_roles import Role

#: (directory name, profile, Ed448)
VARIANTS: tuple[tuple[str, str, bool], ...] = (
    ("iso2", "iso2", False),
    ("iso20", "iso20", False),
    ("iso20-ed448", "iso20", True),
)


class PkiStep:
    """Generate, check and verify the PKI of each variant under ``ctx.workdir / "pki"``."""

    name = "pki"
    title = "Bench V2G PKI: iso2, iso20, iso20 Ed448"

    def __init__(self, *, use_openssl: bool = True) -> None:
        self.use_openssl = use_openssl

    def run(self, ctx: DemoContext, report: StepReport) -> None:
        """Build each variant, then check and verify it; record one row per chain."""
        variants = []
        rows: list[tuple[str, ...]] = []
        for name, profile, ed448 in VARIANTS:
            manifest = init_pki(ctx.workdir / "pki" / name, profile, ed448=ed448, now=ctx.now,
                                overwrite=True)
            if ctx.pcid is None:
                ctx.pcid = manifest.pcid
            violations: list[Violation] = []
            for role in manifest.files:
                violations += check_certificate(manifest.cert(role), role, profile, now=ctx.now)
            chains = verify_pki(manifest, now=ctx.now, use_openssl=self.use_openssl)
            algorithm = describe_algorithm(manifest.cert(Role.SECC_LEAF))
            report.check(not violations,
                         f"{name}: {len(violations)} certificate profile violation(s)")
            for v in violations:
                report.problems.append(f"{name}: {v}")
            for c in chains:
                for v in c.violations:
                    report.fail(f"{name} {c.chain}: {v}")
                report.check(c.openssl_ok is not False,
                             f"{name} {c.chain}: openssl: {c.openssl_output}")
                rows.append((name, c.chain, _cn(c.subjects[0]), _cn(c.subjects[-1]),
                             "OK" if not c.violations else f"{len(c.violations)} rule(s)",
                             {True: "OK", False: "FAIL", None: "n/a"}[c.openssl_ok]))
            variants.append({
                "name": name,
                "directory": str(manifest.directory),
                "pcid": manifest.pcid,
                "emaid": manifest.emaid,
                "algorithm": algorithm,
                "certificates": len(manifest.files),
                "certificate_violations": [str(v) for v in violations],
                "chains": [
                    {"chain": c.chain, "subjects": list(c.subjects), "ok": c.ok,
                     "violations": [str(v) for v in c.violations], "openssl": c.openssl_ok}
                    for c in chains
                ],
            })
            report.line(name, f"{algorithm}, {len(manifest.files)} certificates, "
                              f"{sum(c.ok for c in chains)}/{len(chains)} chains verified")
        report.facts["variants"] = variants
        report.facts["openssl"] = self.use_openssl
        if variants:
            report.line("PCID / eMAID", f"{variants[0]['pcid']} / {variants[0]['emaid']}")
        report.tables.append(Table(
            "leaf → Sub-CA 2 → Sub-CA 1 → root",
            ("profile", "chain", "leaf CN", "root CN", "rules", "openssl"), tuple(rows)))


def describe_algorithm(cert: x509.Certificate) -> str:
    """Key and signature algorithm of ``cert``, e.g. ``P-256 / ECDSA-SHA256``."""
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

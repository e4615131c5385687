"""``evcc pki``: build the bench test V2G PKI and check certificates against the profiles."""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from evcc.cli.files import read_certificates, read_file
from evcc.clock import SYSTEM_CLOCK
from evcc.errors import PkiError, X509Error
from evcc.x509.profile_roles import Role

if TYPE_CHECKING:
    from cryptography import x509

    from evcc.cli.common import Subparsers
    from evcc.x509.profile import Violation

_ROLES = [role.value for role in Role]


def register(subparsers: Subparsers) -> None:
    """Add ``evcc pki init|check|rules``."""
    parser = subparsers.add_parser("pki", help="bench test PKI: generate and check certificates")
    sub = parser.add_subparsers(dest="pki_command", metavar="ACTION", required=True)

    init = sub.add_parser("init", help="generate a complete V2G test PKI (four chains)")
    init.add_argument("directory", type=Path, metavar="DIR")
    init.add_argument("--profile", choices=("iso2", "iso20"), default="iso2")
    init.add_argument("--ed448", action="store_true", help="Ed448 keys and signatures (iso20)")
    init.add_argument("--pcid", help="PCID for the OEM provisioning leaf CN")
    init.add_argument("--emaid", help="eMAID for the contract leaf CN (check digit added)")
    init.add_argument("--validity", action="append", default=[], metavar="ROLE=DAYS",
                      help="validity period of a role in days (repeatable)")
    init.add_argument("--provisioning-csr", type=Path, metavar="FILE",
                      help="issue the OEM provisioning leaf for this CSR (PEM or DER)")
    pw = init.add_mutually_exclusive_group()
    pw.add_argument("--password", help="encrypt the PKCS#8 keys with this password")
    pw.add_argument("--password-file", type=Path, metavar="FILE",
                    help="read the key password from FILE (first line)")
    init.add_argument("--force", action="store_true", help="overwrite an existing PKI in DIR")
    init.add_argument("--json", action="store_true", help="print manifest.json")
    init.set_defaults(func=_init)

    check = sub.add_parser("check", help="check certificates/chains against the profile")
    check.add_argument("certs", nargs="+", type=Path, metavar="CERT",
                       help="PEM (one or more certificates) or DER files")
    check.add_argument("--role", choices=_ROLES, help="check every certificate in this role")
    check.add_argument("--profile", choices=("iso2", "iso20"),
                       help="profile (default: the one the certificates fit best)")
    check.add_argument("--root", action="append", default=[], type=Path, metavar="FILE",
                       help="trusted root(s): the chain must end at one of them (repeatable)")
    check.add_argument("--at", metavar="TIME", help="ISO 8601 time for validity (default: now)")
    check.add_argument("--skip", action="append", default=[], metavar="RULE",
                       help="do not report RULE (repeatable)")
    check.add_argument("--json", action="store_true", help="machine-readable result")
    check.set_defaults(func=_check)

    rules = sub.add_parser("rules", help="list the profile rules by name")
    rules.add_argument("--json", action="store_true")
    rules.set_defaults(func=_rules)


def _parse_validity(items: list[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for item in items:
        role, sep, days = item.partition("=")
        if not sep or not days.strip().isdigit():
            raise PkiError(f"--validity expects ROLE=DAYS, got {item!r}")
        result[role.strip()] = int(days)
    return result


def _load_csr(path: Path) -> x509.CertificateSigningRequest:
    from evcc.x509.parse import load_csr

    try:
        return load_csr(read_file(path, "CSR ", error=PkiError))
    except X509Error:
        raise PkiError(f"{path} is not a PEM or DER certificate signing request") from None


def _password(args: argparse.Namespace) -> bytes | None:
    if args.password is not None:
        return str(args.password).encode()
    if args.password_file is not None:
        try:
            lines = Path(args.password_file).read_text().splitlines()
        except OSError as exc:
            raise PkiError(f"cannot read password file: {exc.strerror}") from None
        if not lines or not lines[0]:
            raise PkiError("password file is empty")
        return lines[0].encode()
    return None


def _init(args: argparse.Namespace) -> int:
    from evcc.bench.pki import init_pki

    csr = _load_csr(args.provisioning_csr) if args.provisioning_csr else None
    manifest = init_pki(
        args.directory,
        args.profile,
        pcid=args.pcid,
        emaid=args.emaid,
        ed448=args.ed448,
        provisioning_csr=csr,
        password=_password(args),
        validity_days=_parse_validity(args.validity),
        overwrite=args.force,
    )
    if args.json:
        print(json.dumps(manifest.to_json(), indent=2))
    else:
        variant = " (Ed448)" if args.ed448 else ""
        print(f"{args.profile}{variant} test PKI written to {args.directory}")
        print(f"  PCID  {manifest.pcid}\n  eMAID {manifest.emaid}")
        print(f"  {len(manifest.files)} certificates, manifest {args.directory / 'manifest.json'}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from evcc.x509.chain import order_chain
    from evcc.x509.profile import RULES, check_certificate, check_chain, infer_role
    from evcc.x509.profile_roles import parse_role

    unknown = [r for r in args.skip if r not in RULES]
    if unknown:
        raise PkiError(f"unknown rule(s) {', '.join(unknown)}; see `evcc pki rules`")
    now = _parse_time(args.at)
    certs = [c for path in args.certs for c in read_certificates(path)]
    chain = None if args.role or len(certs) < 2 else order_chain(certs)
    mode = "chain" if chain is not None else "certificates"
    anchors = [c for path in args.root for c in read_certificates(path)] or None
    if anchors is not None and chain is None:
        raise PkiError("--root needs certificates that form one chain (leaf, Sub-CA 2, Sub-CA 1)")

    def evaluate(profile: str) -> list[Violation]:
        if chain is not None:
            return check_chain(chain, profile, now=now, anchors=anchors, skip=args.skip)
        found: list[Violation] = []
        for cert in certs:
            role = parse_role(args.role) if args.role else infer_role(cert)
            found += check_certificate(cert, role, profile, now=now, skip=args.skip)
        return found

    if args.profile is not None:
        profile, violations = args.profile, evaluate(args.profile)
    else:  # the profile the certificates fit best; iso2 on a tie
        profile, violations = min(((p, evaluate(p)) for p in ("iso2", "iso20")),
                                  key=lambda item: len(item[1]))
    _report(args, profile, mode, len(certs), violations)
    return 1 if violations else 0


def _parse_time(text: str | None) -> datetime:
    if text is None:
        return SYSTEM_CLOCK.utc()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PkiError(f"--at expects an ISO 8601 time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _report(args: argparse.Namespace, profile: str, mode: str, count: int,
            violations: list[Violation]) -> None:
    if args.json:
        doc: dict[str, object] = {
            "ok": not violations,
            "profile": profile,
            "mode": mode,
            "certificates": count,
            "violations": [
                {"rule": v.rule, "role": v.role, "subject": v.subject, "detail": v.detail}
                for v in violations
            ],
        }
        print(json.dumps(doc, indent=2))
        return
    for v in violations:
        print(f"{v.rule:<20} {v.role or '-':<14} {v.subject}: {v.detail}")
    verdict = "OK" if not violations else f"{len(violations)} violation(s)"
    print(f"{count} certificate(s) checked as {mode} against {profile}: {verdict}",
          file=sys.stderr if violations else sys.stdout)


def _rules(args: argparse.Namespace) -> int:
    from evcc.x509.profile import RULES

    if args.json:
        print(json.dumps(dict(RULES), indent=2))
    else:
        for name, text in RULES.items():
            print(f"{name:<20} {text}")
    return 0

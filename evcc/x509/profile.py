"""Check certificates and chains against the ISO 15118-2 / -20 certificate profiles.

Every violated rule is reported as a :class:`Violation` with a stable rule name (see
:data:`RULES`); nothing is raised for a bad certificate. Time is passed in. Callers that
accept deviations of real-world PKIs pass the rule names to ``skip``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtensionOID, NameOID

from evcc.errors import IdentifierError, PkiError
from evcc.x509 import profile_checks as checks
from evcc.x509.extensions import extension, key_id
from evcc.x509.identifiers import Emaid, Pcid
from evcc.x509.names import attributes, name_text, subject_text
from evcc.x509.parse import PARSE_ERRORS
from evcc.x509.profile_roles import CHAINS, Profile, Role, get_profile
from evcc.x509.profile_rules import RULES, Report, Violation, short

__all__ = [
    "RULES",
    "Violation",
    "chain_name_for",
    "check_certificate",
    "check_chain",
    "check_issued_by",
    "infer_role",
]


def check_certificate(
    cert: x509.Certificate,
    role: Role | None,
    profile: str | Profile,
    *,
    now: datetime,
    skip: Collection[str] = (),
) -> list[Violation]:
    """Violations of ``cert`` in ``role`` (None: only role-independent rules)."""
    prof = get_profile(profile) if isinstance(profile, str) else profile
    report = Report(cert, role, skip)
    # cryptography parses names, extensions and keys lazily: a part that does not parse is
    # reported once as der_encoding and the checks that need it are left out
    for part, access in (("subject", lambda: cert.subject), ("issuer", lambda: cert.issuer),
                         ("extensions", lambda: cert.extensions)):
        try:
            access()
        except PARSE_ERRORS as exc:
            report.add("der_encoding", f"{part} is not valid DER: {short(exc)}")
            if part != "extensions":
                return report.items
    steps: list[Callable[[], None]] = [
        lambda: checks.check_basics(cert, prof, report),
        lambda: checks.check_key_and_signature(cert, prof, report),
        lambda: checks.check_validity(cert, role, now, report),
    ]
    if role is not None:
        steps.append(lambda: checks.check_role(cert, role, report))
    else:
        steps.append(lambda: checks.check_any_dc(cert, report))
    for step in steps:
        try:
            step()
        except PARSE_ERRORS as exc:
            report.add("der_encoding", f"certificate cannot be parsed: {short(exc)}")
    return report.items


def check_issued_by(child: x509.Certificate, issuer: x509.Certificate, *,
                    child_role: Role | None = None, skip: Collection[str] = ()) -> list[Violation]:
    """Violations of the link ``issuer`` → ``child``: names, key identifiers, signature."""
    report = Report(child, child_role, skip)
    try:
        names_match = child.issuer == issuer.subject
    except PARSE_ERRORS:
        return report.items  # unparseable names: check_certificate reports der_encoding
    if not names_match:
        report.add("issuer_mismatch", f"issuer {name_text(child.issuer)} != {subject_text(issuer)}")
    aki = key_id(child, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    ski = key_id(issuer, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if aki is not None and ski is not None and aki != ski:
        report.add("aki_mismatch", f"AKI {aki.hex()} != issuer SKI {ski.hex()}")
    try:
        child.verify_directly_issued_by(issuer)
    except InvalidSignature:
        report.add("signature_invalid", f"signature does not verify with {subject_text(issuer)}")
    except PARSE_ERRORS as exc:
        if names_match:
            report.add("signature_invalid",
                       f"cannot verify with {subject_text(issuer)}: {short(exc)}")
    return report.items


def chain_name_for(leaf: x509.Certificate) -> str | None:
    """Chain (cpo, cps, oem, mo) suggested by the leaf's DC or CN, None if unclear."""
    try:
        return _chain_name_for(leaf)
    except PARSE_ERRORS:
        return None


def _chain_name_for(leaf: x509.Certificate) -> str | None:
    by_dc = {"CPO": "cpo", "CPS": "cps", "OEM": "oem", "MO": "mo"}
    for dc in attributes(leaf.subject, NameOID.DOMAIN_COMPONENT):
        if dc.upper() in by_dc:
            return by_dc[dc.upper()]
    for cn in attributes(leaf.subject, NameOID.COMMON_NAME):
        for name, parser in (("mo", Emaid.parse), ("oem", Pcid.parse)):
            try:
                parser(cn)
            except IdentifierError:
                continue
            return name
    return None


def check_chain(
    certs: Sequence[x509.Certificate],
    profile: str | Profile,
    *,
    now: datetime,
    chain: str | None = None,
    anchors: Sequence[x509.Certificate] | None = None,
    skip: Collection[str] = (),
) -> list[Violation]:
    """Violations of a chain given leaf first: leaf, Sub-CA 2, Sub-CA 1 and optionally the root.

    ``chain`` (cpo, cps, oem, mo) fixes the roles; by default it follows from the leaf. With
    ``anchors`` (trusted roots) the chain must end at one of them: either its last certificate
    is one of the anchors, or an anchor issued it (checked like every other link).
    """
    if not certs:
        raise PkiError("empty certificate chain")
    name = chain or chain_name_for(certs[0])
    if name is not None and name not in CHAINS:
        raise PkiError(f"unknown chain {name!r}; choose one of {', '.join(CHAINS)}")
    roles: list[Role | None] = (
        list(reversed(CHAINS[name])) if name is not None else [None] * 4
    )
    report = Report(certs[0], roles[0], skip)
    if len(certs) not in (3, 4):
        report.add("chain_length", f"{len(certs)} certificates, expected 3 or 4")
    violations = report.items
    for index, cert in enumerate(certs):
        role = roles[index] if index < len(roles) else None
        violations += check_certificate(cert, role, profile, now=now, skip=skip)
        if index + 1 < len(certs):
            violations += check_issued_by(cert, certs[index + 1], child_role=role, skip=skip)
    if anchors is not None:
        top_role = roles[len(certs) - 1] if len(certs) <= len(roles) else None
        violations += _check_anchor(certs[-1], top_role, anchors, profile=profile, now=now,
                                    skip=skip)
    return violations


def _check_anchor(
    top: x509.Certificate,
    top_role: Role | None,
    anchors: Sequence[x509.Certificate],
    *,
    profile: str | Profile,
    now: datetime,
    skip: Collection[str],
) -> list[Violation]:
    """The chain's last certificate is a trusted root or is issued by one."""
    report = Report(top, top_role, skip)
    if any(top == anchor for anchor in anchors):
        return []
    try:
        issuers = [a for a in anchors if a.subject == top.issuer]
        self_signed = top.issuer == top.subject
    except PARSE_ERRORS:
        report.add("anchor", "names do not parse")
        return report.items
    if self_signed:
        report.add("anchor", "root is not one of the trusted roots")
        return report.items
    if not issuers:
        report.add("anchor", f"no trusted root named {name_text(top.issuer)}")
        return report.items
    links = [check_issued_by(top, anchor, child_role=top_role, skip=skip) for anchor in issuers]
    for anchor, link in zip(issuers, links, strict=True):
        if not link:  # this anchor issued the chain: it must be valid now as well
            found = check_certificate(anchor, None, profile, now=now, skip=skip)
            return [v for v in found if v.rule in ("expired", "not_yet_valid")]
    report.add("anchor", "no trusted root with that name issued it")
    return report.items + links[0]


def infer_role(cert: x509.Certificate) -> Role | None:
    """Best guess of ``cert``'s role from DC, CN, CA flag and pathLen (leaf names win)."""
    try:
        return _infer_role(cert)
    except PARSE_ERRORS:
        return None


def _infer_role(cert: x509.Certificate) -> Role | None:
    dcs = {dc.upper() for dc in attributes(cert.subject, NameOID.DOMAIN_COMPONENT)}
    cns = attributes(cert.subject, NameOID.COMMON_NAME)
    if dcs & {"CPO", "CPS"}:
        return Role.SECC_LEAF if "CPO" in dcs else Role.CPS_LEAF
    for role, parser, dc in ((Role.CONTRACT_LEAF, Emaid.parse, "MO"),
                             (Role.OEM_PROV_LEAF, Pcid.parse, "OEM")):
        if cns and (not dcs or dc in dcs):
            try:
                parser(cns[0])
            except IdentifierError:
                continue
            return role
    ext = extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    bc = ext.value if ext is not None and isinstance(ext.value, x509.BasicConstraints) else None
    if bc is not None and bc.ca:
        family = "oem" if "OEM" in dcs else "mo" if "MO" in dcs else "cpo"
        if cert.issuer == cert.subject:
            return CHAINS[family][0]
        return CHAINS[family][1] if bc.path_length == 1 else CHAINS[family][2]
    name = chain_name_for(cert)
    return CHAINS[name][3] if name is not None else None

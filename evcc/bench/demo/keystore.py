"""Demo step 2: the keystore on a software TPM, from an empty store to a usable contract.

A fresh swtpm on free loopback ports with a temporary state directory backs a ``tpm:`` store.
The OEM provisioning key is created inside the TPM, its CSR is signed there, the bench PKI
issues the provisioning leaf for that CSR, and the chain goes back into the store. The step
then signs and does ECDH inside the TPM and checks both against software, imports the bench
contract and lists it. Without swtpm (or tpm2-pytss) it falls back to a ``soft:`` store and
says so. swtpm is stopped on every way out, Ctrl-C included.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.report import StepReport, Table
from evcc.bench.pki import DEFAULT_PCID, PkiManifest, init_pki
from evcc.clock import FakeClock  # the demo runs at one fixed time: ctx.now
from evcc.x509.names import display_name
from evcc.x509.profile_roles import Role
from keystore import (
    PROVISIONING,
    KeyRef,
    Keystore,
    Profile,
    SoftKeystore,
    StoreExistsError,
    TpmUnavailableError,
)
from keystore.soft import SOFT_WARNING
from keystore.swtpm import Swtpm

_T = TypeVar("_T")
#: What the step writes below its work directory.
_WORK_DIRS = frozenset({"tpmstate", "store", "pki"})
PROFILE: Profile = "iso2"


class KeystoreStep:
    """Provisioning identity, roots and a contract in a TPM-backed (or fallback soft) store."""

    name = "keystore"
    title = "Keystore in a software TPM (swtpm)"

    def __init__(self, *, prefer_tpm: bool = True) -> None:
        self.prefer_tpm = prefer_tpm

    def run(self, ctx: DemoContext, report: StepReport) -> None:
        """Walk the store from empty to a usable provisioning identity and contract."""
        base = ctx.workdir / "keystore"
        _clear_previous_run(base)
        timings: dict[str, float] = {}
        report.facts["timings_ms"] = timings
        with ExitStack() as stack:
            store = self._open(stack, base, ctx, report)
            stack.callback(store.close)
            _walk(store, base, ctx, report, _Timer(timings))

    def _open(self, stack: ExitStack, base: Path, ctx: DemoContext,
              report: StepReport) -> Keystore:
        store_dir = base / "store"
        reason = "the soft keystore was asked for (--soft-keystore)"
        if self.prefer_tpm:
            try:
                return self._open_tpm(stack, base, store_dir, ctx, report)
            except (TpmUnavailableError, ImportError) as exc:
                reason = f"no software TPM: {exc}"
        report.title = "Keystore: SOFTWARE fallback, no TPM"
        report.warnings.append(
            f"FALLBACK: {reason}. Using a SOFTWARE keystore (soft:{store_dir}) instead of a "
            "TPM; NOT FOR VEHICLES. Install the Debian package swtpm for the TPM walk-through.")
        report.facts.update(backend="soft", fallback_reason=reason, tcti=None, swtpm=None,
                            store=f"soft:{store_dir}")
        report.line("store", f"soft:{store_dir} ({SOFT_WARNING.split(':')[0]})")
        return SoftKeystore(store_dir, create=True, clock=FakeClock(ctx.now))

    @staticmethod
    def _open_tpm(stack: ExitStack, base: Path, store_dir: Path, ctx: DemoContext,
                  report: StepReport) -> Keystore:
        from keystore.tpm import TpmKeystore  # noqa: PLC0415 - tpm2-pytss only when used

        tpm = Swtpm(base / "tpmstate")
        stack.callback(tpm.kill)  # first, so that an interrupted start is cleaned up too
        started = time.perf_counter()
        tpm.start()
        swtpm_ms = (time.perf_counter() - started) * 1000
        store = TpmKeystore(store_dir, tcti=tpm.tcti, create=True, clock=FakeClock(ctx.now))
        report.facts.update(backend="tpm", fallback_reason=None, tcti=tpm.tcti,
                            swtpm={"pid": tpm.pid, "port": tpm.port,
                                   "state_dir": str(tpm.state_dir),
                                   "start_ms": round(swtpm_ms, 1)},
                            store=f"tpm:{store_dir}")
        report.line("TPM", f"swtpm pid {tpm.pid}, {tpm.tcti}, up in {swtpm_ms:.0f} ms")
        report.line("store", f"tpm:{store_dir}")
        return store


def _clear_previous_run(base: Path) -> None:
    """Remove what an earlier demo left in ``base`` (with ``--out``); refuse anything else."""
    if not base.exists():
        return
    left = {p.name for p in base.iterdir()}
    if not left <= _WORK_DIRS:
        raise StoreExistsError(f"{base} holds files the demo did not write: "
                               + ", ".join(sorted(left - _WORK_DIRS)))
    shutil.rmtree(base)


class _Timer:
    """Times named operations into a dict of milliseconds."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.into[name] = round((time.perf_counter() - start) * 1000, 2)


def _timed(timer: _Timer, name: str, op: Callable[[], _T]) -> _T:
    with timer(name):
        return op()


def _walk(store: Keystore, base: Path, ctx: DemoContext, report: StepReport,
          timer: _Timer) -> None:
    facts = report.facts
    pcid = ctx.pcid or DEFAULT_PCID
    prov = _timed(timer, "create_provisioning_key",
                  lambda: store.create_provisioning_key(pcid, PROFILE))
    handle = f"0x{prov.tpm_handle:08x}" if prov.tpm_handle is not None else None
    csr = _timed(timer, "provisioning_csr", store.provisioning_csr)
    report.check(csr.is_signature_valid, "the provisioning CSR signature does not verify")
    facts["provisioning_key"] = {"pcid": prov.pcid, "profile": prov.profile,
                                 "curve": prov.curve, "tpm_handle": handle}
    facts["csr_subject"] = csr.subject.rfc4514_string()
    report.line("provisioning key", f"{prov.curve}, created inside"
                + (f" at persistent handle {handle}" if handle else " the store"))
    report.line("CSR", f"{facts['csr_subject']}, signed inside")

    pki = _timed(timer, "issue_oem_provisioning_leaf",
                 lambda: init_pki(base / "pki", PROFILE, pcid=pcid, provisioning_csr=csr,
                                  now=ctx.now, overwrite=True))
    v2g_root, mo_root = pki.cert(Role.V2G_ROOT), pki.cert(Role.MO_ROOT)
    _timed(timer, "add_roots", lambda: (store.add_root(v2g_root, "v2g"),
                                        store.add_root(mo_root, "mo")))
    installed = _timed(timer, "install_provisioning_chain",
                       lambda: store.install_provisioning_chain(pki.chain("oem")[:3]))
    facts["provisioning_chain"] = {"subject": installed.certificate_subject,
                                   "length": installed.chain_length}
    leaf_cn = display_name(pki.cert(Role.OEM_PROV_LEAF))
    report.line("OEM prov. chain", f"leaf {leaf_cn} issued for the CSR; "
                f"{installed.chain_length} certificates installed")

    ids = store.root_certificate_ids("v2g")
    facts["roots"] = [{"kind": r.kind, "subject": r.subject, "fingerprint": r.fingerprint}
                      for r in store.roots()]
    facts["list_of_root_certificate_ids"] = [i.to_json() for i in ids]
    report.check([(i.issuer_name, i.serial_number) for i in ids]
                 == [(v2g_root.issuer.rfc4514_string(), v2g_root.serial_number)],
                 "ListOfRootCertificateIDs does not name exactly the V2G root")
    report.tables.append(Table("ListOfRootCertificateIDs (V2G roots)",
                               ("X509IssuerName", "X509SerialNumber (hex)"),
                               tuple((i.issuer_name, f"{i.serial_number:x}") for i in ids)))

    leaf = pki.cert(Role.OEM_PROV_LEAF)
    _check_sign(store, PROVISIONING, leaf, ctx=ctx, report=report, timer=timer,
                label="provisioning")
    _check_ecdh(store, leaf, report, timer)
    _contract(store, pki, ctx, report, timer)
    status = store.status()
    facts["status"] = {"roots": status.roots, "roots_intact": status.roots_intact,
                       "for_vehicles": status.for_vehicles, "contracts": status.contracts}
    report.check(status.roots_intact, "the trust anchors do not match their protected digest")
    ms = report.facts["timings_ms"]
    report.line("timings", ", ".join(f"{name.replace('_', ' ')} {value:.1f} ms"
                                     for name, value in ms.items()))


def _check_sign(store: Keystore, key: KeyRef, cert: x509.Certificate, *, ctx: DemoContext,
                report: StepReport, timer: _Timer, label: str) -> None:
    digest = hashlib.sha256(b"evcc demo challenge " + ctx.rng(16)).digest()
    signature = _timed(timer, f"sign_{label}", lambda: store.sign(key, digest))
    public = cert.public_key()
    verified = False
    if isinstance(public, ec.EllipticCurvePublicKey):
        try:
            public.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
            verified = True
        except InvalidSignature:
            pass
    report.facts[f"sign_{label}"] = {"digest": digest.hex(), "signature_der_bytes":
                                     len(signature), "verified_with_certificate": verified}
    report.check(verified, f"the {label} signature does not verify with its certificate")
    report.line(f"sign ({label})", ("verified" if verified else "NOT VERIFIED")
                + f" with the certificate of {display_name(cert)}")


def _check_ecdh(store: Keystore, leaf: x509.Certificate, report: StepReport,
                timer: _Timer) -> None:
    public = leaf.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        report.fail("the OEM provisioning certificate has no EC key")
        return
    peer = ec.generate_private_key(public.curve)
    inside = _timed(timer, "ecdh_provisioning",
                    lambda: store.ecdh(PROVISIONING, peer.public_key()))
    outside = peer.exchange(ec.ECDH(), public)
    same = hmac.compare_digest(inside, outside)
    report.facts["ecdh_provisioning"] = {"peer_curve": public.curve.name,
                                         "shared_secret_bytes": len(inside), "equal": same}
    report.check(same, "ECDH in the store differs from software ECDH with the peer key")
    report.line("ECDH (provisioning)", ("equal" if same else "DIFFERENT")
                + " to software ECDH with a fresh peer key")


def _contract(store: Keystore, pki: PkiManifest, ctx: DemoContext, report: StepReport,
              timer: _Timer) -> None:
    key = pki.key(Role.CONTRACT_LEAF)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        report.fail("the bench contract key is not an EC key")
        return
    chain = pki.chain("mo")[:3]
    info = _timed(timer, "install_contract",
                  lambda: store.install_contract(chain, key, source="bench"))
    listed = store.contracts()
    rows: list[dict[str, Any]] = [
        {"id": c.id, "emaid": c.emaid, "priority": c.priority, "enabled": c.enabled,
         "source": c.source, "not_after": c.not_after.isoformat()} for c in listed]
    report.facts["contracts"] = rows
    report.check([c.id for c in listed] == [info.id], "the imported contract is not listed")
    report.check(info.emaid.replace("-", "") == pki.emaid.replace("-", ""),
                 f"contract eMAID {info.emaid} differs from the PKI's {pki.emaid}")
    report.tables.append(Table("contracts", ("prio", "id", "eMAID", "expires", "source"), tuple(
        (str(c["priority"]), c["id"], c["emaid"], c["not_after"][:10], c["source"])
        for c in rows)))
    _check_sign(store, info.key, chain[0], ctx=ctx, report=report, timer=timer,
                label="contract")


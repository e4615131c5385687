"""``evcc keystore``: create and inspect a keystore, trust anchors and the provisioning key.

Every action takes the store options of :mod:`evcc.cli.common` (``--store``, ``--tcti``,
``--json``).
"""

# Heavy modules (cryptography, tpm2-pytss) are imported inside the handlers.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from evcc.cli.common import action, emit, opened, owner_auth_option, store_options
from evcc.cli.files import read_certificates
from evcc.errors import EvccError

if TYPE_CHECKING:
    from evcc.cli.common import Subparsers
    from keystore import Keystore, ProvisioningInfo
    from keystore.tpm import TpmKeystore

def register(subparsers: Subparsers) -> None:
    """Add ``evcc keystore init|status|roots|provisioning``."""
    parser = subparsers.add_parser("keystore", help="TPM/software keystore: roots, OEM key")
    store_options(parser, top=True)
    sub = parser.add_subparsers(dest="keystore_command", metavar="ACTION", required=True)
    owner_auth_option(action(sub, "init", _init, "create a keystore in the store directory"))
    action(sub, "status", _status, "counts, integrity, TPM details")

    roots = sub.add_parser("roots", help="trust anchors (V2G, MO, OEM roots)")
    rsub = roots.add_subparsers(dest="roots_command", metavar="ACTION", required=True)
    add = action(rsub, "add", _roots_add, "add self-signed root certificates (PEM or DER)")
    add.add_argument("certs", nargs="+", type=Path, metavar="CERT")
    add.add_argument("--kind", choices=("v2g", "mo", "oem"), default="v2g")
    owner_auth_option(add)
    listing = action(rsub, "list", _roots_list, "list trust anchors")
    listing.add_argument("--kind", choices=("v2g", "mo", "oem"))
    ids = action(rsub, "ids", _roots_ids, "ListOfRootCertificateIDs (issuer + serial)")
    ids.add_argument("--kind", choices=("v2g", "mo", "oem"), default="v2g")
    remove = action(rsub, "remove", _roots_remove, "remove a root by fingerprint prefix")
    remove.add_argument("reference", metavar="FINGERPRINT")
    remove.add_argument("--kind", choices=("v2g", "mo", "oem"),
                        help="which one, when a certificate is trusted as several kinds")
    owner_auth_option(remove)

    prov = sub.add_parser("provisioning", help="OEM provisioning identity")
    psub = prov.add_subparsers(dest="provisioning_command", metavar="ACTION", required=True)
    create = action(psub, "create", _prov_create, "generate the key inside the keystore")
    create.add_argument("--pcid", required=True, help="PCID: the CSR's common name")
    create.add_argument("--profile", choices=("iso2", "iso20"), required=True,
                        help="iso2: P-256, iso20: P-521")
    create.add_argument("--force", action="store_true", help="replace an existing key")
    owner_auth_option(create)
    csr = action(psub, "csr", _prov_csr, "CSR (CN = PCID) signed inside the keystore")
    csr.add_argument("--out", type=Path, metavar="FILE", help="write the PEM here")
    install = action(psub, "install", _prov_install, "install the issued chain (leaf first)")
    install.add_argument("chain", type=Path, metavar="CHAIN")
    owner_auth_option(action(psub, "show", _prov_show, "the provisioning identity"))
    sign = action(psub, "sign", _prov_sign, "sign a digest (bench use); raw r||s hex")
    sign.add_argument("--digest", required=True, metavar="HEX",
                      help="SHA-256 (iso2) or SHA-512 (iso20) digest")


def _init(args: argparse.Namespace) -> int:
    with opened(args, create=True, owner=True) as store:
        status = store.status()
    return emit(args, status.to_json(), f"created {status.backend} keystore in {status.path}")


def _status(args: argparse.Namespace) -> int:
    with opened(args) as store:
        st = store.status()
    lines = [
        f"backend      {st.backend}{'' if st.for_vehicles else '  (NOT FOR VEHICLES)'}",
        f"path         {st.path}",
        f"roots        {st.roots}{'' if st.roots_intact else '  TAMPERED - refused'}",
        f"provisioning {'yes' if st.provisioning else 'no'}",
        f"contracts    {st.contracts}",
    ]
    lines += [f"{k:<12} {v}" for k, v in sorted(st.detail.items())]
    return emit(args, st.to_json(), "\n".join(lines))


def _roots_add(args: argparse.Namespace) -> int:
    from evcc.x509.chain import check_root

    certificates = [c for path in args.certs for c in read_certificates(path)]
    for cert in certificates:  # all or nothing: check every root before adding any
        check_root(cert)
    with opened(args, owner=True) as store:
        added = [store.add_root(cert, args.kind) for cert in certificates]
    return emit(args, [r.to_json() for r in added],
                "\n".join(f"added {r.kind} {r.fingerprint[:16]} {r.subject}" for r in added))


def _roots_list(args: argparse.Namespace) -> int:
    with opened(args) as store:
        roots = store.roots(args.kind)
    text = "\n".join(f"{r.fingerprint[:16]}  {r.kind:<3}  {r.not_after:%Y-%m-%d}  "
                     f"{r.subject}" for r in roots) or "no trust anchors"
    return emit(args, [r.to_json() for r in roots], text)


def _roots_ids(args: argparse.Namespace) -> int:
    with opened(args) as store:
        ids = store.root_certificate_ids(args.kind)
    text = "\n".join(f"{i.serial_number}  {i.issuer_name}" for i in ids) or "none"
    return emit(args, [i.to_json() for i in ids], text)


def _roots_remove(args: argparse.Namespace) -> int:
    with opened(args, owner=True) as store:
        root = store.remove_root(args.reference, args.kind)
    return emit(args, root.to_json(), f"removed {root.fingerprint[:16]} {root.subject}")


def _prov_text(info: ProvisioningInfo) -> str:
    handle = info.tpm_handle
    lines = [
        f"PCID     {info.pcid}",
        f"profile  {info.profile} ({info.curve})",
        f"handle   {f'0x{handle:08x}' if handle else '-'}",
        f"cert     {info.certificate_subject or '- (no chain installed)'}",
    ]
    if info.certificate_not_after:
        lines.append(f"expires  {info.certificate_not_after.isoformat()}")
    return "\n".join(lines)


def _prov_create(args: argparse.Namespace) -> int:
    with opened(args, owner=True) as store:
        info = store.create_provisioning_key(args.pcid, args.profile,
                                             replace_existing=args.force)
    return emit(args, info.to_json(), _prov_text(info))


def _prov_csr(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization

    with opened(args) as store:
        pem = store.provisioning_csr().public_bytes(serialization.Encoding.PEM).decode()
    if args.out:
        try:
            args.out.write_text(pem)
        except OSError as exc:
            raise EvccError(f"cannot write {args.out}: {exc.strerror}") from exc
    if args.json:
        return emit(args, {"csr_pem": pem}, "")
    if not args.out:
        sys.stdout.write(pem)
    return 0


def _prov_install(args: argparse.Namespace) -> int:
    chain = read_certificates(args.chain)
    with opened(args) as store:
        info = store.install_provisioning_chain(chain)
    return emit(args, info.to_json(), _prov_text(info))


def _prov_show(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization

    with opened(args, owner=True) as store:  # the -20 import parent is an owner primary
        prov = store.provisioning()
        if prov is None:
            raise EvccError("no OEM provisioning key (create one with `provisioning create`)")
        info = prov.to_json()
        text = _prov_text(prov) + "\n" + prov.public_key_pem.rstrip()
        if prov.profile == "iso20" and _is_tpm(store):
            # Where an ISO 15118-20 TPM_EncryptedPrivateKey must be wrapped to.
            pem = store.import_parent_public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
            info["tpm_import_parent_public_key_pem"] = pem
            text += "\nTPM import parent (P-521/SHA-512):\n" + pem.rstrip()
    return emit(args, info, text)


def _is_tpm(store: Keystore) -> TypeGuard[TpmKeystore]:
    if store.backend != "tpm":
        return False
    from keystore.tpm import TpmKeystore  # tpm2-pytss only for TPM stores

    return isinstance(store, TpmKeystore)


def _prov_sign(args: argparse.Namespace) -> int:
    from keystore import PROVISIONING

    try:
        digest = bytes.fromhex(args.digest)
    except ValueError:
        raise EvccError("--digest must be hex") from None
    with opened(args) as store:
        signature = store.sign(PROVISIONING, digest, raw=True).hex()
    return emit(args, {"signature": signature}, signature)

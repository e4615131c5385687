"""``evcc contracts``: list and manage the contract certificates in a keystore.

``import`` brings a contract from files onto the bench; on a vehicle contracts arrive
through CertificateInstallation or the telematics backend.
"""

# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from evcc.cli.common import action, emit, opened, store_options
from evcc.cli.files import read_certificates, read_file
from evcc.errors import EvccError

if TYPE_CHECKING:
    from evcc.cli.common import Subparsers
    from keystore import ContractInfo, Keystore


def register(subparsers: Subparsers) -> None:
    """Add ``evcc contracts list|show|remove|priority|enable|disable|expiring|import``."""
    parser = subparsers.add_parser("contracts", help="contract certificates in the keystore")
    store_options(parser, top=True)
    sub = parser.add_subparsers(dest="contracts_command", metavar="ACTION", required=True)
    action(sub, "list", _list, "installed contracts, preferred first")
    show = action(sub, "show", _show, "one contract with its chain")
    show.add_argument("reference", metavar="ID|EMAID")
    remove = action(sub, "remove", _remove, "delete a contract and its key")
    remove.add_argument("reference", metavar="ID|EMAID")
    prio = action(sub, "priority", _priority, "set the priority (lower = preferred)")
    prio.add_argument("reference", metavar="ID|EMAID")
    prio.add_argument("priority", type=int, metavar="N")
    enable = action(sub, "enable", _enable, "offer the contract again")
    enable.add_argument("reference", metavar="ID|EMAID")
    disable = action(sub, "disable", _disable, "keep the contract but never offer it")
    disable.add_argument("reference", metavar="ID|EMAID")
    expiring = action(sub, "expiring", _expiring, "contracts ending within N days")
    expiring.add_argument("--days", type=float, default=30.0, metavar="N")
    imp = action(sub, "import", _import, "bench: install a contract chain and key from files")
    imp.add_argument("--cert", type=Path, required=True, metavar="CHAIN.pem",
                     help="contract leaf first, then its sub-CAs")
    imp.add_argument("--key", type=Path, required=True, metavar="KEY.pem",
                     help="the contract private key (PKCS#8 or SEC1 PEM)")
    secret = imp.add_mutually_exclusive_group()
    secret.add_argument("--key-password", metavar="PASSWORD",
                        help="if the key file is encrypted (visible in `ps`; prefer the file)")
    secret.add_argument("--key-password-file", type=Path, metavar="FILE",
                        help="read the key password from FILE (first line)")
    imp.add_argument("--priority", type=int, metavar="N")
    imp.add_argument("--emaid", help="default: the certificate CN")
    imp.add_argument("--source", choices=("bench", "charger", "ota"), default="bench")
    imp.add_argument("--allow-expired", action="store_true",
                     help="bench: install a leaf that is expired or not yet valid "
                          "(recorded in the contract's metadata)")


def _row(c: ContractInfo) -> str:
    state = "on " if c.enabled else "off"
    validity = c.validity + ("*" if c.validity_override else "")
    return (f"{c.priority:>4}  {state}  {c.id}  {c.emaid:<18} {c.provider}  "
            f"{c.not_after:%Y-%m-%d}  {validity:<14} {c.source}")


def _table(contracts: list[ContractInfo]) -> str:
    if not contracts:
        return "no contracts"
    head = (f"{'prio':>4}  {'en':<3}  {'id':<16}  {'eMAID':<18} {'prov.'}  {'expires':<10}  "
            f"{'validity':<14} source")
    if any(c.validity_override for c in contracts):
        return "\n".join([head, *(_row(c) for c in contracts),
                          "* installed outside its validity period (--allow-expired)"])
    return "\n".join([head, *(_row(c) for c in contracts)])


def _list(args: argparse.Namespace) -> int:
    with opened(args) as store:
        contracts = store.contracts()
    return emit(args, [c.to_json() for c in contracts], _table(contracts))


def _find(store: Keystore, reference: str) -> str:
    """The id of the one contract ``reference`` names (id prefix or eMAID, any spelling)."""
    from keystore.lookup import find_contract

    return find_contract(store.contracts(), reference).id


def _show(args: argparse.Namespace) -> int:
    with opened(args) as store:
        cid = _find(store, args.reference)
        info = store.contract(cid)
        chain = [c.subject.rfc4514_string() for c in store.contract_chain(cid)]
    chain_lines = [f"  chain[{i}] {s}" for i, s in enumerate(chain)]
    text = "\n".join([_table([info]), *chain_lines])
    return emit(args, {**info.to_json(), "chain": chain}, text)


def _remove(args: argparse.Namespace) -> int:
    with opened(args) as store:
        info = store.remove_contract(_find(store, args.reference))
    return emit(args, info.to_json(), f"removed {info.id} {info.emaid}")


def _priority(args: argparse.Namespace) -> int:
    with opened(args) as store:
        info = store.set_priority(_find(store, args.reference), args.priority)
    return emit(args, info.to_json(), _table([info]))


def _enable(args: argparse.Namespace) -> int:
    with opened(args) as store:
        info = store.enable(_find(store, args.reference))
    return emit(args, info.to_json(), _table([info]))


def _disable(args: argparse.Namespace) -> int:
    with opened(args) as store:
        info = store.disable(_find(store, args.reference))
    return emit(args, info.to_json(), _table([info]))


def _expiring(args: argparse.Namespace) -> int:
    with opened(args) as store:
        contracts = store.expiring(args.days)
    return emit(args, [c.to_json() for c in contracts], _table(contracts))


def _import(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    chain = read_certificates(args.cert)
    password = args.key_password.encode() if args.key_password else None
    if args.key_password_file is not None:
        lines = read_file(args.key_password_file).splitlines()
        if not lines or not lines[0]:
            raise EvccError(f"{args.key_password_file}: no password on the first line")
        password = lines[0]
    try:
        key = serialization.load_pem_private_key(read_file(args.key), password)
    except (ValueError, TypeError):
        # The loader's message may quote key data; say only what is wrong.
        raise EvccError(f"{args.key}: not a readable PEM private key (wrong password?)") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise EvccError(f"{args.key}: not an EC private key")
    with opened(args) as store:
        info = store.install_contract(chain, key, emaid=args.emaid, source=args.source,
                                      priority=args.priority, allow_expired=args.allow_expired)
    return emit(args, info.to_json(), "installed\n" + _table([info]))

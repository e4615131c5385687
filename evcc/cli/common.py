"""What the subcommands share: parser types, the store options, opening a store, output.

``evcc keystore`` and ``evcc contracts`` take ``--store SPEC`` (``tpm:DIR`` or ``soft:DIR``;
default ``$EVCC_KEYSTORE``), ``--tcti TCTI`` (default ``$EVCC_TCTI`` or
``device:/dev/tpmrm0``) and ``--json``, before or after the action name.
"""

# Heavy modules (cryptography, tpm2-pytss) are imported inside the functions that need them.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from evcc.cli.files import read_file
from evcc.errors import EvccError

if TYPE_CHECKING:
    from typing import TypeAlias

    from keystore import Keystore

    #: What ``register(subparsers)`` of a subcommand module receives (a typing-only name:
    #: argparse's class is not subscriptable at run time).
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
#: A subcommand handler: parsed arguments in, exit code out.
Handler = Callable[[argparse.Namespace], int]

STORE_ENV = "EVCC_KEYSTORE"
OWNER_AUTH_ENV = "EVCC_TPM_OWNER_AUTH_FILE"
MAX_OWNER_AUTH = 64  # bytes: the largest digest a TPM hierarchy auth can be


def store_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--store/--tcti/--json, accepted before or after the action name."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--store", metavar="SPEC", default=default,
                        help=f"tpm:DIR or soft:DIR (default ${STORE_ENV})")
    parser.add_argument("--tcti", metavar="TCTI", default=default,
                        help="TPM transport, e.g. swtpm:host=127.0.0.1,port=2321 "
                             "(default $EVCC_TCTI or device:/dev/tpmrm0)")
    parser.add_argument("--json", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="machine-readable output")


def action(sub: Subparsers, name: str, handler: Handler, help_text: str
           ) -> argparse.ArgumentParser:
    """Add an action parser with the store options."""
    parser = sub.add_parser(name, help=help_text)
    store_options(parser, top=False)
    parser.set_defaults(func=handler)
    return parser


def owner_auth_option(parser: argparse.ArgumentParser) -> None:
    """--owner-auth-file for the actions that need TPM owner authorization."""
    parser.add_argument("--owner-auth-file", type=Path, metavar="FILE",
                        help="TPM owner hierarchy authorization value, read from FILE "
                             f"(default ${OWNER_AUTH_ENV}; none: empty owner auth)")


def read_owner_auth(args: argparse.Namespace) -> bytes:
    """The owner authorization from --owner-auth-file or $EVCC_TPM_OWNER_AUTH_FILE.

    The file holds the value as bytes; one trailing newline is dropped. Its content is never
    printed, also not in errors.
    """
    path: Path | None = getattr(args, "owner_auth_file", None)
    if path is None and os.environ.get(OWNER_AUTH_ENV):
        path = Path(os.environ[OWNER_AUTH_ENV])
    if path is None:
        return b""
    value = read_file(path)
    if value.endswith(b"\r\n"):
        value = value[:-2]
    elif value.endswith(b"\n"):
        value = value[:-1]
    if not value:
        raise EvccError(f"{path}: owner authorization file is empty")
    if len(value) > MAX_OWNER_AUTH:
        raise EvccError(f"{path}: owner authorization longer than {MAX_OWNER_AUTH} bytes")
    return value


@contextmanager
def opened(
    args: argparse.Namespace, *, create: bool = False, owner: bool = False
) -> Iterator[Keystore]:
    """Open the store named on the command line; closes it (TPM2_Shutdown) afterwards.

    ``owner``: the action needs TPM owner authorization (read it from the file given).
    """
    from keystore import open_keystore

    spec: str | None = args.store or os.environ.get(STORE_ENV)
    if not spec:
        raise EvccError(f"no keystore given: use --store tpm:DIR|soft:DIR or set ${STORE_ENV}")
    auth = read_owner_auth(args) if owner else b""
    store = open_keystore(spec, args.tcti, create=create, owner_auth=auth)
    try:
        yield store
    finally:
        store.close()


def emit(args: argparse.Namespace, data: object, text: str) -> int:
    """Print ``data`` as JSON with --json, else ``text``; exit code 0."""
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        print(text)
    return 0

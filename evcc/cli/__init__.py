"""The ``evcc`` bench and vehicle command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``; the module names are listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from evcc import __version__
from evcc.errors import EvccError

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: What each subcommand module exposes, and what its handlers (``args.func``) are.
Register: TypeAlias = Callable[[SubParsers], None]
Handler: TypeAlias = Callable[[argparse.Namespace], int]

#: Subcommand modules, in the order ``evcc --help`` lists them.
COMMANDS: tuple[str, ...] = ("pki", "demo", "slac", "session", "bench", "keystore", "contracts",
                            "exi")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand, or with ``only`` that one.

    Registering one subcommand imports one module: a command on an ECU starts faster.
    """
    parser = argparse.ArgumentParser(
        prog="evcc",
        description="pnc-evcc: ISO 15118 Plug & Charge EV communication controller",
    )
    parser.add_argument("--version", action="version", version=f"evcc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        register: Register = importlib.import_module(f"evcc.cli.{name}").register
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evcc`` console script; returns the process exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    try:
        handler: Handler = args.func
        code = handler(args)
        sys.stdout.flush()
    except EvccError as exc:
        print(f"evcc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`evcc ... | head`): stop quietly, like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return code


if __name__ == "__main__":
    sys.exit(main())

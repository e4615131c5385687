"""``python -m tools.exigen [--schemas DIR] [--out DIR] [--check]``."""

from __future__ import annotations

import argparse
import os
import sys

from tools.exigen import GRAMMARS
from tools.exigen.emit import Emitter

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def generate(schemas: str) -> dict[str, str]:
    """Module file name -> source text, for every grammar set."""
    out: dict[str, str] = {}
    for gid, (module, root) in GRAMMARS.items():
        out[module + ".py"] = Emitter(gid, root, schemas).render()
    out["__init__.py"] = (
        '"""Generated EXI grammar modules (one per grammar set); see tools/exigen."""\n'
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.exigen", description=__doc__)
    ap.add_argument("--schemas", default=os.path.join(REPO, "..", "shared", "schemas"))
    ap.add_argument("--out", default=os.path.join(REPO, "evcc", "exi", "_generated"))
    ap.add_argument("--check", action="store_true",
                    help="only compare with the files in --out; exit 1 on a difference")
    args = ap.parse_args(argv)
    files = generate(os.path.abspath(args.schemas))
    differ = []
    for name, text in sorted(files.items()):
        path = os.path.join(args.out, name)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                old = fh.read()
        if old != text:
            differ.append(name)
            if not args.check:
                os.makedirs(args.out, exist_ok=True)
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
    if args.check:
        for name in differ:
            print(f"out of date: {name}")
        return 1 if differ else 0
    print(f"wrote {len(differ)} of {len(files)} modules to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

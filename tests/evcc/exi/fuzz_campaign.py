"""EXI decoder fuzz campaign: random and mutated streams must raise only ExiDecodeError.

``python -m tests.evcc.exi.fuzz_campaign --iterations 1000000 [--grammar iso2] [--seed 1]``
runs a long campaign (the test suite runs a short one). Exit status 1 on the first escape,
with the input printed as hex.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from collections.abc import Iterator

from evcc import exi
from evcc.errors import ExiDecodeError, ExiEncodeError


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One random mutation: bit flips, byte set, truncation, insertion or splice."""
    buf = bytearray(data)
    op = rng.randrange(6)
    if op == 0 and buf:
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(buf) * 8)
            buf[i // 8] ^= 0x80 >> (i % 8)
    elif op == 1 and buf:
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif op == 2 and len(buf) > 1:
        del buf[rng.randrange(1, len(buf)):]
    elif op == 3:
        i = rng.randrange(len(buf) + 1)
        buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif op == 4 and buf:
        i = rng.randrange(len(buf))
        buf[i:i + 4] = b"\xff\xff\xff\xff"
    else:
        buf = bytearray(b"\x80" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 64))))
    if buf and rng.random() < 0.8:
        buf[0] = 0x80
    return bytes(buf)


def inputs(rng: random.Random, seeds: list[bytes], n: int) -> Iterator[bytes]:
    for _ in range(n):
        if seeds and rng.random() < 0.85:
            yield mutate(rng, rng.choice(seeds))
        else:
            yield mutate(rng, b"\x80")


def check_one(data: bytes, grammar: str, fragment: bool) -> str:
    """Decode (and re-encode what decodes); return 'ok', 'rejected' or raise on escape."""
    try:
        msg = exi.decode(data, grammar, fragment)
    except ExiDecodeError:
        return "rejected"
    with contextlib.suppress(ExiEncodeError):
        exi.encode(msg, grammar, fragment, validate=False)
    return "ok"


def run(grammar: str, seeds: list[bytes], iterations: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"ok": 0, "rejected": 0}
    for data in inputs(rng, seeds, iterations):
        fragment = rng.random() < 0.2
        counts[check_one(data, grammar, fragment)] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--grammar", action="append", choices=exi.GRAMMAR_NAMES)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    from tests.evcc.exi._vectors import SCHEMA_GRAMMAR, exi_vectors

    grammars = args.grammar or list(exi.GRAMMAR_NAMES)
    vectors = exi_vectors()
    for g in grammars:
        seeds = [bytes.fromhex(v["hex"]) for v in vectors if SCHEMA_GRAMMAR[v["schema"]] == g]
        t0 = time.monotonic()
        try:
            counts = run(g, seeds, args.iterations, args.seed)
        except Exception as exc:  # an escape is the finding
            print(f"{g}: ESCAPE {exc!r}", file=sys.stderr)
            return 1
        print(f"{g}: {counts} in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

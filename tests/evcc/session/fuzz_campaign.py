"""Session fuzz campaign: a hostile SECC must only ever end a session with one ``Ended``.

``python -m tests.evcc.session.fuzz_campaign --responses 100000 [--seed 1]`` replays the
recorded DIN, ISO-2 AC and ISO-2 DC sessions with each SECC response replaced, with some
probability, by a mutated one: EXI bit flips, truncation, insertions, random bytes of the
right grammar's header, or mangled V2GTP framing (version, payload type, length). Every
session must end with exactly one Ended, no exception may escape the core, and no session
may hang (each is bounded in fake time). The suite runs a short campaign.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable

from evcc import v2gtp
from evcc.session import din, iso2
from evcc.session.config import ChargeConfig
from evcc.session.core import SessionConfig, SessionCore
from evcc.session.events import Ended
from evcc.session.vehicle import SimulatedBattery
from tests.evcc.session.replay import ReplaySecc


def _core(protocol: str, energy: str) -> SessionCore:
    vehicle = SimulatedBattery()
    config = ChargeConfig(energy="dc" if energy == "dc" else "ac", lenient_pre_charge=6,
                          max_loop=8)
    factory = (lambda: din.protocol(vehicle, config)) if protocol == "din" else \
        (lambda: iso2.protocol(vehicle, config))
    return SessionCore(SessionConfig(protocols=(protocol,)), {protocol: factory})


CASES: dict[str, tuple[str, str, Callable[[], SessionCore]]] = {
    "din-dc": ("evcc_DIN_evcc_config.log", "din", lambda: _core("din", "dc")),
    "iso2-ac": ("evcc_iso2_eim_ac.log", "iso2", lambda: _core("iso2", "ac")),
    "iso2-dc": ("evcc_iso15118_2_evcc_config_eim_dc.log", "iso2", lambda: _core("iso2", "dc")),
}


def mutate(rng: random.Random, frame: bytes) -> bytes:
    """A hostile version of one V2GTP frame."""
    buf = bytearray(frame)
    op = rng.randrange(8)
    body = 8
    if op == 0:  # EXI bit flips
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(body * 8, len(buf) * 8)
            buf[i // 8] ^= 0x80 >> (i % 8)
    elif op == 1:  # truncate the EXI body, keep the header's length (the stream then stalls)
        del buf[rng.randrange(body, len(buf)):]
    elif op == 2:  # truncate and fix the length
        del buf[rng.randrange(body + 1, len(buf) + 1):]
        buf[4:8] = (len(buf) - body).to_bytes(4, "big")
    elif op == 3:  # random EXI behind the right header
        payload = b"\x80" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
        buf = bytearray(v2gtp.frame(v2gtp.PayloadType.EXI, payload))
    elif op == 4:  # mangled V2GTP header byte
        buf[rng.randrange(8)] = rng.randrange(256)
    elif op == 5:  # absurd length
        buf[4:8] = rng.randrange(2**32).to_bytes(4, "big")
    elif op == 6:  # two frames glued, or the frame twice
        buf += frame
    else:  # insert bytes inside the EXI body and fix the length
        i = rng.randrange(body, len(buf) + 1)
        buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        buf[4:8] = (len(buf) - body).to_bytes(4, "big")
    return bytes(buf)


def one_session(rng: random.Random, case: str, p: float) -> tuple[int, str]:
    """Run one session with hostile answers; return (responses fed, stop reason)."""
    log, grammar, make = CASES[case]
    secc = ReplaySecc(log, grammar)
    core = make()
    now = 0.0
    fed = 0
    core.start(now)
    while core.ended is None:
        out = b"".join(core.bytes_to_send())
        if out:
            answer = secc.answer(out)
            if rng.random() < p:
                answer = mutate(rng, answer)
            now += 0.01
            cut = rng.randrange(len(answer) + 1)
            for part in (answer[:cut], answer[cut:]):
                if part:  # b"" would mean the SECC closed the connection
                    core.receive(part, now)
            fed += 1
        else:
            deadline = core.timer()
            if deadline is None:
                raise AssertionError("the core neither sends nor waits")
            now = max(now, deadline)
            core.handle_timer(now)
        if now > 3600:
            raise AssertionError("session did not end within an hour of fake time")
    ends = []
    while (event := core.next_event()) is not None:
        if isinstance(event, Ended):
            ends.append(event)
    if len(ends) != 1:
        raise AssertionError(f"{len(ends)} Ended events")
    return fed, ends[0].reason.value


def campaign(responses: int, seed: int, p: float | None = None) -> Counter[str]:
    """Sessions until ``responses`` answers were fed; ``p`` fixed, or drawn per session so
    that some sessions get deep into the charge loop before an answer goes bad."""
    rng = random.Random(seed)
    reasons: Counter[str] = Counter()
    fed = 0
    while fed < responses:
        case = rng.choice(sorted(CASES))
        chance = p if p is not None else rng.choice((0.02, 0.05, 0.1, 0.3))
        n, reason = one_session(rng, case, chance)
        fed += n
        reasons[reason] += 1
    reasons["__responses__"] = fed
    return reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--probability", type=float, default=None,
                        help="chance that an answer is mutated (default: drawn per session)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        reasons = campaign(args.responses, args.seed, args.probability)
    except Exception as exc:  # the campaign reports any escape
        print(f"ESCAPE: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    fed = reasons.pop("__responses__")
    sessions = sum(reasons.values())
    print(f"{fed} responses in {sessions} sessions, {time.monotonic() - start:.1f} s, no escape")
    for reason, count in reasons.most_common():
        print(f"  {reason:32} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

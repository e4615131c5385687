"""Command line of the powerline emulator: python -m evcc_platform.sim, evcc slac emulate."""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from evcc.clock import SYSTEM_CLOCK, Clock
from evcc.slac.pcap import PcapWriter
from evcc_platform.errors import PlatformError
from evcc_platform.sim.bridge import Bridge
from evcc_platform.sim.options import add_arguments
from evcc_platform.sim.powerline import PortConfig, Powerline


def parse_evse(spec: str) -> PortConfig:
    """``IFACE[:ATTEN_DB[:JITTER_DB]]`` -> an EVSE port."""
    parts = spec.split(":")
    if not parts[0] or len(parts) > 3:
        raise PlatformError(f"bad EVSE port {spec!r}; use IFACE[:ATTEN_DB[:JITTER_DB]]")
    try:
        values = [float(p) for p in parts[1:]]
    except ValueError as exc:
        raise PlatformError(f"bad EVSE port {spec!r}: attenuation must be a number") from exc
    return PortConfig(parts[0], "evse", *values)


def run(args: argparse.Namespace, out: TextIO = sys.stdout, clock: Clock = SYSTEM_CLOCK) -> int:
    ports = [PortConfig(name, "ev") for name in args.ev] + [parse_evse(s) for s in args.evse]
    if not args.ev or not args.evse:
        raise PlatformError("need at least one --ev and one --evse interface")
    line = Powerline(
        ports, join_delay=args.join_delay, sound_loss=args.sound_loss,
        set_key_result=args.set_key_result, first_start_atten_only=args.first_start_atten_only,
        rng=random.Random(args.seed),
    )
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    if args.duration is not None and not 0.0 < args.duration < math.inf:
        raise PlatformError("--duration must be a positive number of seconds")
    signal.signal(signal.SIGTERM, stop)
    created = [Path(p) for p in (args.pcap, args.events) if p and not Path(p).exists()]
    with contextlib.ExitStack() as stack:
        try:
            pcap, events = _open_outputs(args, stack)
            bridge = Bridge(line, {p.name: p.name for p in ports}, pcap=pcap, events=events,
                            clock=clock)
        except (OSError, PlatformError) as exc:
            stack.close()
            for path in created:  # no empty traces from a start that failed
                path.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise PlatformError(f"cannot write {exc.filename}: {exc.strerror}") from None
            raise
        stack.callback(bridge.close)
        print("emulator ready: " + " ".join(
            f"{p.name}({p.role}{'' if p.role == 'ev' else f' {p.attenuation_db:g} dB'})"
            for p in ports), file=out, flush=True)
        end = None if args.duration is None else clock.monotonic() + args.duration
        try:
            while not stopping and (end is None or clock.monotonic() < end):
                bridge.poll(0.2)
        except KeyboardInterrupt:
            pass
    return 0


def _open_outputs(
    args: argparse.Namespace, stack: contextlib.ExitStack[bool | None]
) -> tuple[PcapWriter | None, TextIO | None]:
    """The --pcap writer and the --events file, closed by ``stack``."""
    pcap = PcapWriter(args.pcap) if args.pcap else None
    if pcap is not None:
        stack.callback(pcap.close)
    events = None
    if args.events:
        events = stack.enter_context(open(args.events, "a", encoding="utf-8"))  # noqa: SIM115
    return pcap, events


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evcc_platform.sim",
        description="Green PHY modem + powerline emulator between network interfaces",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except PlatformError as exc:
        print(f"emulator: error: {exc}", file=sys.stderr)
        return 2

"""``evcc bench charger``: the bench SECC (SDP, TCP/TLS 1.2, DIN DC, ISO-2 AC/DC EIM), faults."""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="bench tools: a simulated charger (SECC)")
    sub = parser.add_subparsers(dest="bench_command", metavar="ACTION", required=True)
    charger = sub.add_parser(
        "charger", help="run the bench charger (SECC simulator) with optional faults",
        description="Answer SDP on the interface and serve V2G sessions (one at a time). "
                    "Faults: NAME[:ARG], see docs/bench-charger.md.")
    where = charger.add_mutually_exclusive_group(required=True)
    where.add_argument("--iface",
                       help="interface: SDP on [ff02::1]:15118, TCP on its fe80:: address")
    where.add_argument("--host", help="listen on this address instead (e.g. ::1, fe80::1%%veth0)")
    charger.add_argument("--protocols", default="iso2,din",
                         help="protocols served, comma-separated (din, iso2; default iso2,din)")
    charger.add_argument("--energy", choices=("ac", "dc"), default="dc")
    charger.add_argument("--tls", choices=("on", "off", "required"), default="off",
                         help="on: TLS and TCP, TLS when the EV asks; required: TLS only")
    charger.add_argument("--pki", type=Path, metavar="DIR",
                         help="bench PKI (evcc pki init DIR --profile iso2); made there if absent")
    charger.add_argument("--fault", action="append", default=[], metavar="NAME[:ARG]",
                         help="inject a fault (repeatable)")
    charger.add_argument("--sessions", type=int, metavar="N",
                         help="exit after N sessions (default: run until interrupted)")
    charger.add_argument("--ongoing", type=int, default=1, metavar="N",
                         help="EVSEProcessing=Ongoing rounds of Authorization and "
                              "ChargeParameterDiscovery (default 1)")
    charger.add_argument("--cable-check", type=int, default=2, metavar="N",
                         help="Ongoing rounds of CableCheck (default 2)")
    charger.add_argument("--schedules", type=int, default=1, metavar="N",
                         help="SAScheduleTuples offered in ISO-2 (1..3, default 1)")
    charger.add_argument("--sdp-port", type=int, default=15118, help=argparse.SUPPRESS)
    charger.add_argument("--no-sdp", action="store_true", help="do not answer SDP")
    charger.add_argument("--json", action="store_true",
                         help="one JSON object per line on stdout (listening, then each session)")
    charger.set_defaults(func=_charger)


def _charger(args: argparse.Namespace) -> int:
    import asyncio

    from evcc.bench.secc import ChargerConfig
    from evcc.bench.secc.discovery import ChargerError
    from evcc.bench.secc.faults import parse_fault

    faults = tuple(parse_fault(f) for f in args.fault)
    try:
        config = ChargerConfig(
            protocols=tuple(p.strip() for p in args.protocols.split(",") if p.strip()),
            energy=args.energy, faults=faults, authorization_ongoing=args.ongoing,
            charge_parameter_ongoing=args.ongoing, cable_check_ongoing=args.cable_check,
            schedule_tuples=args.schedules)
    except ValueError as exc:
        raise ChargerError(str(exc)) from None
    if args.sessions is not None and args.sessions < 1:
        raise ChargerError("--sessions must be at least 1")
    return asyncio.run(_serve(args, config))


async def _serve(args: argparse.Namespace, config: Any) -> int:
    import asyncio
    import signal

    from evcc.bench.secc.server import BenchCharger, SessionRecord
    from evcc.bench.secc.tls import ensure_pki, v2g_root_file

    pki = ensure_pki(args.pki) if args.pki is not None and args.tls != "off" else args.pki

    def report(record: SessionRecord) -> None:
        if args.json:
            print(json.dumps({"event": "session", **record.to_json()}), flush=True)
        else:
            security = record.cipher or "TCP"
            print(f"session {record.index}: {record.protocol or '-'} {security} "
                  f"{len(record.requests)} requests, {record.loop_messages} loop, "
                  f"{record.close_reason} {record.detail}".rstrip(), file=sys.stderr, flush=True)

    charger = BenchCharger(
        config, host=args.host or "::1", iface=args.iface, tls=args.tls, pki=pki,
        sdp=not args.no_sdp, sdp_port=args.sdp_port, sessions=args.sessions, on_session=report)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with charger:
            listening = {
                "event": "listening", "address": charger.address, "scope_id": charger.scope_id,
                "tcp_port": charger.tcp_port, "tls_port": charger.tls_port,
                "sdp_port": charger.sdp.port if charger.sdp else None,
                "v2g_root": str(v2g_root_file(pki)) if pki is not None else None,
                "faults": [str(f) for f in config.fault_set().faults],
            }
            if args.json:
                print(json.dumps(listening), flush=True)
            else:
                print(f"bench charger on [{charger.address}] tcp={charger.tcp_port} "
                      f"tls={charger.tls_port} sdp={listening['sdp_port']}",
                      file=sys.stderr, flush=True)
            done = asyncio.ensure_future(charger.wait_done())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({done, stopped}, return_when=asyncio.FIRST_COMPLETED)
            for task in (done, stopped):
                task.cancel()
            await asyncio.gather(done, stopped, return_exceptions=True)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0

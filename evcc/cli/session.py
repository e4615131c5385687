"""``evcc session run``: one V2G session as the EV on an interface that already has link."""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evcc.errors import EvccError

if TYPE_CHECKING:
    from evcc.session.events import SessionEvent
    from evcc.session.vehicle import SimulatedBattery

PROTOCOLS = ("din", "iso2", "iso20")
ENERGIES = ("ac", "dc", "ac_bpt", "dc_bpt")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evcc session run``."""
    parser = subparsers.add_parser("session", help="V2G sessions as the EV (SDP, TLS, DIN/ISO-2)")
    sub = parser.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="discover the charger, connect and run one session")
    run.add_argument("--iface", required=True, help="interface with link to the charger")
    run.add_argument("--protocols", default="iso2,din",
                     help="protocols in order of preference (din, iso2, iso20; default iso2,din)")
    run.add_argument("--energy", choices=ENERGIES, default="dc", help="energy service (default dc)")
    run.add_argument("--auth", choices=("eim", "pnc"), default="eim",
                     help="external identification or Plug & Charge (default eim)")
    run.add_argument("--tls", choices=("auto", "on", "off"), default="auto",
                     help="auto: TLS when the charger offers it (default); on: TLS only; off: TCP")
    run.add_argument("--store", metavar="SPEC",
                     help="keystore (tpm:DIR or soft:DIR) with the V2G roots TLS trusts "
                          "(default $EVCC_KEYSTORE)")
    run.add_argument("--tcti", help="TPM transport for a tpm: store (default $EVCC_TCTI)")
    run.add_argument("--vehicle", metavar="FILE",
                     help="vehicle file (TOML, [battery] table) for the simulated battery")
    run.add_argument("--keylog", metavar="FILE", type=Path,
                     help="write the TLS secrets to FILE (NSS key log, for Wireshark)")
    run.add_argument("--timeout", type=float, metavar="S",
                     help="end the session after S seconds in any case")
    run.add_argument("--json", action="store_true",
                     help="JSON: events as lines, the result as the last line")
    bench = run.add_argument_group("bench options (off by default; named in the JSON result)")
    bench.add_argument("--timeout-scale", type=float, default=1.0, metavar="F",
                       help="multiply every message timeout by F (1..100) for a slow charger")
    bench.add_argument("--lenient-pre-charge", type=int, metavar="N",
                       help="leave PreCharge after N answers even if the voltage is not reached")
    bench.add_argument("--max-loop", type=int, metavar="N",
                       help="stop charging after N charge loop messages")
    bench.add_argument("--charge-time", type=float, metavar="S",
                       help="stop charging after S seconds in the charge loop")
    run.add_argument("--pause", action="store_true",
                     help="ISO-2: end with SessionStop(Pause) when --max-loop/--charge-time is hit")
    run.add_argument("--resume", metavar="SESSION_ID",
                     help="ISO-2: resume the paused session with this id (hex)")
    bench.add_argument("--sdp-port", type=int, default=15118, help=argparse.SUPPRESS)
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from evcc.runtime.loop import run
    from evcc.runtime.session import SessionOptions, run_session
    from evcc.session.config import ChargeConfig

    protocols = tuple(p.strip() for p in args.protocols.split(",") if p.strip())
    bad = [p for p in protocols if p not in PROTOCOLS]
    if bad or not protocols:
        raise EvccError(f"--protocols: unknown protocol {bad[0] if bad else '(none)'!r}; "
                        f"choose from {', '.join(PROTOCOLS)}")
    if args.energy in ("ac_bpt", "dc_bpt"):
        raise EvccError(f"--energy {args.energy} needs ISO 15118-20, not available in this version")
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise EvccError("--timeout must be a positive number of seconds")
    if not 1.0 <= args.timeout_scale <= 100.0:
        raise EvccError("--timeout-scale must be within 1..100")
    try:
        charge = ChargeConfig(energy=args.energy, lenient_pre_charge=args.lenient_pre_charge,
                              max_loop=args.max_loop, max_charge_time=args.charge_time,
                              pause_at_end=args.pause)
        resume = None if args.resume is None else bytes.fromhex(args.resume)
    except ValueError as exc:
        raise EvccError(str(exc)) from None
    if resume is not None and not 1 <= len(resume) <= 8:
        raise EvccError("--resume takes the paused session's id: 1 to 8 bytes in hex")
    options = SessionOptions(
        iface=args.iface, vehicle=_vehicle(args.vehicle), charge=charge, protocols=protocols,
        auth=args.auth, tls=args.tls, roots=_roots(args), keylog=args.keylog,
        timeout=args.timeout, timeout_scale=args.timeout_scale, sdp_port=args.sdp_port,
        resume_session=resume)

    def show(event: SessionEvent) -> None:
        if args.json:
            print(json.dumps(_event_json(event)), flush=True)
        else:
            print(_event_text(event), file=sys.stderr, flush=True)

    result = run(run_session(options, on_event=show))
    data = result.to_json()
    if args.json:
        print(json.dumps(data), flush=True)
    else:
        state = "ok" if result.ok else "FAILED"
        print(f"{state}: {result.stop_reason} ({result.detail}); protocol {result.protocol}, "
              f"tls {result.tls}, {result.requests} requests in {data['duration_ms']} ms")
    return 0 if result.ok else 1


def _vehicle(path: str | None) -> SimulatedBattery:
    from evcc.session.vehicle import SimulatedBattery

    if path is None:
        return SimulatedBattery()
    import tomllib

    from evcc.cli.files import read_file

    try:
        data = tomllib.loads(read_file(Path(path)).decode("utf-8"))
        battery = data.get("battery", {})
        if not isinstance(battery, dict):
            raise ValueError("[battery] must be a table")
        return SimulatedBattery.from_mapping(battery)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise EvccError(f"vehicle file {path}: {exc}") from None


def _roots(args: argparse.Namespace) -> list[Any]:
    """The keystore's V2G roots, when TLS may be used and a store is named."""
    import os

    spec = args.store or os.environ.get("EVCC_KEYSTORE")
    if args.tls == "off":
        return []
    if not spec:
        if args.tls == "on" or args.auth == "pnc":
            raise EvccError("TLS needs the V2G roots: give --store SPEC (or $EVCC_KEYSTORE)")
        return []
    from keystore import open_keystore

    store = open_keystore(spec, args.tcti)
    try:
        roots = store.root_certificates("v2g")
    finally:
        store.close()
    if not roots and (args.tls == "on" or args.auth == "pnc"):
        raise EvccError(f"the keystore {spec} holds no V2G root to trust")
    return list(roots)


def _event_json(event: SessionEvent) -> dict[str, Any]:
    import dataclasses
    from enum import Enum

    data: dict[str, Any] = {"event": type(event).__name__}
    for item in dataclasses.fields(event):
        value = getattr(event, item.name)
        if isinstance(value, bytes):
            value = value.hex().upper()
        elif isinstance(value, Enum):
            value = value.value
        data[item.name] = value
    return data


def _event_text(event: SessionEvent) -> str:
    from evcc.session.events import Ended, ProtocolAgreed, SessionEstablished, StateEntered

    if isinstance(event, StateEntered):
        return f"-> {event.request}"
    if isinstance(event, ProtocolAgreed):
        extra = " (minor deviation)" if event.minor_deviation else ""
        return f"protocol {event.protocol} ({event.namespace}){extra}"
    if isinstance(event, SessionEstablished):
        again = "resumed" if event.resumed else "new"
        return f"session {event.session_id.hex().upper()} ({again}) with EVSE {event.evse_id}"
    if isinstance(event, Ended):
        return f"ended: {event.reason.value} ({event.detail})"
    return repr(event)

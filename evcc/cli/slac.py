"""``evcc slac``: run SLAC as the EV, emulate modems and the line, decode MMEs."""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evcc slac`` with its actions run, emulate and decode."""
    parser = subparsers.add_parser("slac", help="SLAC (ISO 15118-3) over a Green PHY modem")
    sub = parser.add_subparsers(dest="slac_command", metavar="ACTION", required=True)

    run = sub.add_parser("run", help="match with the charger as the EV")
    run.add_argument("--iface", help="Ethernet interface of the PLC modem")
    run.add_argument("--board", metavar="FILE",
                     help="board file (TOML) giving the interface, modem address and SLAC options")
    run.add_argument("--timeout", type=float, default=30.0, metavar="S",
                     help="give up after S seconds (default 30)")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--max-attenuation", type=float, metavar="DB",
                     help="reject EVSEs above this average attenuation")
    run.add_argument("--link-check", choices=("link_status", "nw_info", "none"),
                     help="how to wait for the AVLN after matching (default link_status)")
    run.add_argument("--no-leave", action="store_true",
                     help="skip the CM_SET_KEY with a random NMK before matching")
    run.add_argument("--no-early-decision", action="store_true",
                     help="always wait out TT_EV_atten_results")
    run.add_argument("--validate", action="store_true", help="run CM_VALIDATE before matching")
    run.add_argument("--batch-interval", type=float, default=20.0, metavar="MS",
                     help="TP_EV_batch_msg_interval in ms (20..50, default 20)")
    run.add_argument("--modem-mac", help="management address of the local modem "
                     "(default 00:b0:52:00:00:01)")
    run.set_defaults(func=_run)

    emulate = sub.add_parser(
        "emulate", help="emulate Green PHY modems and the line between interfaces"
    )
    from evcc_platform.sim.options import add_arguments

    add_arguments(emulate)
    emulate.set_defaults(func=_emulate)

    decode = sub.add_parser("decode", help="print MMEs from a pcap file or a hex frame")
    decode.add_argument("pcap", nargs="?", metavar="FILE.pcap")
    decode.add_argument("--hex", help="one Ethernet frame as hex")
    decode.add_argument("--json", action="store_true", help="JSON lines instead of text")
    decode.set_defaults(func=_decode)


def _run(args: argparse.Namespace) -> int:
    import math
    import os

    from evcc_platform.board import load_board
    from evcc_platform.plc import PlcModem

    from evcc.errors import SlacError
    from evcc.runtime.loop import run
    from evcc.runtime.packet import PacketLink
    from evcc.runtime.slac import run_slac
    from evcc.slac.config import SlacConfig, SlacConfigError
    from evcc.slac.ev import SlacEv
    from evcc.slac.events import Failed, Matched, Progress, SlacEvent

    board = load_board(args.board) if args.board else None
    iface = args.iface or (board.modem.interface if board else None)
    if not iface:
        raise SlacError("give --iface or a --board file naming the modem interface")
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise SlacError("--timeout must be a positive number of seconds")
    try:
        config = SlacConfig.from_board(
            board, max_attenuation_db=args.max_attenuation, link_check=args.link_check,
            leave_network=False if args.no_leave else None,
            early_decision=not args.no_early_decision, validate=args.validate,
            batch_interval_ms=args.batch_interval, modem_mac=args.modem_mac,
        )
    except SlacConfigError as exc:
        raise SlacError(f"{_FLAGS.get(exc.setting, exc.setting)} {exc}") from None

    def show(event: SlacEvent) -> None:
        if isinstance(event, Progress):
            print(f"[{event.phase}] {event.detail}", file=sys.stderr, flush=True)
        elif isinstance(event, Failed) and args.json:
            print(json.dumps(event.to_dict()), flush=True)

    with PlcModem(iface, config.modem_mac) as modem:
        ev = SlacEv(modem.mac, os.urandom, config)
        result: Matched = run(
            run_slac(PacketLink(modem), ev, timeout=args.timeout, on_event=show))
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        data = result.to_dict()
        print(f"matched {data['evse_mac']} nid {data['nid']} in {data['duration_ms']} ms "
              f"(CM_SLAC_MATCH.CNF after {data['match_ms']} ms)")
        for mac, db in data["attenuation_db"].items():
            print(f"  {mac}: {db} dB{'  <- chosen' if mac == data['evse_mac'] else ''}")
    return 0


#: The flag that sets each SlacConfig setting, for error messages.
_FLAGS = {"max_attenuation_db": "--max-attenuation", "batch_interval": "--batch-interval",
          "link_check": "--link-check", "modem_mac": "--modem-mac"}


def _emulate(args: argparse.Namespace) -> int:
    from evcc_platform.sim.cli import run

    return run(args)


def _decode(args: argparse.Namespace) -> int:
    try:
        return _decode_to_stdout(args)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python's exit-time
        # flush from failing on the closed pipe.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _decode_to_stdout(args: argparse.Namespace) -> int:
    from evcc.errors import FrameError
    from evcc.slac.constants import ETHERTYPE_HOMEPLUG_BYTES
    from evcc.slac.mme import UnknownMmeError, parse
    from evcc.slac.pcap import read_pcap

    if (args.pcap is None) == (args.hex is None):
        raise FrameError("give either FILE.pcap or --hex HEX")
    if args.hex is not None:
        try:
            frames = [(0.0, bytes.fromhex(args.hex.replace(":", "").replace(" ", "")))]
        except ValueError as exc:
            raise FrameError(f"--hex is not hexadecimal: {exc}") from exc
        msg = parse(frames[0][1])
        print(json.dumps(_jsonable(msg.name, msg.fields)) if args.json else msg.describe())
        return 0
    first: float | None = None
    for stamp, frame in read_pcap(args.pcap):
        first = stamp if first is None else first
        rel = f"{(stamp - first) * 1000:9.3f} ms"
        try:
            msg = parse(frame)
        except UnknownMmeError as exc:
            text = f"HomePlug {exc}"
            record: dict[str, Any] = {"error": str(exc)}
        except FrameError as exc:
            if frame[12:14] != ETHERTYPE_HOMEPLUG_BYTES:
                kind = f"0x{frame[12:14].hex()}" if len(frame) >= 14 else "?"
                text, record = f"(ethertype {kind}, {len(frame)} bytes)", {"ethertype": kind}
            else:
                text, record = f"malformed: {exc}", {"error": str(exc)}
        else:
            text = msg.describe()
            record = _jsonable(msg.name, msg.fields)
            record.update(src=msg.src.hex(":"), dst=msg.dst.hex(":"))
        if args.json:
            record["t_ms"] = round((stamp - first) * 1000, 3)
            print(json.dumps(record))
        else:
            print(f"{rel}  {text}")
    return 0


def _jsonable(name: str, fields: Any) -> dict[str, Any]:
    def conv(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.hex()
        if isinstance(value, dict):
            return {k: conv(v) for k, v in value.items()}
        if isinstance(value, list):
            return [conv(v) for v in value]
        return value

    return {"mme": name, **conv(dict(fields))}

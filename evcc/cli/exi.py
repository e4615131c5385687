"""``evcc exi decode|encode``: EXI <-> XML with the generated V2G grammars."""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TypeAlias

from evcc.cli.files import read_file
from evcc.errors import ExiError

GRAMMARS = ("app", "din", "iso2", "iso20-common", "iso20-ac", "iso20-dc", "iso20-wpt",
            "iso20-acdp", "xmldsig")
_HEX = re.compile(r"^[0-9a-fA-F\s]*$")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evcc exi decode|encode``."""
    parser = subparsers.add_parser("exi", help="EXI codec: decode to XML, encode from XML")
    sub = parser.add_subparsers(dest="exi_command", metavar="ACTION", required=True)

    dec = sub.add_parser("decode", help="decode EXI (hex or file) and print XML")
    dec.add_argument("--grammar", "-g", required=True, choices=GRAMMARS)
    dec.add_argument("--fragment", action="store_true", help="EXI fragment (signed elements)")
    src = dec.add_mutually_exclusive_group(required=True)
    src.add_argument("--hex", metavar="HEX", help="EXI bytes as hex, header 0x80 included")
    src.add_argument("file", nargs="?", type=Path, metavar="FILE",
                     help="EXI file (binary, or hex text); '-' reads stdin")
    dec.add_argument("--json", action="store_true", help="JSON: element, XML and fields")
    dec.set_defaults(func=_decode)

    enc = sub.add_parser("encode", help="encode XML and print the EXI bytes as hex")
    enc.add_argument("--grammar", "-g", required=True, choices=GRAMMARS)
    enc.add_argument("--fragment", action="store_true", help="EXI fragment (signed elements)")
    enc.add_argument("file", type=Path, metavar="FILE.xml", help="XML file; '-' reads stdin")
    enc.add_argument("--lenient", action="store_true",
                     help="skip length facets (re-encoding captured data)")
    enc.add_argument("--output", "-o", type=Path, metavar="FILE", help="also write the bytes")
    enc.add_argument("--json", action="store_true", help="JSON: hex and length")
    enc.set_defaults(func=_encode)


def _exi_input(args: argparse.Namespace) -> bytes:
    if args.hex is not None:
        text = "".join(args.hex.split())
        if not _HEX.match(text) or len(text) % 2:
            raise ExiError("--hex needs an even number of hex digits")
        return bytes.fromhex(text)
    raw = read_file(args.file, error=ExiError, dash_is_stdin=True)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return raw
    if text.strip() and _HEX.match(text):
        compact = "".join(text.split())
        if len(compact) % 2 == 0:
            return bytes.fromhex(compact)
    return raw


def _decode(args: argparse.Namespace) -> int:
    from evcc import exi

    data = _exi_input(args)
    msg = exi.decode(data, args.grammar, args.fragment)
    xml = exi.to_xml(msg)
    if args.json:
        out = {"grammar": args.grammar, "fragment": args.fragment, "bytes": len(data),
               "message": to_json(msg), "xml": xml}
        print(json.dumps(out, indent=2))
    else:
        print(xml)
    return 0


def _encode(args: argparse.Namespace) -> int:
    from evcc import exi

    raw = read_file(args.file, error=ExiError, dash_is_stdin=True)
    try:
        xml = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ExiError(f"{args.file} is not UTF-8 XML") from None
    msg = exi.from_xml(xml, args.grammar, args.fragment)
    data = exi.encode(msg, args.grammar, args.fragment, validate=not args.lenient)
    if args.output is not None:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            raise ExiError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({"grammar": args.grammar, "fragment": args.fragment,
                          "bytes": len(data), "hex": data.hex()}))
    else:
        print(data.hex())
    return 0


Json: TypeAlias = "str | int | float | bool | list[Json] | dict[str, Json] | None"


def to_json(value: object) -> Json:
    """JSON form of a message: objects as dicts (snake_case), bytes as hex, enums as text."""
    import enum

    from evcc.exi import AnyElement, Named

    if isinstance(value, Named):
        return {"element": f"{{{value.qname[0]}}}{value.qname[1]}", "value": to_json(value.value)}
    if isinstance(value, AnyElement):
        return {"element": f"{{{value.qname[0]}}}{value.qname[1]}",
                "attributes": {f"{{{q[0]}}}{q[1]}": v for q, v in value.attributes},
                "children": [to_json(c) for c in value.children]}
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    slots = getattr(type(value), "__slots__", None)
    if slots is not None and hasattr(value, "__dataclass_fields__"):
        out: dict[str, Json] = {"_type": type(value).__name__}
        for name in slots:
            v = getattr(value, name)
            if v is not None and v != []:
                out[name] = to_json(v)
        return out
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)

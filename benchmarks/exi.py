"""EXI codec speed: evcc.exi against the ``iso15118`` 0.31.2 Java bridge, same messages.

Run: ``.venv/bin/python benchmarks/exi.py [--json] [--rounds N] [--session-rounds N]
[--no-peer]``. Messages
come from the shared vectors (``../shared/vectors`` or ``$EVCC_VECTORS``). evcc figures are
the best of 7 timed loops (µs per call); the bridge figures are medians of N calls of
``EXI.from_exi`` / ``EXI.to_exi`` in the peer virtualenv (``.peers/iso15118``, needs Java).
Ratios are bridge / evcc, both measured in this run. Three recorded sessions from
``josev_sessions.jsonl`` are also timed whole, as the EV does them (encode what it sends,
decode what it receives), and their totals compared. Also reports the import time of
``evcc.exi`` plus one grammar in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evcc import exi

REPO = Path(__file__).resolve().parents[1]
PEER_PY = REPO / ".peers" / "iso15118" / "bin" / "python"
NAMESPACES = {
    "app": "urn:iso:15118:2:2010:AppProtocol",
    "iso2": "urn:iso:15118:2:2013:MsgDef",
    "din": "urn:din:70121:2012:MsgDef",
    "iso20-dc": "urn:iso:std:iso:15118:-20:DC",
    "iso20-ac": "urn:iso:std:iso:15118:-20:AC",
    "iso20-common": "urn:iso:std:iso:15118:-20:CommonMessages",
}
#: namespace names in the recorded sessions -> grammar
SESSION_GRAMMARS = {"SAP": "app", "ISO_V2_MSG_DEF": "iso2", "DIN_MSG_DEF": "din",
                    "ISO_V20_COMMON_MSG": "iso20-common", "ISO_V20_DC": "iso20-dc",
                    "ISO_V20_AC": "iso20-ac"}
#: recorded sessions timed whole: label -> log name in josev_sessions.jsonl
SESSIONS = {"ISO-2 DC EIM session": "evcc_iso15118_2_evcc_config_eim_dc.log",
            "ISO-2 AC PnC + cert install": "evcc_iso2_pnc_certinstall.log",
            "ISO-20 DC session": "evcc_iso15118_20_evcc_config_dc.log"}


def _vectors() -> list[dict[str, Any]]:
    env = os.environ.get("EVCC_VECTORS")
    base = Path(env) if env else REPO.parent / "shared" / "vectors"
    path = base / "exi_vectors.json"
    if not path.is_file():
        sys.exit(f"EXI vectors not found at {path} (set EVCC_VECTORS)")
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def pick_messages() -> list[tuple[str, str, bytes]]:
    """(label, grammar, bytes) for the benchmark set, taken from the vectors."""
    vec = [v for v in _vectors() if v["grammar"] == "document"]

    def first(std: str, msg: str, pred: Any = None) -> dict[str, Any]:
        for v in vec:
            if v["standard"].startswith(std) and v["message"] == msg and (
                    pred is None or pred(v)):
                return v
        raise SystemExit(f"no vector for {std} {msg}")

    iso2 = "ISO 15118-2:2013"
    rows = [
        ("SessionSetupReq", "iso2", first(iso2, "SessionSetupReq")),
        ("CurrentDemandReq", "iso2", first(iso2, "CurrentDemandReq")),
        ("CurrentDemandRes", "iso2", first(iso2, "CurrentDemandRes")),
        ("ChargingStatusRes", "iso2", first(iso2, "ChargingStatusRes")),
        ("AuthorizationReq (signed)", "iso2", first(
            iso2, "AuthorizationReq", lambda v: "Signature" in (v["decoded_xml"] or ""))),
        ("PaymentDetailsReq (chain)", "iso2", first(
            iso2, "PaymentDetailsReq", lambda v: "SubCertificates" in (v["decoded_xml"] or ""))),
        ("CertificateInstallationRes", "iso2", first(
            iso2, "CertificateInstallationRes", lambda v: v["bytes"] > 4000)),
        ("DC_ChargeLoopReq (-20)", "iso20-dc", first("ISO 15118-20 DC", "DC_ChargeLoopReq")),
    ]
    out = [(label, g, bytes.fromhex(v["hex"])) for label, g, v in rows]
    out.append(("ChargeParamDiscRes 3x1023 (synthetic)", "iso2", big_schedule()))
    return out


def session_messages() -> dict[str, list[tuple[str, bytes, bool]]]:
    """Recorded EV sessions: label -> [(grammar, bytes, sent by the EV)] in order."""
    env = os.environ.get("EVCC_VECTORS")
    path = (Path(env) if env else REPO.parent / "shared" / "vectors") / \
        "josev_sessions.jsonl"
    if not path.is_file():
        return {}
    logs = {log: label for label, log in SESSIONS.items()}
    out: dict[str, list[tuple[str, bytes, bool]]] = {label: [] for label in SESSIONS}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        label = logs.get(row["log"])
        if label is None or row["kind"] != "message" or row["ns"] not in SESSION_GRAMMARS:
            continue
        out[label].append((SESSION_GRAMMARS[row["ns"]], bytes.fromhex(row["exi"]),
                           row["dir"] == "encoded_by_this_side"))
    return out


def session_rows(sessions: dict[str, list[tuple[str, bytes, bool]]],
                 peer: dict[str, Any] | None, base: Baseline | None = None,
                 current: Baseline | None = None) -> list[dict[str, Any]]:
    """Per session: the EV's codec work (encode what it sends, decode what it receives)."""
    rows = []
    for label, msgs in sessions.items():
        ours = 0.0
        theirs = 0.0
        bridge: float | None = 0.0
        for i, (g, data, sent) in enumerate(msgs):
            dec, enc, bdec, benc = time_both(g, data, base, 200, current)
            ours += enc if sent else dec
            theirs += (benc if sent else bdec) or 0.0
            p = (peer or {}).get("messages", {}).get(f"{label}#{i}", {})
            if bridge is not None and "decode_us" in p:
                bridge += p["encode_us"] if sent else p["decode_us"]
            else:
                bridge = None
        row: dict[str, Any] = {"session": label, "messages": len(msgs),
                               "evcc_us": round(ours, 1)}
        if base is not None:
            row["baseline_us"] = round(theirs, 1)
        if bridge is not None and peer is not None:
            row["bridge_us"] = round(bridge, 1)
            row["ratio"] = round(bridge / ours, 1)
        rows.append(row)
    return rows


def big_schedule() -> bytes:
    """A 25 KB ChargeParameterDiscoveryRes: 3 tuples of 1,023 PMax entries (scaling check).

    1,023 rather than the schema maximum 1,024: the bridge's precompiled grammars do not
    end a full list the way EXI and stock EXIficient do (see docs/exi.md).
    """
    g = exi.grammar_module("iso2")

    def pv(unit: Any, value: int) -> Any:
        return g.PhysicalValueType(multiplier=0, unit=unit, value=value)

    tuples = [g.SAScheduleTupleType(
        sa_schedule_tuple_id=t + 1,
        pmax_schedule=g.PMaxScheduleType(pmax_schedule_entry=[
            g.PMaxScheduleEntryType(time_interval=g.RelativeTimeIntervalType(start=60 * i),
                                    pmax=pv(g.UnitSymbolType.W, 11000))
            for i in range(1023)]))
        for t in range(3)]
    res = g.ChargeParameterDiscoveryResType(
        response_code=g.ResponseCodeType.OK, evse_processing=g.EVSEProcessingType.Finished,
        sa_schedules=g.SAScheduleListType(sa_schedule_tuple=tuples),
        evse_charge_parameter=g.AC_EVSEChargeParameterType(
            ac_evse_status=g.AC_EVSEStatusType(
                notification_max_delay=0, evse_notification=g.EVSENotificationType.None_,
                rcd=False),
            evse_nominal_voltage=pv(g.UnitSymbolType.V, 230),
            evse_max_current=pv(g.UnitSymbolType.A, 32)))
    msg = g.V2G_Message(header=g.MessageHeaderType(session_id=bytes(8)),
                        body=g.BodyType(body_element=res))
    return exi.encode(msg, "iso2")


def time_evcc(grammar: str, data: bytes, number: int = 0) -> tuple[float, float]:
    msg = exi.decode(data, grammar)
    assert exi.encode(msg, grammar, validate=False) == data
    number = number or _number(data)

    def best(fn: Callable[[], object]) -> float:
        return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6

    return (best(lambda: exi.decode(data, grammar)),
            best(lambda: exi.encode(msg, grammar, validate=False)))


_WORKER = """
import json, sys, timeit
from evcc import exi
for line in sys.stdin:
    job = json.loads(line)
    g, data, n = job["g"], bytes.fromhex(job["hex"]), job["n"]
    msg = exi.decode(data, g)
    assert exi.encode(msg, g, validate=False) == data
    best = lambda fn: min(timeit.repeat(fn, number=n, repeat=7)) / n * 1e6
    print(json.dumps([best(lambda: exi.decode(data, g)),
                      best(lambda: exi.encode(msg, g, validate=False))]), flush=True)
"""


class Baseline:
    """Times a checkout's ``evcc.exi`` in a worker process, one message at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "PYTHONPATH": str(root)}
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER], env=self.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def time(self, grammar: str, data: bytes, number: int) -> tuple[float, float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"g": grammar, "hex": data.hex(), "n": number}) + "\n")
        self.proc.stdin.flush()
        dec, enc = json.loads(self.proc.stdout.readline())
        return float(dec), float(enc)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _number(data: bytes) -> int:
    return 2000 if len(data) < 500 else 100 if len(data) < 10000 else 5


def time_both(grammar: str, data: bytes, base: Baseline | None, number: int = 0,
              ours: Baseline | None = None) -> tuple[float, float, float | None, float | None]:
    """(decode, encode) µs of this tree and of the baseline, best of alternating runs.

    With a baseline, this tree is timed in a worker process too (``ours``), so that both
    run in processes of the same shape (heap size, loaded modules)."""
    number = number or _number(data)
    if base is None or ours is None:
        return (*time_evcc(grammar, data, number), None, None)
    mine, theirs = [], []
    for _ in range(2):
        mine.append(ours.time(grammar, data, number))
        theirs.append(base.time(grammar, data, number))
    return (min(o[0] for o in mine), min(o[1] for o in mine),
            min(b[0] for b in theirs), min(b[1] for b in theirs))


def time_peer(messages: list[tuple[str, str, bytes, int]]) -> dict[str, Any] | None:
    """Run the bridge driver on (label, grammar, bytes, calls) jobs."""
    if not PEER_PY.exists() or shutil.which("java") is None:
        return None
    jobs = [{"name": label, "ns": NAMESPACES[g], "hex": data.hex(), "rounds": rounds}
            for label, g, data, rounds in messages]
    proc = subprocess.run([str(PEER_PY), str(Path(__file__).with_name("_josev_exi.py"))],
                          input=json.dumps(jobs), capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode != 0:
        print(f"bridge run failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def import_time(root: Path = REPO) -> float:
    """Best of 5 fresh interpreters, with bytecode cached (as on an installed system)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "evcc" / "exi")],
                   check=True, env=env)
    code = ("import time; t = time.perf_counter(); import evcc.exi as x; "
            "x.grammar_module('iso2'); print((time.perf_counter() - t) * 1e3)")
    best = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True, env=env).stdout)
               for _ in range(5))
    return best


def _table(head: str, lines: list[str]) -> None:
    print(head)
    print("-" * len(head))
    for line in lines:
        print(line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=30, help="bridge calls per message")
    ap.add_argument("--session-rounds", type=int, default=5,
                    help="bridge calls per message of the recorded sessions")
    ap.add_argument("--no-peer", action="store_true", help="skip the Java bridge")
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="also time the evcc.exi of this checkout (before/after columns)")
    args = ap.parse_args(argv)
    base = Baseline(args.baseline) if args.baseline else None
    ours = Baseline(REPO) if args.baseline else None
    messages = pick_messages()
    rows = []
    for label, g, data in messages:
        dec, enc, bdec, benc = time_both(g, data, base, 0, ours)
        row = {"message": label, "grammar": g, "bytes": len(data),
               "evcc_decode_us": round(dec, 2), "evcc_encode_us": round(enc, 2)}
        if bdec is not None and benc is not None:
            row.update(baseline_decode_us=round(bdec, 2), baseline_encode_us=round(benc, 2))
        rows.append(row)
    sessions = session_messages()
    jobs = [(label, g, data, args.rounds) for label, g, data in messages]
    jobs += [(f"{label}#{i}", g, data, args.session_rounds) for label, msgs in sessions.items()
             for i, (g, data, _sent) in enumerate(msgs)]
    peer = None if args.no_peer else time_peer(jobs)
    srows = session_rows(sessions, peer, base, ours)
    if peer is not None:
        for row in rows:
            p = peer["messages"].get(row["message"], {})
            if "decode_us" in p:
                row["bridge_decode_us"] = round(p["decode_us"], 1)
                row["bridge_encode_us"] = round(p["encode_us"], 1)
                row["bridge_first_decode_us"] = round(p["first_decode_us"], 1)
                row["decode_ratio"] = round(p["decode_us"] / row["evcc_decode_us"], 1)
                row["encode_ratio"] = round(p["encode_us"] / row["evcc_encode_us"], 1)
            elif "error" in p:
                row["bridge_error"] = p["error"]
    for worker in (base, ours):
        if worker is not None:
            worker.close()
    report = {"rows": rows, "sessions": srows,
              "import_evcc_exi_plus_iso2_ms": round(import_time(), 1),
              "baseline_import_ms": None if base is None else round(
                  import_time(base.root), 1),
              "bridge_gateway_start_s": None if peer is None else round(
                  peer["gateway_start_s"], 2),
              "bridge": "measured" if peer is not None else "skipped (--no-peer)"
              if args.no_peer else "absent (needs Java and .peers/iso15118)"}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    b = base is not None
    _table(f"{'message':38} {'B':>5} {'dec µs':>8} {'enc µs':>8}"
           + (f" {'base dec':>9} {'base enc':>9}" if b else "")
           + f" {'bridge dec':>11} {'bridge enc':>11} {'dec x':>7} {'enc x':>7}",
           [f"{r['message']:38} {r['bytes']:>5} {r['evcc_decode_us']:>8.1f} "
            f"{r['evcc_encode_us']:>8.1f}"
            + (f" {r['baseline_decode_us']:>9.1f} {r['baseline_encode_us']:>9.1f}" if b else "")
            + f" {r.get('bridge_decode_us', '-'):>11} "
            f"{r.get('bridge_encode_us', '-'):>11} {r.get('decode_ratio', '-'):>7} "
            f"{r.get('encode_ratio', '-'):>7}" for r in rows])
    if srows:
        print()
        _table(f"{'recorded session (EV side: encode sent, decode received)':58} {'msgs':>4} "
               f"{'evcc µs':>9}" + (f" {'base µs':>9}" if b else "")
               + f" {'bridge µs':>11} {'x':>7}",
               [f"{sr['session']:58} {sr['messages']:>4} {sr['evcc_us']:>9.1f}"
                + (f" {sr['baseline_us']:>9.1f}" if b else "")
                + f" {sr.get('bridge_us', '-'):>11} {sr.get('ratio', '-'):>7}"
                for sr in srows])
        print()
    print(f"import evcc.exi + iso2 grammar: {report['import_evcc_exi_plus_iso2_ms']} ms"
          + (f" (baseline {report['baseline_import_ms']} ms)" if b else ""))
    if peer is not None:
        print(f"bridge gateway start: {report['bridge_gateway_start_s']} s")
    else:
        print(f"bridge: {report['bridge']}")
    for r in rows:
        if "bridge_error" in r:
            print(f"bridge error on {r['message']}: {r['bridge_error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""EXI codec speed: evcc.exi against the ``iso15118`` 0.31.2 Java bridge, same messages.

Run: ``.venv/bin/python benchmarks/exi.py [--json] [--rounds N] [--no-peer]``. Messages
come from the shared vectors (``../shared/vectors`` or ``$EVCC_VECTORS``). evcc figures are
the best of 7 timed loops (µs per call); the bridge figures are medians of N calls of
``EXI.from_exi`` / ``EXI.to_exi`` in the peer virtualenv (``.peers/iso15118``, needs Java).
Ratios are bridge / evcc, both measured in this run. Also reports the import time of
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
from pathlib import Path
from typing import Any

from evcc import exi

REPO = Path(__file__).resolve().parents[1]
PEER_PY = REPO / ".peers" / "iso15118" / "bin" / "python"
NAMESPACES = {
    "iso2": "urn:iso:15118:2:2013:MsgDef",
    "din": "urn:din:70121:2012:MsgDef",
    "iso20-dc": "urn:iso:std:iso:15118:-20:DC",
    "iso20-common": "urn:iso:std:iso:15118:-20:CommonMessages",
}


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


def time_evcc(grammar: str, data: bytes) -> tuple[float, float]:
    msg = exi.decode(data, grammar)
    assert exi.encode(msg, grammar, validate=False) == data
    number = 2000 if len(data) < 500 else 100 if len(data) < 10000 else 5

    def best(fn: Any) -> float:
        return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6

    return (best(lambda: exi.decode(data, grammar)),
            best(lambda: exi.encode(msg, grammar, validate=False)))


def time_peer(messages: list[tuple[str, str, bytes]], rounds: int) -> dict[str, Any] | None:
    if not PEER_PY.exists() or shutil.which("java") is None:
        return None
    jobs = [{"name": label, "ns": NAMESPACES[g], "hex": data.hex(), "rounds": rounds}
            for label, g, data in messages]
    proc = subprocess.run([str(PEER_PY), str(Path(__file__).with_name("_josev_exi.py"))],
                          input=json.dumps(jobs), capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode != 0:
        print(f"bridge run failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def import_time() -> float:
    """Best of 5 fresh interpreters, with bytecode cached (as on an installed system)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "evcc" / "exi")],
                   check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    code = ("import time; t = time.perf_counter(); import evcc.exi as x; "
            "x.grammar_module('iso2'); print((time.perf_counter() - t) * 1e3)")
    best = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(5))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=30, help="bridge calls per message")
    ap.add_argument("--no-peer", action="store_true", help="skip the Java bridge")
    args = ap.parse_args(argv)
    messages = pick_messages()
    rows = []
    for label, g, data in messages:
        dec, enc = time_evcc(g, data)
        rows.append({"message": label, "grammar": g, "bytes": len(data),
                     "evcc_decode_us": round(dec, 2), "evcc_encode_us": round(enc, 2)})
    peer = None if args.no_peer else time_peer(messages, args.rounds)
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
    report = {"rows": rows, "import_evcc_exi_plus_iso2_ms": round(import_time(), 1),
              "bridge_gateway_start_s": None if peer is None else round(
                  peer["gateway_start_s"], 2),
              "bridge": "measured" if peer is not None else "absent (needs Java and "
              ".peers/iso15118)"}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    head = (f"{'message':38} {'B':>5} {'dec µs':>8} {'enc µs':>8} {'bridge dec':>11} "
            f"{'bridge enc':>11} {'dec x':>7} {'enc x':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['message']:38} {r['bytes']:>5} {r['evcc_decode_us']:>8.1f} "
              f"{r['evcc_encode_us']:>8.1f} {r.get('bridge_decode_us', '-'):>11} "
              f"{r.get('bridge_encode_us', '-'):>11} {r.get('decode_ratio', '-'):>7} "
              f"{r.get('encode_ratio', '-'):>7}")
    print(f"import evcc.exi + iso2 grammar: {report['import_evcc_exi_plus_iso2_ms']} ms")
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

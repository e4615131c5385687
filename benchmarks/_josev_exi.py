"""Timing driver for the ``iso15118`` 0.31.2 EXI bridge (py4j + EXICodec.jar).

Run with the peer's interpreter (``.peers/iso15118/bin/python``); reads a JSON list of
``{"name", "ns", "hex", "rounds"}`` on stdin and prints one JSON object with the median
decode and encode microseconds per message and the first (cold) call.
"""

# ruff: noqa: PLC0415 - the peer package is imported after logging is silenced

from __future__ import annotations

import json
import logging
import statistics
import sys
import time


def main() -> int:
    logging.disable(logging.CRITICAL)
    from iso15118.shared.exi_codec import EXI  # type: ignore[import-not-found]
    from iso15118.shared.exificient_exi_codec import (  # type: ignore[import-not-found]
        ExificientEXICodec,
    )
    from iso15118.shared.settings import (  # type: ignore[import-not-found]
        SettingKey,
        shared_settings,
    )

    # no message logging: the bridge's best case
    shared_settings.update({SettingKey.MESSAGE_LOG_JSON: False,
                            SettingKey.MESSAGE_LOG_EXI: False})

    jobs = json.load(sys.stdin)
    t0 = time.perf_counter()
    codec = EXI()
    codec.set_exi_codec(ExificientEXICodec())
    start_s = time.perf_counter() - t0
    messages: dict[str, dict[str, object]] = {}
    out = {"gateway_start_s": start_s, "messages": messages}
    for job in jobs:
        data = bytes.fromhex(job["hex"])
        row: dict[str, object] = {}
        try:
            t = time.perf_counter()
            msg = codec.from_exi(data, job["ns"])
            row["first_decode_us"] = (time.perf_counter() - t) * 1e6
            dec, enc = [], []
            for _ in range(job["rounds"]):
                t = time.perf_counter()
                msg = codec.from_exi(data, job["ns"])
                dec.append((time.perf_counter() - t) * 1e6)
                t = time.perf_counter()
                codec.to_exi(msg, job["ns"])
                enc.append((time.perf_counter() - t) * 1e6)
            row["decode_us"] = statistics.median(dec)
            row["encode_us"] = statistics.median(enc)
        except Exception as exc:  # report and continue with the next message
            row["error"] = f"{exc.__class__.__name__}: {exc}"[:300]
        messages[job["name"]] = row
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""ISO-2 WeldingDetectionReq/Res: after the contactors open, until the voltage has dropped."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, ev_status, read
from evcc.session.steps import Next, Repeat, Step

NAME = names.WELDING_DETECTION
REQUEST = "WeldingDetectionReq"
RESPONSE = iso2.WeldingDetectionResType

WELDING_INTERVAL = 0.1


def build(ctx: Iso2Context, now: float) -> iso2.WeldingDetectionReqType:
    return iso2.WeldingDetectionReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: Iso2Context, res: iso2.WeldingDetectionResType, now: float) -> Step:
    ctx.welding_rounds += 1
    ctx.present_voltage = read(res.evse_present_voltage)
    low = ctx.present_voltage <= ctx.config.welding_voltage
    if low or ctx.welding_rounds >= ctx.config.welding_max:
        if not low:
            ctx.notes.append(f"voltage still {ctx.present_voltage:g} V after welding detection")
        return Next(names.SESSION_STOP)
    return Repeat(WELDING_INTERVAL)

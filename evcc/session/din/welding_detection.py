"""DIN WeldingDetectionReq/Res: after the contactors open, until the voltage has dropped."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, read
from evcc.session.steps import Next, Repeat, Step

NAME = names.WELDING_DETECTION
REQUEST = "WeldingDetectionReq"
RESPONSE = din.WeldingDetectionResType

WELDING_INTERVAL = 0.1


def build(ctx: DinContext, now: float) -> din.WeldingDetectionReqType:
    return din.WeldingDetectionReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: DinContext, res: din.WeldingDetectionResType, now: float) -> Step:
    ctx.welding_rounds += 1
    ctx.present_voltage = read(res.evse_present_voltage)
    low = ctx.present_voltage <= ctx.config.welding_voltage
    if low or ctx.welding_rounds >= ctx.config.welding_max:
        if not low:
            ctx.notes.append(f"voltage still {ctx.present_voltage:g} V after welding detection")
        return Next(names.SESSION_STOP)
    return Repeat(WELDING_INTERVAL)

"""DIN WeldingDetectionReq/Res: after the contactors open, until the voltage has dropped."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.dc import after_welding
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, read
from evcc.session.steps import Step

NAME = names.WELDING_DETECTION
REQUEST = "WeldingDetectionReq"
RESPONSE = din.WeldingDetectionResType


def build(ctx: DinContext, now: float) -> din.WeldingDetectionReqType:
    return din.WeldingDetectionReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: DinContext, res: din.WeldingDetectionResType, now: float) -> Step:
    return after_welding(ctx, read(res.evse_present_voltage), next_state=names.SESSION_STOP)

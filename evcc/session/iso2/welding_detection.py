"""ISO-2 WeldingDetectionReq/Res: after the contactors open, until the voltage has dropped."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.dc import after_welding
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, ev_status, read
from evcc.session.steps import Step

NAME = names.WELDING_DETECTION
REQUEST = "WeldingDetectionReq"
RESPONSE = iso2.WeldingDetectionResType


def build(ctx: Iso2Context, now: float) -> iso2.WeldingDetectionReqType:
    return iso2.WeldingDetectionReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: Iso2Context, res: iso2.WeldingDetectionResType, now: float) -> Step:
    return after_welding(ctx, read(res.evse_present_voltage), next_state=names.SESSION_STOP)

"""ISO-2 ChargingStatusReq/Res: the AC charge loop."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.dc import after_loop
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, ac_verdict, read
from evcc.session.steps import Step

NAME = names.CHARGING_STATUS
REQUEST = "ChargingStatusReq"
RESPONSE = iso2.ChargingStatusResType


def build(ctx: Iso2Context, now: float) -> iso2.ChargingStatusReqType:
    return iso2.ChargingStatusReqType()


def handle(ctx: Iso2Context, res: iso2.ChargingStatusResType, now: float) -> Step:
    ctx.loop_count += 1
    if res.evse_max_current is not None:
        ctx.evse_max_current = read(res.evse_max_current)
    status = ctx.status(now)
    if ctx.vehicle is not None:
        amps = min(status.max_current, ctx.evse_max_current or status.max_current)
        ctx.vehicle.observe(ctx.evse_nominal_voltage, amps * status.ac_phases, now)
    seen = ac_verdict(res.ac_evse_status)
    return after_loop(ctx, seen, "an RCD trip", ctx.config.ac_loop_interval, now,
                      stop_state=names.POWER_DELIVERY_STOP,
                      renegotiate_state=names.POWER_DELIVERY_RENEGOTIATE)

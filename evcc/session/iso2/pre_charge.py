"""ISO-2 PreChargeReq/Res: ask for the battery voltage at a small current until it is there."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.dc import after_pre_charge
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, U, dc_verdict, ev_status, pv, read
from evcc.session.steps import Step

NAME = names.PRE_CHARGE
REQUEST = "PreChargeReq"
RESPONSE = iso2.PreChargeResType

PRE_CHARGE_CURRENT = 2.0  # A


def build(ctx: Iso2Context, now: float) -> iso2.PreChargeReqType:
    status = ctx.status(now)
    return iso2.PreChargeReqType(
        dc_ev_status=ev_status(status),
        ev_target_voltage=pv(status.battery_voltage, U.V),
        ev_target_current=pv(PRE_CHARGE_CURRENT, U.A),
    )


def handle(ctx: Iso2Context, res: iso2.PreChargeResType, now: float) -> Step:
    return after_pre_charge(ctx, dc_verdict(res.dc_evse_status), read(res.evse_present_voltage),
                            ctx.status(now).battery_voltage,
                            next_state=names.POWER_DELIVERY_START, stop_state=names.SESSION_STOP)

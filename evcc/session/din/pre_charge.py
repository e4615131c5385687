"""DIN PreChargeReq/Res: ask for the battery voltage at a small current until it is there."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.dc import after_pre_charge
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, pv, read, verdict
from evcc.session.steps import Step

NAME = names.PRE_CHARGE
REQUEST = "PreChargeReq"
RESPONSE = din.PreChargeResType

PRE_CHARGE_CURRENT = 2.0  # A


def build(ctx: DinContext, now: float) -> din.PreChargeReqType:
    status = ctx.status(now)
    return din.PreChargeReqType(
        dc_ev_status=ev_status(status),
        ev_target_voltage=pv(status.battery_voltage, din.UnitSymbolType.V),
        ev_target_current=pv(PRE_CHARGE_CURRENT, din.UnitSymbolType.A),
    )


def handle(ctx: DinContext, res: din.PreChargeResType, now: float) -> Step:
    return after_pre_charge(ctx, verdict(res.dc_evse_status), read(res.evse_present_voltage),
                            ctx.status(now).battery_voltage,
                            next_state=names.POWER_DELIVERY_START, stop_state=names.SESSION_STOP)

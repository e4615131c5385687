"""ISO-2 PreChargeReq/Res: ask for the battery voltage at a small current until it is there."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.charge import Verdict, pre_charge_done
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, U, dc_verdict, ev_status, pv, read
from evcc.session.reasons import StopReason
from evcc.session.steps import Guard, Next, Repeat, Step

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
    if dc_verdict(res.dc_evse_status) is Verdict.EMERGENCY:
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, "emergency shutdown in PreCharge")
        return Next(names.SESSION_STOP)
    ctx.pre_charge_rounds += 1
    ctx.present_voltage = read(res.evse_present_voltage)
    target = ctx.status(now).battery_voltage
    lenient = ctx.config.lenient_pre_charge
    if pre_charge_done(ctx.present_voltage, target, ctx.config.pre_charge_tolerance) or (
            lenient is not None and ctx.pre_charge_rounds >= lenient):
        return Next(names.POWER_DELIVERY_START)
    return Repeat(ctx.config.pre_charge_interval, Guard.PRE_CHARGE)

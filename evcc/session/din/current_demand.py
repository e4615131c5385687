"""DIN CurrentDemandReq/Res: the DC charge loop (250 ms message timeout)."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.dc import after_loop
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, pv, read, verdict
from evcc.session.steps import Step

NAME = names.CURRENT_DEMAND
REQUEST = "CurrentDemandReq"
RESPONSE = din.CurrentDemandResType

U = din.UnitSymbolType


def build(ctx: DinContext, now: float) -> din.CurrentDemandReqType:
    status = ctx.status(now)
    return din.CurrentDemandReqType(
        dc_ev_status=ev_status(status),
        ev_target_current=pv(status.target_current, U.A),
        ev_maximum_voltage_limit=pv(status.max_voltage, U.V),
        ev_maximum_current_limit=pv(status.max_current, U.A),
        ev_maximum_power_limit=pv(status.max_power, U.W),
        bulk_charging_complete=status.bulk_complete,
        charging_complete=status.complete,
        remaining_time_to_full_soc=None if status.remaining_to_full is None
        else pv(status.remaining_to_full, U.s),
        remaining_time_to_bulk_soc=None if status.remaining_to_bulk is None
        else pv(status.remaining_to_bulk, U.s),
        ev_target_voltage=pv(status.target_voltage, U.V),
    )


def handle(ctx: DinContext, res: din.CurrentDemandResType, now: float) -> Step:
    ctx.loop_count += 1
    ctx.present_voltage = read(res.evse_present_voltage)
    ctx.present_current = read(res.evse_present_current)
    if ctx.vehicle is not None:
        ctx.vehicle.observe(ctx.present_voltage, ctx.present_current, now)
    code = res.dc_evse_status.evse_status_code.value
    return after_loop(ctx, verdict(res.dc_evse_status), code, ctx.config.dc_loop_interval, now,
                      stop_state=names.POWER_DELIVERY_STOP)

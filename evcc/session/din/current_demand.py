"""DIN CurrentDemandReq/Res: the DC charge loop (250 ms message timeout)."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.charge import Verdict, loop_stop
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, pv, read, verdict
from evcc.session.protocol import StopRequest
from evcc.session.reasons import StopReason
from evcc.session.steps import Next, Repeat, Step

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
    seen = verdict(res.dc_evse_status)
    if seen is Verdict.EMERGENCY:
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN,
                         f"the charger reports {res.dc_evse_status.evse_status_code.value}")
        return Next(names.POWER_DELIVERY_STOP)
    if seen is Verdict.STOP:
        ctx.end_charging(StopReason.FINISHED, "the charger asked to stop charging")
        return Next(names.POWER_DELIVERY_STOP)
    why = loop_stop(ctx, ctx.status(now), now)
    if why is not None:
        reason = StopReason.PAUSED if ctx.stop is StopRequest.PAUSE else StopReason.FINISHED
        ctx.end_charging(reason, why)
        return Next(names.POWER_DELIVERY_STOP)
    return Repeat(ctx.config.dc_loop_interval)

"""ISO-2 PowerDeliveryReq/Res: Start (with a ChargingProfile), Renegotiate and Stop."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.charge import Verdict
from evcc.session.iso2 import names, schedule
from evcc.session.iso2.values import Iso2Context, ev_status, status_verdict
from evcc.session.reasons import StopReason
from evcc.session.steps import Next, Step

__all__ = ["RENEGOTIATE", "START", "STOP"]

P = iso2.ChargeProgressType


class _PowerDelivery:
    REQUEST = "PowerDeliveryReq"
    RESPONSE = iso2.PowerDeliveryResType

    def __init__(self, name: str, progress: iso2.ChargeProgressType) -> None:
        self.NAME = name
        self._progress = progress

    def build(self, ctx: Iso2Context, now: float) -> iso2.PowerDeliveryReqType:
        status = ctx.status(now)
        profile = None
        if self._progress is P.Start and ctx.schedule:
            profile = schedule.charging_profile(ctx.schedule, status.max_power)
        dc_param = None
        if ctx.config.energy == "dc":
            dc_param = iso2.DC_EVPowerDeliveryParameterType(
                dc_ev_status=ev_status(status),
                bulk_charging_complete=status.bulk_complete,
                charging_complete=self._progress is P.Stop,
            )
        return iso2.PowerDeliveryReqType(
            charge_progress=self._progress,
            sa_schedule_tuple_id=ctx.schedule_id,
            charging_profile=profile,
            ev_power_delivery_parameter=dc_param,
        )

    def handle(self, ctx: Iso2Context, res: iso2.PowerDeliveryResType, now: float) -> Step:
        if self._progress is P.Stop:
            dc = ctx.config.energy == "dc" and not ctx.emergency
            return Next(names.WELDING_DETECTION if dc else names.SESSION_STOP)
        if self._progress is P.Renegotiate:
            ctx.renegotiating = True
            return Next(names.CHARGE_PARAMETER_DISCOVERY)
        if status_verdict(res.evse_status) is Verdict.EMERGENCY:
            ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, "emergency shutdown at start")
            return Next(names.POWER_DELIVERY_STOP)
        ctx.renegotiating = False
        if ctx.loop_started is None:
            ctx.loop_started = now
        return Next(names.CURRENT_DEMAND if ctx.config.energy == "dc" else names.CHARGING_STATUS)


START = _PowerDelivery(names.POWER_DELIVERY_START, P.Start)
RENEGOTIATE = _PowerDelivery(names.POWER_DELIVERY_RENEGOTIATE, P.Renegotiate)
STOP = _PowerDelivery(names.POWER_DELIVERY_STOP, P.Stop)

"""DIN PowerDeliveryReq/Res, twice: ReadyToChargeState true before the loop, false after it."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.charge import Verdict
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, verdict
from evcc.session.reasons import StopReason
from evcc.session.steps import Next, Step

__all__ = ["START", "STOP"]


class _PowerDelivery:
    REQUEST = "PowerDeliveryReq"
    RESPONSE = din.PowerDeliveryResType

    def __init__(self, name: str, ready: bool) -> None:
        self.NAME = name
        self._ready = ready

    def build(self, ctx: DinContext, now: float) -> din.PowerDeliveryReqType:
        status = ctx.status(now)
        return din.PowerDeliveryReqType(
            ready_to_charge_state=self._ready,
            ev_power_delivery_parameter=din.DC_EVPowerDeliveryParameterType(
                dc_ev_status=ev_status(status),
                bulk_charging_complete=status.bulk_complete,
                charging_complete=not self._ready,
            ),
        )

    def handle(self, ctx: DinContext, res: din.PowerDeliveryResType, now: float) -> Step:
        if not self._ready:
            return Next(names.WELDING_DETECTION)
        status = res.evse_status
        if isinstance(status, din.DC_EVSEStatusType) and verdict(status) is Verdict.EMERGENCY:
            ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, "emergency shutdown at start")
            return Next(names.POWER_DELIVERY_STOP)
        ctx.loop_started = now
        return Next(names.CURRENT_DEMAND)


START = _PowerDelivery(names.POWER_DELIVERY_START, ready=True)
STOP = _PowerDelivery(names.POWER_DELIVERY_STOP, ready=False)

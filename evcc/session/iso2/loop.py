"""What the ISO-2 AC and DC charge loops decide after each response."""

from __future__ import annotations

from evcc.session.charge import Verdict, loop_stop
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.protocol import StopRequest
from evcc.session.reasons import StopReason
from evcc.session.steps import Next, Repeat, Step

__all__ = ["after_loop_response"]


def after_loop_response(ctx: Iso2Context, seen: Verdict, detail: str, interval: float,
                        now: float) -> Step:
    """Stay in the loop, renegotiate, or leave it through PowerDeliveryReq(Stop)."""
    if seen is Verdict.EMERGENCY:
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, f"the charger reports {detail}")
        return Next(names.POWER_DELIVERY_STOP)
    if seen is Verdict.STOP:
        ctx.end_charging(StopReason.FINISHED, "the charger asked to stop charging")
        return Next(names.POWER_DELIVERY_STOP)
    why = loop_stop(ctx, ctx.status(now), now)
    if why is not None:
        reason = StopReason.PAUSED if ctx.stop is StopRequest.PAUSE else StopReason.FINISHED
        ctx.end_charging(reason, why)
        return Next(names.POWER_DELIVERY_STOP)
    if seen is Verdict.RENEGOTIATE:
        ctx.notes.append("renegotiation requested by the charger")
        return Next(names.POWER_DELIVERY_RENEGOTIATE)
    return Repeat(interval)

"""The DC steps DIN SPEC 70121 and ISO 15118-2 share, on plain values.

The protocol modules read their messages and call these with the values; the state names
come from the caller so each protocol keeps its own table.
"""

from __future__ import annotations

from evcc.session.charge import ChargeContext, Verdict, loop_stop, pre_charge_done
from evcc.session.protocol import StopRequest
from evcc.session.reasons import StopReason
from evcc.session.steps import Guard, Next, Repeat, Step

__all__ = ["after_cable_check", "after_loop", "after_pre_charge", "after_welding"]

WELDING_INTERVAL = 0.1


def after_cable_check(ctx: ChargeContext, seen: Verdict, finished: bool, isolation: str | None,
                      *, next_state: str, stop_state: str) -> Step:
    """PreCharge once the check is finished with a usable isolation; repeat meanwhile."""
    if seen in (Verdict.EMERGENCY, Verdict.STOP):
        reason = (StopReason.EVSE_EMERGENCY_SHUTDOWN if seen is Verdict.EMERGENCY
                  else StopReason.FINISHED)
        ctx.end_charging(reason, f"the charger stopped during CableCheck ({seen.value})")
        return Next(stop_state)
    if finished and isolation in ("Valid", "Warning"):
        return Next(next_state)
    return Repeat(ctx.config.cable_check_interval, Guard.CABLE_CHECK)


def after_pre_charge(ctx: ChargeContext, seen: Verdict, present: float, target: float, *,
                     next_state: str, stop_state: str) -> Step:
    """PowerDelivery once the charger's voltage matches the battery's; repeat meanwhile."""
    if seen is Verdict.EMERGENCY:
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, "emergency shutdown in PreCharge")
        return Next(stop_state)
    ctx.pre_charge_rounds += 1
    ctx.present_voltage = present
    lenient = ctx.config.lenient_pre_charge
    if pre_charge_done(present, target, ctx.config.pre_charge_tolerance) or (
            lenient is not None and ctx.pre_charge_rounds >= lenient):
        return Next(next_state)
    return Repeat(ctx.config.pre_charge_interval, Guard.PRE_CHARGE)


def after_welding(ctx: ChargeContext, present: float, *, next_state: str) -> Step:
    """SessionStop once the voltage has dropped (or after ``welding_max`` requests)."""
    ctx.welding_rounds += 1
    ctx.present_voltage = present
    low = present <= ctx.config.welding_voltage
    if low or ctx.welding_rounds >= ctx.config.welding_max:
        if not low:
            ctx.notes.append(f"voltage still {present:g} V after welding detection")
        return Next(next_state)
    return Repeat(WELDING_INTERVAL)


def after_loop(ctx: ChargeContext, seen: Verdict, detail: str, interval: float, now: float, *,
               stop_state: str, renegotiate_state: str | None = None) -> Step:
    """Stay in the charge loop, renegotiate, or leave it through PowerDelivery(Stop)."""
    if seen is Verdict.EMERGENCY:
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, f"the charger reports {detail}")
        return Next(stop_state)
    if seen is Verdict.STOP:
        ctx.end_charging(StopReason.FINISHED, "the charger asked to stop charging")
        return Next(stop_state)
    why = loop_stop(ctx, ctx.status(now), now)
    if why is not None:
        reason = StopReason.PAUSED if ctx.stop is StopRequest.PAUSE else StopReason.FINISHED
        ctx.end_charging(reason, why)
        return Next(stop_state)
    if seen is Verdict.RENEGOTIATE and renegotiate_state is not None:
        ctx.notes.append("renegotiation requested by the charger")
        return Next(renegotiate_state)
    return Repeat(interval)

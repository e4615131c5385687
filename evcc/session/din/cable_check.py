"""DIN CableCheckReq/Res: repeat until the charger's isolation check is finished and valid."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.charge import Verdict
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, verdict
from evcc.session.reasons import StopReason
from evcc.session.steps import Guard, Next, Repeat, Step

NAME = names.CABLE_CHECK
REQUEST = "CableCheckReq"
RESPONSE = din.CableCheckResType


def build(ctx: DinContext, now: float) -> din.CableCheckReqType:
    return din.CableCheckReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: DinContext, res: din.CableCheckResType, now: float) -> Step:
    seen = verdict(res.dc_evse_status)
    if seen in (Verdict.EMERGENCY, Verdict.STOP):
        reason = (StopReason.EVSE_EMERGENCY_SHUTDOWN if seen is Verdict.EMERGENCY
                  else StopReason.FINISHED)
        ctx.end_charging(reason, f"the charger stopped during CableCheck ({seen.value})")
        return Next(names.SESSION_STOP)
    isolation = res.dc_evse_status.evse_isolation_status
    done = res.evse_processing is din.EVSEProcessingType.Finished
    if done and isolation in (din.IsolationLevelType.Valid, din.IsolationLevelType.Warning):
        return Next(names.PRE_CHARGE)
    return Repeat(ctx.config.cable_check_interval, Guard.CABLE_CHECK)

"""ISO-2 CableCheckReq/Res: repeat until the charger's isolation check is finished and valid."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.charge import Verdict
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, dc_verdict, ev_status
from evcc.session.reasons import StopReason
from evcc.session.steps import Guard, Next, Repeat, Step

NAME = names.CABLE_CHECK
REQUEST = "CableCheckReq"
RESPONSE = iso2.CableCheckResType


def build(ctx: Iso2Context, now: float) -> iso2.CableCheckReqType:
    return iso2.CableCheckReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: Iso2Context, res: iso2.CableCheckResType, now: float) -> Step:
    seen = dc_verdict(res.dc_evse_status)
    if seen in (Verdict.EMERGENCY, Verdict.STOP):
        reason = (StopReason.EVSE_EMERGENCY_SHUTDOWN if seen is Verdict.EMERGENCY
                  else StopReason.FINISHED)
        ctx.end_charging(reason, f"the charger stopped during CableCheck ({seen.value})")
        return Next(names.SESSION_STOP)
    isolation = res.dc_evse_status.evse_isolation_status
    done = res.evse_processing is iso2.EVSEProcessingType.Finished
    if done and isolation in (iso2.IsolationLevelType.Valid, iso2.IsolationLevelType.Warning):
        return Next(names.PRE_CHARGE)
    return Repeat(ctx.config.cable_check_interval, Guard.CABLE_CHECK)

"""DIN CableCheckReq/Res: repeat until the charger's isolation check is finished and valid."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.dc import after_cable_check
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, verdict
from evcc.session.steps import Step

NAME = names.CABLE_CHECK
REQUEST = "CableCheckReq"
RESPONSE = din.CableCheckResType


def build(ctx: DinContext, now: float) -> din.CableCheckReqType:
    return din.CableCheckReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: DinContext, res: din.CableCheckResType, now: float) -> Step:
    isolation = res.dc_evse_status.evse_isolation_status
    finished = res.evse_processing is din.EVSEProcessingType.Finished
    return after_cable_check(ctx, verdict(res.dc_evse_status), finished,
                             None if isolation is None else isolation.value,
                             next_state=names.PRE_CHARGE, stop_state=names.SESSION_STOP)

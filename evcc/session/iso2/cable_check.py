"""ISO-2 CableCheckReq/Res: repeat until the charger's isolation check is finished and valid."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.dc import after_cable_check
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context, dc_verdict, ev_status
from evcc.session.steps import Step

NAME = names.CABLE_CHECK
REQUEST = "CableCheckReq"
RESPONSE = iso2.CableCheckResType


def build(ctx: Iso2Context, now: float) -> iso2.CableCheckReqType:
    return iso2.CableCheckReqType(dc_ev_status=ev_status(ctx.status(now)))


def handle(ctx: Iso2Context, res: iso2.CableCheckResType, now: float) -> Step:
    isolation = res.dc_evse_status.evse_isolation_status
    finished = res.evse_processing is iso2.EVSEProcessingType.Finished
    return after_cable_check(ctx, dc_verdict(res.dc_evse_status), finished,
                             None if isolation is None else isolation.value,
                             next_state=names.PRE_CHARGE, stop_state=names.SESSION_STOP)

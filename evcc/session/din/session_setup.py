"""DIN SessionSetupReq/Res: the EVCCID (the EV's MAC) out, the SECC's session id and EVSEID in."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.din import names
from evcc.session.din.values import DinContext
from evcc.session.steps import Next, Step

NAME = names.SESSION_SETUP
REQUEST = "SessionSetupReq"
RESPONSE = din.SessionSetupResType


def build(ctx: DinContext, now: float) -> din.SessionSetupReqType:
    return din.SessionSetupReqType(evccid=ctx.config.evcc_id)


def handle(ctx: DinContext, res: din.SessionSetupResType, now: float) -> Step:
    ctx.evse_id = res.evseid.hex().upper()
    return Next(names.SERVICE_DISCOVERY)

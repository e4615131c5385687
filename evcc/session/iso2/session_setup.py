"""ISO-2 SessionSetupReq/Res: the EVCCID out, the session id and EVSEID in."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.steps import Next, Step

NAME = names.SESSION_SETUP
REQUEST = "SessionSetupReq"
RESPONSE = iso2.SessionSetupResType


def build(ctx: Iso2Context, now: float) -> iso2.SessionSetupReqType:
    return iso2.SessionSetupReqType(evccid=ctx.config.evcc_id)


def handle(ctx: Iso2Context, res: iso2.SessionSetupResType, now: float) -> Step:
    ctx.evse_id = res.evseid
    return Next(names.SERVICE_DISCOVERY)

"""DIN SessionStopReq/Res: the end of a normal session (DIN has no pause)."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.din import names
from evcc.session.din.values import DinContext
from evcc.session.steps import Step

NAME = names.SESSION_STOP
REQUEST = "SessionStopReq"
RESPONSE = din.SessionStopResType


def build(ctx: DinContext, now: float) -> din.SessionStopType:
    return din.SessionStopType()


def handle(ctx: DinContext, res: din.SessionStopResType, now: float) -> Step:
    return ctx.finish()

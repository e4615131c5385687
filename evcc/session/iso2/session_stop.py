"""ISO-2 SessionStopReq/Res: Terminate, or Pause to resume later with the same session id."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.protocol import StopRequest
from evcc.session.steps import Step

NAME = names.SESSION_STOP
REQUEST = "SessionStopReq"
RESPONSE = iso2.SessionStopResType


def build(ctx: Iso2Context, now: float) -> iso2.SessionStopReqType:
    pause = ctx.stop is StopRequest.PAUSE
    kind = iso2.ChargingSessionType.Pause if pause else iso2.ChargingSessionType.Terminate
    return iso2.SessionStopReqType(charging_session=kind)


def handle(ctx: Iso2Context, res: iso2.SessionStopResType, now: float) -> Step:
    return ctx.finish()

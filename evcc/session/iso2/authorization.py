"""ISO-2 AuthorizationReq/Res (EIM): wait while the charger authorises (EVSEProcessing)."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.steps import Guard, Next, Repeat, Step

NAME = names.AUTHORIZATION
REQUEST = "AuthorizationReq"
RESPONSE = iso2.AuthorizationResType


def build(ctx: Iso2Context, now: float) -> iso2.AuthorizationReqType:
    return iso2.AuthorizationReqType()


def handle(ctx: Iso2Context, res: iso2.AuthorizationResType, now: float) -> Step:
    if res.evse_processing is iso2.EVSEProcessingType.Ongoing:
        return Repeat(ctx.config.ongoing_interval, Guard.ONGOING)
    return Next(names.CHARGE_PARAMETER_DISCOVERY)

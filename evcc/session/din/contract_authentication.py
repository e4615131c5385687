"""DIN ContractAuthenticationReq/Res: wait while the charger authorises (EVSEProcessing)."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.din import names
from evcc.session.din.values import DinContext
from evcc.session.steps import Guard, Next, Repeat, Step

NAME = names.CONTRACT_AUTHENTICATION
REQUEST = "ContractAuthenticationReq"
RESPONSE = din.ContractAuthenticationResType


def build(ctx: DinContext, now: float) -> din.ContractAuthenticationReqType:
    return din.ContractAuthenticationReqType()


def handle(ctx: DinContext, res: din.ContractAuthenticationResType, now: float) -> Step:
    if res.evse_processing is din.EVSEProcessingType.Ongoing:
        return Repeat(ctx.config.ongoing_interval, Guard.ONGOING)
    return Next(names.CHARGE_PARAMETER_DISCOVERY)

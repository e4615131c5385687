"""DIN ServicePaymentSelectionReq/Res: external payment and the charge service."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.din import names
from evcc.session.din.values import DinContext
from evcc.session.steps import Next, Step

NAME = names.SERVICE_PAYMENT_SELECTION
REQUEST = "ServicePaymentSelectionReq"
RESPONSE = din.ServicePaymentSelectionResType


def build(ctx: DinContext, now: float) -> din.ServicePaymentSelectionReqType:
    return din.ServicePaymentSelectionReqType(
        selected_payment_option=din.PaymentOptionType.ExternalPayment,
        selected_service_list=din.SelectedServiceListType(
            selected_service=[din.SelectedServiceType(service_id=ctx.service_id)]),
    )


def handle(ctx: DinContext, res: din.ServicePaymentSelectionResType, now: float) -> Step:
    return Next(names.CONTRACT_AUTHENTICATION)

"""ISO-2 PaymentServiceSelectionReq/Res: external payment (EIM) and the charge service."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.steps import Next, Step

NAME = names.PAYMENT_SERVICE_SELECTION
REQUEST = "PaymentServiceSelectionReq"
RESPONSE = iso2.PaymentServiceSelectionResType


def build(ctx: Iso2Context, now: float) -> iso2.PaymentServiceSelectionReqType:
    return iso2.PaymentServiceSelectionReqType(
        selected_payment_option=iso2.PaymentOptionType.ExternalPayment,
        selected_service_list=iso2.SelectedServiceListType(
            selected_service=[iso2.SelectedServiceType(service_id=ctx.service_id)]),
    )


def handle(ctx: Iso2Context, res: iso2.PaymentServiceSelectionResType, now: float) -> Step:
    return Next(names.AUTHORIZATION)

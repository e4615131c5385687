"""ISO-2 ServiceDetailReq/Res: parameters of a service the EV asked about (one per request)."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.steps import Next, Repeat, Step

NAME = names.SERVICE_DETAIL
REQUEST = "ServiceDetailReq"
RESPONSE = iso2.ServiceDetailResType


def build(ctx: Iso2Context, now: float) -> iso2.ServiceDetailReqType:
    return iso2.ServiceDetailReqType(service_id=ctx.detail_services[0])


def handle(ctx: Iso2Context, res: iso2.ServiceDetailResType, now: float) -> Step:
    asked = ctx.detail_services.pop(0)
    sets = res.service_parameter_list.parameter_set if res.service_parameter_list else None
    ctx.notes.append(f"service {asked}: {len(sets or [])} parameter set(s)")
    if ctx.detail_services:
        return Repeat()
    return Next(names.PAYMENT_SERVICE_SELECTION)

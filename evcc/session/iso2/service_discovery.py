"""ISO-2 ServiceDiscoveryReq/Res: external payment and an energy transfer mode the EV can use."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2 import names
from evcc.session.iso2.values import Iso2Context
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail, Next, Step

NAME = names.SERVICE_DISCOVERY
REQUEST = "ServiceDiscoveryReq"
RESPONSE = iso2.ServiceDiscoveryResType

M = iso2.EnergyTransferModeType
_PREFERENCE = {
    "dc": (M.DC_extended, M.DC_combo_core, M.DC_core, M.DC_unique),
    "ac3": (M.AC_three_phase_core, M.AC_single_phase_core),
    "ac1": (M.AC_single_phase_core,),
}


def build(ctx: Iso2Context, now: float) -> iso2.ServiceDiscoveryReqType:
    return iso2.ServiceDiscoveryReqType(service_category=iso2.ServiceCategoryType.EVCharging)


def handle(ctx: Iso2Context, res: iso2.ServiceDiscoveryResType, now: float) -> Step:
    options = res.payment_option_list.payment_option or []
    if iso2.PaymentOptionType.ExternalPayment not in options:
        return Fail(StopReason.NO_USABLE_SERVICE, "the charger offers no external payment (EIM)")
    offered = list(res.charge_service.supported_energy_transfer_mode.energy_transfer_mode or [])
    key = "dc" if ctx.config.energy == "dc" else (
        "ac3" if ctx.status(now).ac_phases == 3 else "ac1")
    mode = next((m for m in _PREFERENCE[key] if m in offered), None)
    if mode is None:
        names_offered = ", ".join(m.value for m in offered) or "nothing"
        return Fail(StopReason.NO_USABLE_SERVICE,
                    f"the charger offers {names_offered}; the EV needs {ctx.config.energy.upper()}")
    ctx.transfer_mode = mode
    ctx.service_id = res.charge_service.service_id
    if ctx.detail_services:
        return Next(names.SERVICE_DETAIL)
    return Next(names.PAYMENT_SERVICE_SELECTION)

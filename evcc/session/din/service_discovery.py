"""DIN ServiceDiscoveryReq/Res: the charger must offer external payment and a DC transfer type."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.din import names
from evcc.session.din.values import DinContext
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail, Next, Step

NAME = names.SERVICE_DISCOVERY
REQUEST = "ServiceDiscoveryReq"
RESPONSE = din.ServiceDiscoveryResType

_DC = {
    din.EVSESupportedEnergyTransferType.DC_core: din.EVRequestedEnergyTransferType.DC_core,
    din.EVSESupportedEnergyTransferType.DC_extended: din.EVRequestedEnergyTransferType.DC_extended,
    din.EVSESupportedEnergyTransferType.DC_combo_core:
        din.EVRequestedEnergyTransferType.DC_combo_core,
    din.EVSESupportedEnergyTransferType.DC_dual: din.EVRequestedEnergyTransferType.DC_extended,
    din.EVSESupportedEnergyTransferType.AC_core1p_DC_extended:
        din.EVRequestedEnergyTransferType.DC_extended,
    din.EVSESupportedEnergyTransferType.AC_single_phase_three_phase_core_DC_extended:
        din.EVRequestedEnergyTransferType.DC_extended,
    din.EVSESupportedEnergyTransferType.AC_core3p_DC_extended:
        din.EVRequestedEnergyTransferType.DC_extended,
    din.EVSESupportedEnergyTransferType.AC_single_DC_core:
        din.EVRequestedEnergyTransferType.DC_core,
}


def build(ctx: DinContext, now: float) -> din.ServiceDiscoveryReqType:
    return din.ServiceDiscoveryReqType()


def handle(ctx: DinContext, res: din.ServiceDiscoveryResType, now: float) -> Step:
    options = res.payment_options.payment_option or []
    if din.PaymentOptionType.ExternalPayment not in options:
        return Fail(StopReason.NO_USABLE_SERVICE, "the charger offers no external payment (EIM)")
    transfer = _DC.get(res.charge_service.energy_transfer_type)
    if transfer is None:
        offered = res.charge_service.energy_transfer_type.value
        return Fail(StopReason.NO_USABLE_SERVICE, f"the charger offers {offered}, not DC")
    ctx.energy_transfer = transfer
    ctx.service_id = res.charge_service.service_tag.service_id
    return Next(names.SERVICE_PAYMENT_SELECTION)

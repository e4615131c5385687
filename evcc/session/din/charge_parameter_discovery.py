"""DIN ChargeParameterDiscoveryReq/Res: the EV's DC limits out, the charger's limits in."""

from __future__ import annotations

from evcc.messages import din
from evcc.session.charge import Verdict
from evcc.session.din import names
from evcc.session.din.values import DinContext, ev_status, pv, read, verdict
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail, Guard, Next, Repeat, Step

NAME = names.CHARGE_PARAMETER_DISCOVERY
REQUEST = "ChargeParameterDiscoveryReq"
RESPONSE = din.ChargeParameterDiscoveryResType

U = din.UnitSymbolType


def build(ctx: DinContext, now: float) -> din.ChargeParameterDiscoveryReqType:
    status = ctx.status(now)
    return din.ChargeParameterDiscoveryReqType(
        ev_requested_energy_transfer_type=ctx.energy_transfer,
        ev_charge_parameter=din.DC_EVChargeParameterType(
            dc_ev_status=ev_status(status),
            ev_maximum_current_limit=pv(status.max_current, U.A),
            ev_maximum_power_limit=pv(status.max_power, U.W),
            ev_maximum_voltage_limit=pv(status.max_voltage, U.V),
            ev_energy_capacity=pv(status.energy_capacity, U.Wh),
            ev_energy_request=pv(status.energy_request, U.Wh),
            full_soc=status.full_soc,
            bulk_soc=status.bulk_soc,
        ),
    )


def handle(ctx: DinContext, res: din.ChargeParameterDiscoveryResType, now: float) -> Step:
    if res.evse_processing is din.EVSEProcessingType.Ongoing:
        return Repeat(ctx.config.ongoing_interval, Guard.ONGOING)
    param = res.evse_charge_parameter
    if not isinstance(param, din.DC_EVSEChargeParameterType):
        return Fail(StopReason.INVALID_RESPONSE,
                    "ChargeParameterDiscoveryRes without DC_EVSEChargeParameter")
    if verdict(param.dc_evse_status) is Verdict.EMERGENCY:
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, "the charger is not usable")
        return Next(names.SESSION_STOP)
    ctx.evse_max_current = read(param.evse_maximum_current_limit)
    schedules = res.sa_schedules
    if isinstance(schedules, din.SAScheduleListType) and schedules.sa_schedule_tuple:
        ctx.schedule_id = schedules.sa_schedule_tuple[0].sa_schedule_tuple_id
    return Next(names.CABLE_CHECK)

"""ISO-2 ChargeParameterDiscoveryReq/Res: EV limits out; charger limits and schedules in."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.charge import Verdict
from evcc.session.iso2 import names, schedule
from evcc.session.iso2.values import Iso2Context, U, ev_status, pv, read, status_verdict
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail, Guard, Next, Repeat, Step

NAME = names.CHARGE_PARAMETER_DISCOVERY
REQUEST = "ChargeParameterDiscoveryReq"
RESPONSE = iso2.ChargeParameterDiscoveryResType


def build(ctx: Iso2Context, now: float) -> iso2.ChargeParameterDiscoveryReqType:
    status = ctx.status(now)
    param: iso2.AC_EVChargeParameterType | iso2.DC_EVChargeParameterType
    if ctx.config.energy == "ac":
        param = iso2.AC_EVChargeParameterType(
            departure_time=status.departure_time,
            eamount=pv(status.energy_request, U.Wh),
            ev_max_voltage=pv(status.max_voltage, U.V),
            ev_max_current=pv(status.max_current, U.A),
            ev_min_current=pv(status.min_current, U.A),
        )
    else:
        param = iso2.DC_EVChargeParameterType(
            departure_time=status.departure_time,
            dc_ev_status=ev_status(status),
            ev_maximum_current_limit=pv(status.max_current, U.A),
            ev_maximum_power_limit=pv(status.max_power, U.W),
            ev_maximum_voltage_limit=pv(status.max_voltage, U.V),
            ev_energy_capacity=pv(status.energy_capacity, U.Wh),
            ev_energy_request=pv(status.energy_request, U.Wh),
            full_soc=status.full_soc,
            bulk_soc=status.bulk_soc,
        )
    return iso2.ChargeParameterDiscoveryReqType(
        max_entries_sa_schedule_tuple=ctx.config.max_schedule_tuples,
        requested_energy_transfer_mode=ctx.transfer_mode,
        ev_charge_parameter=param,
    )


def handle(ctx: Iso2Context, res: iso2.ChargeParameterDiscoveryResType, now: float) -> Step:
    if res.evse_processing is iso2.EVSEProcessingType.Ongoing:
        return Repeat(ctx.config.ongoing_interval, Guard.ONGOING)
    param = res.evse_charge_parameter
    status: iso2.AC_EVSEStatusType | iso2.DC_EVSEStatusType
    if ctx.config.energy == "ac":
        if not isinstance(param, iso2.AC_EVSEChargeParameterType):
            return Fail(StopReason.INVALID_RESPONSE, "no AC_EVSEChargeParameter for an AC session")
        status = param.ac_evse_status
        ctx.evse_max_current = read(param.evse_max_current)
        ctx.evse_nominal_voltage = read(param.evse_nominal_voltage)
    else:
        if not isinstance(param, iso2.DC_EVSEChargeParameterType):
            return Fail(StopReason.INVALID_RESPONSE, "no DC_EVSEChargeParameter for a DC session")
        status = param.dc_evse_status
        ctx.evse_max_current = read(param.evse_maximum_current_limit)
    if status_verdict(status) in (Verdict.EMERGENCY, Verdict.STOP):
        ctx.end_charging(StopReason.EVSE_EMERGENCY_SHUTDOWN, "the charger is not usable")
        return Next(names.SESSION_STOP)
    schedules = res.sa_schedules
    chosen = schedule.choose(schedules) if isinstance(schedules, iso2.SAScheduleListType) else None
    if chosen is None:
        return Fail(StopReason.NO_USABLE_SCHEDULE, "no SAScheduleTuple with a usable PMaxSchedule")
    ctx.schedule_id, ctx.schedule = chosen
    if ctx.renegotiating or ctx.config.energy == "ac":
        return Next(names.POWER_DELIVERY_START)
    return Next(names.CABLE_CHECK)

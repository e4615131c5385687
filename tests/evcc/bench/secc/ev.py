"""A scripted EV for the bench charger tests: EXI-encoded requests and decoded answers."""

from __future__ import annotations

from typing import Any

from evcc import exi, v2gtp
from evcc.bench.secc import ChargerConfig, SeccCore, SeccEvent
from evcc.messages import app, din, iso2
from evcc.session.dialects import HeaderBodyDialect
from evcc.session.din.dialect import DIN
from evcc.session.iso2.dialect import ISO2

EVCC_ID = bytes.fromhex("020000000e01")
NAMESPACES = {"din": "urn:din:70121:2012:MsgDef", "iso2": "urn:iso:15118:2:2013:MsgDef"}
DIALECTS: dict[str, HeaderBodyDialect] = {"din": DIN, "iso2": ISO2}
UTC = 1_795_470_629


def sap_req(*protocols: str, minor: int = 0) -> bytes:
    req = app.SupportedAppProtocolReq(app_protocol=[
        app.AppProtocolType(protocol_namespace=NAMESPACES[p], version_number_major=2,
                            version_number_minor=minor, schema_id=i + 10, priority=i + 1)
        for i, p in enumerate(protocols)])
    return v2gtp.frame(v2gtp.PayloadType.EXI, exi.encode(req, "app"))


def msg(protocol: str, body: object, session_id: bytes) -> bytes:
    return v2gtp.frame(v2gtp.PayloadType.EXI, DIALECTS[protocol].encode(session_id, body))


def frames(data: bytes) -> list[v2gtp.Frame]:
    return v2gtp.StreamBuffer().feed(data)


def sap_res(data: bytes) -> app.SupportedAppProtocolRes:
    (frame,) = frames(data)
    res = exi.decode(frame.payload, "app")
    assert isinstance(res, app.SupportedAppProtocolRes)
    return res


def answer(protocol: str, data: bytes) -> tuple[bytes, Any]:
    (frame,) = frames(data)
    return DIALECTS[protocol].decode(frame.payload)


def pv(module: Any, value: int, unit: str, multiplier: int = 0) -> Any:
    return module.PhysicalValueType(multiplier=multiplier, unit=module.UnitSymbolType(unit),
                                    value=value)


class ScriptedEv:
    """Drives a :class:`SeccCore` with requests and returns decoded responses."""

    def __init__(self, config: ChargerConfig, protocol: str = "iso2", *,
                 paused_session: bytes | None = None) -> None:
        import random
        self.protocol = protocol
        self.now = 100.0
        self.core = SeccCore(config, self.now, rng=random.Random(7), utc=lambda: UTC,
                             paused_session=paused_session)
        self.session_id = bytes(8)

    def handshake(self, *protocols: str) -> app.SupportedAppProtocolRes:
        self.core.receive(sap_req(*(protocols or (self.protocol,))), self.now)
        return sap_res(b"".join(self.core.bytes_to_send()))

    def send(self, body: object, session_id: bytes | None = None) -> Any:
        self.now += 0.1
        self.core.receive(msg(self.protocol, body, session_id or self.session_id), self.now)
        sid, res = answer(self.protocol, b"".join(self.core.bytes_to_send()))
        if type(res).__name__.startswith("SessionSetupRes"):
            self.session_id = sid
        return res

    def raw(self, body: object) -> bytes:
        self.now += 0.1
        self.core.receive(msg(self.protocol, body, self.session_id), self.now)
        return b"".join(self.core.bytes_to_send())

    def events(self) -> list[SeccEvent]:
        out: list[SeccEvent] = []
        while (event := self.core.next_event()) is not None:
            out.append(event)
        return out


# ---------------------------------------------------------------- DIN requests
def din_status(soc: int = 40) -> din.DC_EVStatusType:
    return din.DC_EVStatusType(ev_ready=True, ev_error_code=din.DC_EVErrorCodeType.NO_ERROR,
                               evresssoc=soc)


def din_cpd() -> din.ChargeParameterDiscoveryReqType:
    return din.ChargeParameterDiscoveryReqType(
        ev_requested_energy_transfer_type=din.EVRequestedEnergyTransferType.DC_extended,
        ev_charge_parameter=din.DC_EVChargeParameterType(
            dc_ev_status=din_status(), ev_maximum_current_limit=pv(din, 200, "A"),
            ev_maximum_voltage_limit=pv(din, 450, "V")))


def din_current_demand(voltage: int = 400, current: int = 100) -> din.CurrentDemandReqType:
    return din.CurrentDemandReqType(dc_ev_status=din_status(), charging_complete=False,
                                    ev_target_current=pv(din, current, "A"),
                                    ev_target_voltage=pv(din, voltage, "V"))


def din_power_delivery(ready: bool) -> din.PowerDeliveryReqType:
    return din.PowerDeliveryReqType(
        ready_to_charge_state=ready,
        ev_power_delivery_parameter=din.DC_EVPowerDeliveryParameterType(
            dc_ev_status=din_status(), charging_complete=not ready))


def din_payment() -> din.ServicePaymentSelectionReqType:
    return din.ServicePaymentSelectionReqType(
        selected_payment_option=din.PaymentOptionType.ExternalPayment,
        selected_service_list=din.SelectedServiceListType(
            selected_service=[din.SelectedServiceType(service_id=1)]))


# ---------------------------------------------------------------- ISO-2 requests
def iso2_status(soc: int = 40) -> iso2.DC_EVStatusType:
    return iso2.DC_EVStatusType(ev_ready=True, ev_error_code=iso2.DC_EVErrorCodeType.NO_ERROR,
                                evresssoc=soc)


def iso2_payment(service_ids: tuple[int, ...] = (1,)) -> iso2.PaymentServiceSelectionReqType:
    return iso2.PaymentServiceSelectionReqType(
        selected_payment_option=iso2.PaymentOptionType.ExternalPayment,
        selected_service_list=iso2.SelectedServiceListType(
            selected_service=[iso2.SelectedServiceType(service_id=i) for i in service_ids]))


def iso2_cpd(energy: str) -> iso2.ChargeParameterDiscoveryReqType:
    if energy == "ac":
        return iso2.ChargeParameterDiscoveryReqType(
            requested_energy_transfer_mode=iso2.EnergyTransferModeType.AC_three_phase_core,
            ev_charge_parameter=iso2.AC_EVChargeParameterType(
                departure_time=3600, eamount=pv(iso2, 20, "Wh", 3),
                ev_max_voltage=pv(iso2, 400, "V"), ev_max_current=pv(iso2, 32, "A"),
                ev_min_current=pv(iso2, 6, "A")))
    return iso2.ChargeParameterDiscoveryReqType(
        requested_energy_transfer_mode=iso2.EnergyTransferModeType.DC_extended,
        ev_charge_parameter=iso2.DC_EVChargeParameterType(
            dc_ev_status=iso2_status(), ev_maximum_current_limit=pv(iso2, 200, "A"),
            ev_maximum_voltage_limit=pv(iso2, 450, "V")))


def iso2_power_delivery(progress: str, tuple_id: int = 1,
                        profile_w: int | None = None) -> iso2.PowerDeliveryReqType:
    profile = None
    if profile_w is not None:
        profile = iso2.ChargingProfileType(profile_entry=[iso2.ProfileEntryType(
            charging_profile_entry_start=0,
            charging_profile_entry_max_power=pv(iso2, profile_w, "W"))])
    return iso2.PowerDeliveryReqType(charge_progress=iso2.ChargeProgressType(progress),
                                     sa_schedule_tuple_id=tuple_id, charging_profile=profile)


def iso2_current_demand(voltage: int = 400, current: int = 100) -> iso2.CurrentDemandReqType:
    return iso2.CurrentDemandReqType(dc_ev_status=iso2_status(), charging_complete=False,
                                     ev_target_current=pv(iso2, current, "A"),
                                     ev_target_voltage=pv(iso2, voltage, "V"))


def iso2_stop(pause: bool = False) -> iso2.SessionStopReqType:
    kind = iso2.ChargingSessionType.Pause if pause else iso2.ChargingSessionType.Terminate
    return iso2.SessionStopReqType(charging_session=kind)

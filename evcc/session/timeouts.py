"""The EV-side timers of the standards, as data (seconds).

Message timeouts (V2G_EVCC_Msg_Timeout) are per request: ISO 15118-2 Table 109 and DIN SPEC
70121 give 2 s for most requests, 5 s for the ones whose answer may need a backend or a
contactor (ServiceDetail, PaymentDetails, PowerDelivery in -2, the certificate requests) and
250 ms in the DC charge loop (CurrentDemand). The sequence timers bound a whole phase:
communication setup (start of the handshake until SessionSetupRes, 20 s), EVSEProcessing=Ongoing
loops (60 s), CableCheck (40 s in -2, 38 s in DIN) and PreCharge (7 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from evcc.session.steps import Guard

__all__ = ["DEFAULT_MSG_TIMEOUT", "DIN", "HANDSHAKE_TIMEOUT", "ISO2", "TABLES", "TimerTable"]

DEFAULT_MSG_TIMEOUT = 2.0
HANDSHAKE_TIMEOUT = 2.0  # SupportedAppProtocolReq, every protocol


@dataclass(frozen=True, slots=True)
class TimerTable:
    """One protocol's EV timers."""

    messages: Mapping[str, float]
    guards: Mapping[Guard, float]
    communication_setup: float = 20.0
    default_message: float = DEFAULT_MSG_TIMEOUT
    scale: float = field(default=1.0)

    def message(self, request: str) -> float:
        """Seconds the EV waits for the response to ``request``."""
        return self.messages.get(request, self.default_message) * self.scale

    def guard(self, guard: Guard) -> float:
        return self.guards[guard]

    def scaled(self, factor: float) -> TimerTable:
        """The same table with every message timeout multiplied (a bench option for slow peers)."""
        if not 1.0 <= factor <= 100.0:
            raise ValueError("message timeout scale must be within [1, 100]")
        return TimerTable(self.messages, self.guards, self.communication_setup,
                          self.default_message, factor)


def _frozen(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(values)


ISO2 = TimerTable(
    messages=_frozen({
        "SupportedAppProtocolReq": HANDSHAKE_TIMEOUT,
        "SessionSetupReq": 2.0,
        "ServiceDiscoveryReq": 2.0,
        "ServiceDetailReq": 5.0,
        "PaymentServiceSelectionReq": 2.0,
        "PaymentDetailsReq": 5.0,
        "AuthorizationReq": 2.0,
        "ChargeParameterDiscoveryReq": 2.0,
        "ChargingStatusReq": 2.0,
        "MeteringReceiptReq": 2.0,
        "PowerDeliveryReq": 5.0,
        "CableCheckReq": 2.0,
        "PreChargeReq": 2.0,
        "CurrentDemandReq": 0.25,
        "WeldingDetectionReq": 2.0,
        "SessionStopReq": 2.0,
        "CertificateInstallationReq": 5.0,
        "CertificateUpdateReq": 5.0,
    }),
    guards=MappingProxyType({Guard.ONGOING: 60.0, Guard.CABLE_CHECK: 40.0, Guard.PRE_CHARGE: 7.0}),
)

DIN = TimerTable(
    messages=_frozen({
        "SupportedAppProtocolReq": HANDSHAKE_TIMEOUT,
        "SessionSetupReq": 2.0,
        "ServiceDiscoveryReq": 2.0,
        "ServicePaymentSelectionReq": 2.0,
        "ContractAuthenticationReq": 2.0,
        "ChargeParameterDiscoveryReq": 2.0,
        "PowerDeliveryReq": 2.0,
        "CableCheckReq": 2.0,
        "PreChargeReq": 2.0,
        "CurrentDemandReq": 0.25,
        "WeldingDetectionReq": 2.0,
        "SessionStopReq": 2.0,
    }),
    guards=MappingProxyType({Guard.ONGOING: 60.0, Guard.CABLE_CHECK: 38.0, Guard.PRE_CHARGE: 7.0}),
)

TABLES: Mapping[str, TimerTable] = MappingProxyType({"din": DIN, "iso2": ISO2})

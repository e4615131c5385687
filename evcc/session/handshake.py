"""SupportedAppProtocol (ISO 15118-2 §8.2, -20 §8.3.1): offer protocols in order, read the choice.

The EV lists the protocols it speaks, most preferred first (priority 1 is the highest), each
with a SchemaID of its own choosing. The SECC answers with the SchemaID it picked, or
``Failed_NoNegotiation``. ``OK_SuccessfulNegotiationWithMinorDeviation`` means the SECC speaks
another minor version of that protocol; the session goes on and the deviation is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from evcc.messages.app import (
    AppProtocolType,
    ResponseCodeType,
    SupportedAppProtocolReq,
    SupportedAppProtocolRes,
)
from evcc.session.events import ProtocolAgreed
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail

__all__ = ["PROTOCOLS", "AppProtocol", "Offer", "build_request", "evaluate", "offer"]


@dataclass(frozen=True, slots=True)
class AppProtocol:
    """One protocol the EV can offer."""

    name: str
    namespace: str
    major: int
    minor: int


PROTOCOLS = MappingProxyType({
    p.name: p
    for p in (
        AppProtocol("din", "urn:din:70121:2012:MsgDef", 2, 0),
        AppProtocol("iso2", "urn:iso:15118:2:2013:MsgDef", 2, 0),
        AppProtocol("iso20-ac", "urn:iso:std:iso:15118:-20:AC", 1, 0),
        AppProtocol("iso20-dc", "urn:iso:std:iso:15118:-20:DC", 1, 0),
        AppProtocol("iso20-wpt", "urn:iso:std:iso:15118:-20:WPT", 1, 0),
        AppProtocol("iso20-acdp", "urn:iso:std:iso:15118:-20:ACDP", 1, 0),
    )
})

_MAX_OFFERED = 20  # AppProtocol maxOccurs


@dataclass(frozen=True, slots=True)
class Offer:
    """What was offered: SchemaID -> protocol, in preference order."""

    protocols: tuple[AppProtocol, ...]

    def schema_id(self, protocol: AppProtocol) -> int:
        return self.protocols.index(protocol) + 1


def offer(preference: Sequence[str]) -> Offer:
    """The offer for protocol names in preference order (unknown or repeated names refused)."""
    if not preference:
        raise ValueError("at least one protocol must be offered")
    if len(preference) > _MAX_OFFERED:
        raise ValueError(f"at most {_MAX_OFFERED} protocols can be offered")
    if len(set(preference)) != len(preference):
        raise ValueError("a protocol is named twice in the preference")
    unknown = [p for p in preference if p not in PROTOCOLS]
    if unknown:
        raise ValueError(f"unknown protocol {unknown[0]!r}; known: {', '.join(PROTOCOLS)}")
    return Offer(tuple(PROTOCOLS[p] for p in preference))


def build_request(made: Offer) -> SupportedAppProtocolReq:
    """SupportedAppProtocolReq: SchemaIDs 1..n and priorities 1..n in preference order."""
    return SupportedAppProtocolReq(app_protocol=[
        AppProtocolType(
            protocol_namespace=p.namespace,
            version_number_major=p.major,
            version_number_minor=p.minor,
            schema_id=made.schema_id(p),
            priority=made.schema_id(p),
        )
        for p in made.protocols
    ])


def evaluate(
    made: Offer, res: SupportedAppProtocolRes
) -> tuple[AppProtocol, ProtocolAgreed] | Fail:
    """The protocol the SECC chose, or why the session cannot go on."""
    # Non-strict EXI lets schema-deviating content through as untyped strings: check types.
    if not isinstance(res.response_code, ResponseCodeType):
        return Fail(StopReason.INVALID_RESPONSE, "SupportedAppProtocolRes without a ResponseCode")
    if res.schema_id is not None and not isinstance(res.schema_id, int):
        return Fail(StopReason.INVALID_RESPONSE, "SupportedAppProtocolRes SchemaID is not a number")
    if res.response_code is ResponseCodeType.Failed_NoNegotiation:
        offered = ", ".join(p.name for p in made.protocols)
        return Fail(StopReason.NO_COMMON_PROTOCOL, f"the SECC speaks none of: {offered}")
    if res.schema_id is None:
        return Fail(StopReason.INVALID_RESPONSE, "SupportedAppProtocolRes OK without a SchemaID")
    if not 1 <= res.schema_id <= len(made.protocols):
        return Fail(StopReason.SAP_SCHEMA_UNKNOWN,
                    f"the SECC chose SchemaID {res.schema_id}, which the EV did not offer")
    chosen = made.protocols[res.schema_id - 1]
    deviation = res.response_code is ResponseCodeType.OK_SuccessfulNegotiationWithMinorDeviation
    return chosen, ProtocolAgreed(chosen.name, chosen.namespace, res.schema_id, deviation)

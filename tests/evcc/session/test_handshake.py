"""SupportedAppProtocol offer and choice; the timer tables."""

from __future__ import annotations

import pytest

from evcc import exi
from evcc.messages import app
from evcc.session import handshake, timeouts
from evcc.session.events import ProtocolAgreed
from evcc.session.reasons import StopReason
from evcc.session.steps import Fail, Guard


def test_offer_in_preference_order_with_schema_ids_and_priorities() -> None:
    made = handshake.offer(["iso2", "din", "iso20-dc"])
    req = handshake.build_request(made)
    rows = [(p.protocol_namespace, p.version_number_major, p.version_number_minor, p.schema_id,
             p.priority) for p in req.app_protocol]
    assert rows == [
        ("urn:iso:15118:2:2013:MsgDef", 2, 0, 1, 1),
        ("urn:din:70121:2012:MsgDef", 2, 0, 2, 2),
        ("urn:iso:std:iso:15118:-20:DC", 1, 0, 3, 3),
    ]
    assert exi.decode(exi.encode(req, "app"), "app") == req


@pytest.mark.parametrize("bad", [[], ["iso2", "iso2"], ["iso3"], ["din"] * 21])
def test_offer_refuses_bad_preferences(bad: list[str]) -> None:
    with pytest.raises(ValueError):
        handshake.offer(bad)


def test_evaluate_choice_and_refusals() -> None:
    made = handshake.offer(["iso2", "din"])
    ok = app.ResponseCodeType.OK_SuccessfulNegotiation
    chosen = handshake.evaluate(made, app.SupportedAppProtocolRes(response_code=ok, schema_id=2))
    assert not isinstance(chosen, Fail)
    protocol, agreed = chosen
    assert protocol.name == "din"
    assert agreed == ProtocolAgreed("din", "urn:din:70121:2012:MsgDef", 2, False)
    unknown = StopReason.SAP_SCHEMA_UNKNOWN
    for schema_id, reason in ((0, unknown), (3, unknown), (None, StopReason.INVALID_RESPONSE)):
        res = app.SupportedAppProtocolRes(response_code=ok, schema_id=schema_id)
        refused = handshake.evaluate(made, res)
        assert isinstance(refused, Fail) and refused.reason is reason


def test_timer_tables() -> None:
    assert timeouts.ISO2.message("CurrentDemandReq") == 0.25
    assert timeouts.ISO2.message("PowerDeliveryReq") == 5.0
    assert timeouts.DIN.message("PowerDeliveryReq") == 2.0
    assert timeouts.ISO2.message("SomethingElseReq") == 2.0
    assert timeouts.ISO2.guard(Guard.CABLE_CHECK) == 40.0
    assert timeouts.DIN.guard(Guard.CABLE_CHECK) == 38.0
    assert timeouts.ISO2.guard(Guard.PRE_CHARGE) == 7.0
    slow = timeouts.ISO2.scaled(4.0)
    assert slow.message("CurrentDemandReq") == 1.0
    assert slow.guard(Guard.ONGOING) == 60.0  # sequence timers are not scaled
    with pytest.raises(ValueError):
        timeouts.ISO2.scaled(0.5)


def test_schema_deviating_handshake_answer_is_refused() -> None:
    # Non-strict EXI: <ResponseCode/> and <SchemaID/> without typed content decode as strings.
    res = exi.decode(bytes.fromhex("804b021000"), "app")
    assert isinstance(res, app.SupportedAppProtocolRes)
    refused = handshake.evaluate(handshake.offer(["din"]), res)
    assert isinstance(refused, Fail) and refused.reason is StopReason.INVALID_RESPONSE

"""Property tests: random valid messages of every message type round-trip; bad values fail."""

from __future__ import annotations

import random
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evcc import exi
from evcc.errors import ExiEncodeError
from evcc.exi._bits import MAX_UINT_BITS
from tests.evcc.exi._random_messages import (
    Unsupported,
    WideRandom,
    build,
    message_roots,
)

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _round_trip(msg: object, grammar: str) -> None:
    data = exi.encode(msg, grammar)
    back = exi.decode(data, grammar)
    assert back == msg
    assert exi.encode(back, grammar) == data
    xml = exi.to_xml(msg)
    assert exi.from_xml(xml, grammar) == msg


@pytest.mark.parametrize("grammar", exi.GRAMMAR_NAMES)
@SETTINGS
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_messages_round_trip(grammar: str, seed: int) -> None:
    g = exi.grammar_module(grammar)
    rng = random.Random(seed)
    done = 0
    for _label, make in message_roots(g):
        try:
            msg = make(rng)
        except Unsupported:
            continue
        _round_trip(msg, grammar)
        done += 1
    assert done > 0


def test_every_message_type_is_covered() -> None:
    g = exi.grammar_module("iso2")
    labels = {label for label, _ in message_roots(g)}
    assert {"CurrentDemandReq", "CertificateInstallationRes", "AuthorizationReq"} <= labels
    g20 = exi.grammar_module("iso20-dc")
    assert "DC_ChargeLoopReq" in {label for label, _ in message_roots(g20)}


def _physical_value(**over: object) -> object:
    g = exi.grammar_module("iso2")
    fields = {"multiplier": 0, "unit": g.UnitSymbolType.A, "value": 10}
    fields.update(over)
    return g.PhysicalValueType(**fields)


def _fragment(obj: object) -> bytes:
    return exi.encode(exi.Named(("urn:iso:15118:2:2013:MsgBody", "EVTargetCurrent"), obj),
                      "iso2", fragment=True)


def test_in_facet_values_encode() -> None:
    _fragment(_physical_value(multiplier=3, value=-32768))


@pytest.mark.parametrize(
    "over",
    [
        {"multiplier": 4},  # n-bit range -3..3
        {"multiplier": -4},
        {"value": 32768},  # xs:short
        {"value": "10"},  # wrong type
        {"unit": "furlong"},  # enumeration
        {"multiplier": True},  # booleans are not integers
    ],
)
def test_out_of_facet_values_raise(over: dict[str, object]) -> None:
    with pytest.raises(ExiEncodeError):
        _fragment(_physical_value(**over))


@SETTINGS
@given(n=st.integers(min_value=9, max_value=40))
def test_length_facets(n: int) -> None:
    g = exi.grammar_module("iso2")
    msg = g.V2G_Message(header=g.MessageHeaderType(session_id=bytes(n)),
                        body=g.BodyType(body_element=g.SessionStopReqType(
                            charging_session=g.ChargingSessionType.Terminate)))
    with pytest.raises(ExiEncodeError, match="maxLength"):
        exi.encode(msg, "iso2")
    assert exi.encode(msg, "iso2", validate=False)


def test_missing_required_field_and_wrong_order() -> None:
    g = exi.grammar_module("app")
    bad = g.SupportedAppProtocolReq(app_protocol=[g.AppProtocolType(
        protocol_namespace="urn:x", version_number_major=2, version_number_minor=0,
        schema_id=1, priority=1)] * 21)
    with pytest.raises(ExiEncodeError):
        exi.encode(bad, "app")
    with pytest.raises(ExiEncodeError):
        exi.encode(object(), "app")


def test_builder_produces_values_inside_facets() -> None:
    g = exi.grammar_module("iso20-dc")
    rng = random.Random(5)
    msg = build(g, "DC_ChargeLoopReqType", rng)
    assert exi.decode(exi.encode(msg, "iso20-dc"), "iso20-dc") == msg


def _unbounded_owners(g: ModuleType) -> list[str]:
    """Classes of a grammar with an unbounded integer among their own values."""
    model: dict[str, tuple[object, ...]] = g.MODEL
    return sorted(c for c, m in model.items()
                  if "('int', None, None" in repr(m) or "('uint', 0, None" in repr(m))


WIDE = st.one_of(
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 1, 2**159 + 7, -(2**63),
                     -(2**63) - 1, -(2**64) - 1]),
    st.integers(min_value=2**64, max_value=2**MAX_UINT_BITS - 1),
    st.integers(min_value=-(2**MAX_UINT_BITS), max_value=-(2**64)),
)


@pytest.mark.parametrize("grammar", exi.GRAMMAR_NAMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide=WIDE, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_unbounded_integers_round_trip(grammar: str, wide: int, seed: int) -> None:
    g = exi.grammar_module(grammar)
    owners = _unbounded_owners(g)
    if grammar == "app":
        assert owners == []  # SAP has no unbounded integer type
        return
    assert owners
    for cname in owners:
        qn = next(q for q, spec in g.ELEMENT_SPECS.items() if spec == f"class:{cname}")
        for k in range(50):  # optional content: draw until the wide value is in
            obj = build(g, cname, WideRandom(seed + k, wide))
            if str(wide) in repr(obj):
                break
        else:
            pytest.fail(f"{cname}: no instance with an unbounded integer")
        msg = exi.Named(qn, obj)
        data = exi.encode(msg, grammar, fragment=True)
        back = exi.decode(data, grammar, fragment=True)
        assert str(wide) in repr(back)
        assert exi.encode(back, grammar, fragment=True) == data
        assert exi.from_xml(exi.to_xml(msg), grammar, fragment=True) == back


def test_integers_beyond_the_limit_do_not_encode() -> None:
    g = exi.grammar_module("xmldsig")
    too_wide = g.SignatureMethodType(algorithm="urn:x", content=[(
        "{http://www.w3.org/2000/09/xmldsig#}HMACOutputLength", 1 << MAX_UINT_BITS)])
    with pytest.raises(ExiEncodeError, match="bits"):
        exi.encode(exi.Named(("http://www.w3.org/2000/09/xmldsig#", "SignatureMethod"),
                             too_wide), "xmldsig", fragment=True)

"""Short fuzz campaign per grammar: only ExiDecodeError escapes, nothing hangs."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evcc import exi
from evcc.errors import ExiDecodeError, ExiError
from tests.evcc.exi._vectors import SCHEMA_GRAMMAR, exi_vectors, vectors_dir
from tests.evcc.exi.fuzz_campaign import check_one, mutate

ITERATIONS = 1500


def _seeds(grammar: str) -> list[bytes]:
    if vectors_dir() is None:
        return []
    return [bytes.fromhex(v["hex"]) for v in exi_vectors()
            if SCHEMA_GRAMMAR[v["schema"]] == grammar]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("grammar", exi.GRAMMAR_NAMES)
def test_mutated_and_random_streams(grammar: str) -> None:
    rng = random.Random(f"exi-fuzz-{grammar}")
    seeds = _seeds(grammar) or [b"\x80"]
    seen = {"ok": 0, "rejected": 0}
    for i in range(ITERATIONS):
        data = mutate(rng, rng.choice(seeds))
        seen[check_one(data, grammar, fragment=i % 5 == 0)] += 1
    assert seen["rejected"] > 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), grammar=st.sampled_from(exi.GRAMMAR_NAMES),
       fragment=st.booleans())
def test_arbitrary_bytes(data: bytes, grammar: str, fragment: bool) -> None:
    try:
        exi.decode(b"\x80" + data, grammar, fragment)
    except ExiDecodeError as exc:
        assert exc.bit_position >= -1


def test_absurd_lengths_are_bounded_by_the_stream() -> None:
    # SessionSetupReq with an EVCCID claiming 2**60 bytes
    with pytest.raises(ExiDecodeError):
        exi.decode(bytes.fromhex("809a0011d0") + b"\xff" * 9 + b"\x0f", "din")
    # a huge string length in the SAP ProtocolNamespace
    with pytest.raises(ExiDecodeError):
        exi.decode(b"\x80\x00" + b"\xff" * 20, "app")


def test_wrong_header_and_type() -> None:
    with pytest.raises(ExiDecodeError):
        exi.decode(b"\x81\x00", "app")
    with pytest.raises(ExiDecodeError):
        exi.decode(b"", "app")
    with pytest.raises(ExiDecodeError):
        exi.decode("80", "app")  # type: ignore[arg-type]


_XML_SEEDS = [
    '<ns1:supportedAppProtocolRes xmlns:ns1="urn:iso:15118:2:2010:AppProtocol">'
    "<ResponseCode>OK_SuccessfulNegotiation</ResponseCode><SchemaID>1</SchemaID>"
    "</ns1:supportedAppProtocolRes>",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=400), junk=st.text(max_size=20),
       grammar=st.sampled_from(["app", "iso2", "xmldsig"]), fragment=st.booleans())
def test_from_xml_only_raises_typed_errors(cut: int, junk: str, grammar: str,
                                           fragment: bool) -> None:
    seed = _XML_SEEDS[0]
    text = seed[:cut] + junk + seed[cut:]
    with contextlib.suppress(ExiError):
        exi.from_xml(text, grammar, fragment)


def test_from_xml_deep_nesting_is_typed() -> None:
    deep = "<a>" * 5000 + "</a>" * 5000
    with pytest.raises(ExiError):
        exi.from_xml(deep, "app")


def test_named_simple_root_uses_its_lexical_form() -> None:
    qn = ("http://www.w3.org/2000/09/xmldsig#", "DigestValue")
    data = exi.encode(exi.Named(qn, b"\x01\x02\xff"), "xmldsig", fragment=True)
    back = exi.decode(data, "xmldsig", fragment=True)
    assert back == exi.Named(qn, b"\x01\x02\xff")
    xml = exi.to_xml(back)
    assert ">AQL/<" in xml
    assert exi.from_xml(xml, "xmldsig", fragment=True) == back


@pytest.mark.parametrize(
    "msg",
    [None, 42, "text", b"\x80", [], {"a": 1}, exi.Named(("x", "y"), 1),
     exi.AnyElement(("", "x"), children=[object()])],
)
def test_encode_rejects_non_messages_with_typed_errors(msg: object) -> None:
    for grammar in ("app", "iso2"):
        for fragment in (False, True):
            with pytest.raises(ExiError):
                exi.encode(msg, grammar, fragment)


def test_encode_rejects_broken_objects() -> None:
    g = exi.grammar_module("iso2")
    msg = exi.decode(bytes.fromhex("809802000000000000000011d01811959401930c00"), "iso2")
    msg.body.body_element = g.SessionSetupReqType(evccid=12345)  # wrong type
    with pytest.raises(ExiError):
        exi.encode(msg, "iso2")
    msg.body = None
    with pytest.raises(ExiError, match="missing body"):
        exi.encode(msg, "iso2")
    assert exi.encode(msg, "iso2", validate=False)  # non-strict: undeclared EE
    msg.header = "x"
    with pytest.raises(ExiError):
        exi.encode(msg, "iso2")


def test_unknown_grammar() -> None:
    with pytest.raises(ExiError):
        exi.decode(b"\x80", "iso3")

"""Every shared EXI vector decodes, re-encodes byte-identically and matches the reference XML.

One loop per grammar (not one pytest item per vector) keeps the run short; a failure lists
every offending vector index.
"""

from __future__ import annotations

import collections

import pytest

from evcc import exi
from evcc.errors import ExiDecodeError, ExiEncodeError
from tests.evcc.exi._vectors import NS_GRAMMAR, SCHEMA_GRAMMAR, canonical, exi_vectors, josev_rows

GRAMMARS = ["app", "din", "iso2", "iso20-common", "iso20-ac", "iso20-dc", "xmldsig"]

#: Vectors the reference decoder rejects; ours must reject them too (vectors README).
NEGATIVE = {1477, 1486, 1488}
#: SE(*) deviation root with xsi:type: it decodes (non-strict) and re-encodes, but its XML
#: form (a prefixed xsi:type value) does not map back to the same untyped element.
XML_ONE_WAY = {1482}
#: Real captures with fields outside the XSD length facets: they re-encode only without
#: facet validation, and the default encode rejects them.
OUT_OF_FACET = {1514, 1528, 1530, 1567}


def _expected_bytes(entry: dict[str, object]) -> bytes:
    check = str(entry["reference_check"])
    if "re-encode DIFFERS: " in check:
        return bytes.fromhex(check.split("re-encode DIFFERS: ", 1)[1].split(maxsplit=1)[0])
    return bytes.fromhex(str(entry["hex"]))


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_exi_vectors_round_trip(grammar: str) -> None:
    failures = []
    count: collections.Counter[str] = collections.Counter()
    for index, entry in enumerate(exi_vectors()):
        if SCHEMA_GRAMMAR[entry["schema"]] != grammar:
            continue
        count["total"] += 1
        data = bytes.fromhex(entry["hex"])
        fragment = entry["grammar"] == "fragment"
        if index in NEGATIVE:
            assert entry["reference_check"].startswith("EXIficient decode FAILED")
            try:
                exi.decode(data, grammar, fragment)
            except ExiDecodeError:
                count["rejected"] += 1
            else:
                failures.append((index, "negative vector decoded"))
            continue
        try:
            msg = exi.decode(data, grammar, fragment)
        except ExiDecodeError as exc:
            failures.append((index, f"decode: {exc}"))
            continue
        out = exi.encode(msg, grammar, fragment, validate=False)
        if out != _expected_bytes(entry):
            failures.append((index, f"re-encode {out.hex()} != {entry['hex']}"))
            continue
        if index in OUT_OF_FACET:
            with pytest.raises(ExiEncodeError):
                exi.encode(msg, grammar, fragment)
        else:
            assert exi.encode(msg, grammar, fragment) == out
        count["identical"] += 1
        if entry["decoded_xml"] is not None:
            xml = exi.to_xml(msg)
            if canonical(xml) != canonical(entry["decoded_xml"]):
                failures.append((index, "to_xml differs from decoded_xml"))
                continue
            count["xml"] += 1
            if index not in XML_ONE_WAY and exi.from_xml(xml, grammar, fragment) != msg:
                failures.append((index, "from_xml(to_xml(msg)) != msg"))
    print(f"{grammar}: {dict(count)}")
    assert count["total"] > 0
    assert not failures, failures[:20]
    assert count["identical"] + count["rejected"] == count["total"]


def test_vector_counts() -> None:
    assert len(exi_vectors()) == 1585
    assert len(josev_rows()) == 355


@pytest.mark.parametrize("grammar", sorted(set(NS_GRAMMAR.values())))
def test_josev_sessions_round_trip(grammar: str) -> None:
    failures = []
    n = 0
    for row in josev_rows():
        if NS_GRAMMAR[row["ns"]] != grammar:
            continue
        n += 1
        data = bytes.fromhex(row["exi"])
        fragment = row["kind"] != "message"
        msg = exi.decode(data, grammar, fragment)
        out = exi.encode(msg, grammar, fragment, validate=False)
        if out != data:
            failures.append((row["line"], out.hex()))
        elif exi.from_xml(exi.to_xml(msg), grammar, fragment) != msg:
            failures.append((row["line"], "xml round trip"))
    assert n > 0
    assert not failures, failures[:20]


def test_tolerance_cases() -> None:
    v = exi_vectors()
    # CH with length 0 and undeclared EE both decode as an empty EVCCID
    received = exi.decode(bytes.fromhex(v[1290]["hex"]), "din")
    assert received.body.body_element.evccid == b""
    exif = _expected_bytes(v[1290])
    assert exi.decode(exif, "din") == received
    # trailing 0x00 after ED is ignored
    tesla = bytes.fromhex(v[1383]["hex"])
    assert exi.decode(tesla, "din") == exi.decode(tesla[:-1], "din")
    # truncated streams are rejected with a bit position
    with pytest.raises(ExiDecodeError) as info:
        exi.decode(bytes.fromhex(v[1476]["hex"])[:-3], "iso20-ac")
    assert info.value.bit_position >= 0


def test_signed_info_grammars_differ() -> None:
    v = exi_vectors()
    si = exi.decode(bytes.fromhex(v[1485]["hex"]), "iso2", fragment=True)
    assert type(si).__name__ == "SignedInfoType"
    with pytest.raises(ExiDecodeError):
        exi.decode(bytes.fromhex(v[1485]["hex"]), "xmldsig", fragment=True)


@pytest.mark.parametrize(
    ("hex_", "value"),
    [
        ("805520", ""),  # <ResponseCode xsi:nil="true"/>
        ("805080", ""),  # <ResponseCode/> (undeclared EE)
        ("805c0a8cdedf10", "Foo"),  # <ResponseCode>Foo</ResponseCode> (untyped CH)
    ],
)
def test_second_level_deviations(hex_: str, value: str) -> None:
    msg = exi.decode(bytes.fromhex(hex_), "app")
    assert msg.response_code == value
    assert msg.schema_id is None

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


# Lists filled to maxOccurs: after the last allowed item the element is no longer a
# production, so EE takes fewer bits (EXI 8.5.4.1.4). These bytes were produced by our
# encoder and decoded and re-encoded byte-identically by stock EXIficient loading
# ../shared/schemas (the reference setup of the vectors README).
FULL_LIST_SAP_20 = (
    "80003bab9371d3c0020000000000775726e3a780040000080800eeae4dc74f00080000202001dd5c9b8e9e"
    "00100000606003bab9371d3c0020000101000775726e3a780040000282800eeae4dc74f00080000606001dd"
    "5c9b8e9e00100000e0e003bab9371d3c0020000202000775726e3a780040000484800eeae4dc74f00080000"
    "a0a001dd5c9b8e9e00100001616003bab9371d3c0020000303000775726e3a780040000686800eeae4dc74f"
    "00080000e0e001dd5c9b8e9e00100001e1e003bab9371d3c0020000404000775726e3a780040000888800ee"
    "ae4dc74f00080001212001dd5c9b8e9e001000026260"
)
FULL_LIST_PROFILE_24 = (
    "80980200000000000000001150000000018a1d00e20020c50e807100206287403880183143a01c401018a1d"
    "00e200a0c50e807100606287403880383143a01c402018a1d00e20120c50e807100a06287403880583143a0"
    "1c403018a1d00e201a0c50e807100e06287403880783143a01c404018a1d00e20220c50e807101206287403"
    "880983143a01c405018a1d00e202a0c50e807101606287403880b83143a01c500"
)


def test_lists_filled_to_max_occurs() -> None:
    app = exi.grammar_module("app")
    sap = app.SupportedAppProtocolReq(app_protocol=[
        app.AppProtocolType(protocol_namespace="urn:x", version_number_major=2,
                            version_number_minor=0, schema_id=i, priority=1 + i)
        for i in range(20)])
    assert exi.encode(sap, "app").hex() == FULL_LIST_SAP_20
    assert exi.decode(bytes.fromhex(FULL_LIST_SAP_20), "app") == sap
    with pytest.raises(ExiEncodeError):
        exi.encode(app.SupportedAppProtocolReq(app_protocol=sap.app_protocol * 2), "app")
    g = exi.grammar_module("iso2")
    profile = g.ChargingProfileType(profile_entry=[
        g.ProfileEntryType(charging_profile_entry_start=i,
                           charging_profile_entry_max_power=g.PhysicalValueType(
                               multiplier=0, unit=g.UnitSymbolType.W, value=1000))
        for i in range(24)])
    msg = g.V2G_Message(header=g.MessageHeaderType(session_id=bytes(8)),
                        body=g.BodyType(body_element=g.PowerDeliveryReqType(
                            charge_progress=g.ChargeProgressType.Start,
                            sa_schedule_tuple_id=1, charging_profile=profile)))
    assert exi.encode(msg, "iso2").hex() == FULL_LIST_PROFILE_24
    assert exi.decode(bytes.fromhex(FULL_LIST_PROFILE_24), "iso2") == msg

"""The typed codec objects: one per grammar set, typed roots, typed errors, the cache."""

from __future__ import annotations

from typing import Any

import pytest

from evcc import exi
from evcc.errors import ExiDecodeError, ExiEncodeError
from evcc.messages import iso2, iso20_common, iso20_dc, xmldsig
from tests.evcc.exi._vectors import SCHEMA_GRAMMAR, exi_vectors

CODECS: dict[str, exi.Codec[Any]] = {
    "app": exi.APP, "din": exi.DIN, "iso2": exi.ISO2,
    "iso20-common": exi.ISO20_COMMON, "iso20-ac": exi.ISO20_AC,
    "iso20-dc": exi.ISO20_DC, "iso20-wpt": exi.ISO20_WPT,
    "iso20-acdp": exi.ISO20_ACDP, "xmldsig": exi.XMLDSIG,
}


def test_one_codec_per_grammar_name() -> None:
    assert sorted(CODECS) == sorted(exi.GRAMMAR_NAMES)
    for name, codec in CODECS.items():
        assert codec.name == name
        assert name == codec.module.GRAMMAR


def test_every_document_vector_through_its_typed_codec() -> None:
    done = 0
    for v in exi_vectors():
        if v["grammar"] != "document" or v["reference_check"].startswith(
                "EXIficient decode FAILED"):
            continue
        codec = CODECS[SCHEMA_GRAMMAR[v["schema"]]]
        data = bytes.fromhex(v["hex"])
        msg = codec.decode(data)
        assert isinstance(msg, codec.module.MESSAGE_TYPES)
        assert msg == exi.decode(data, codec.name)
        assert codec.encode(msg, validate=False) == exi.encode(msg, codec.name, validate=False)
        done += 1
    assert done > 1500


def test_typed_iso2_session_code() -> None:
    v = next(v for v in exi_vectors()
             if v["message"] == "CurrentDemandReq" and v["grammar"] == "document"
             and v["schema"].startswith("iso15118_2"))
    msg: iso2.V2G_Message = exi.ISO2.decode(bytes.fromhex(v["hex"]))
    body = msg.body.body_element
    assert isinstance(body, iso2.CurrentDemandReqType)
    session_id: bytes = msg.header.session_id
    again = iso2.V2G_Message(header=iso2.MessageHeaderType(session_id=session_id),
                             body=iso2.BodyType(body_element=body))
    assert exi.ISO2.decode(exi.ISO2.encode(again)) == again


def test_a_non_message_root_is_a_typed_decode_error() -> None:
    # an xmldsig global element as the document of the ISO-2 grammar set
    sig = exi.XMLDSIG.module.DOC_INDEX[("http://www.w3.org/2000/09/xmldsig#",
                                        "SignatureValue")]
    assert sig >= 0
    value = exi.Named(("http://www.w3.org/2000/09/xmldsig#", "SignatureValue"),
                      xmldsig.SignatureValueType(value=b"\x01\x02"))
    data = exi.encode(value, "iso2")
    with pytest.raises(ExiDecodeError, match="not a iso2 message"):
        exi.ISO2.decode(data)
    assert exi.decode(data, "iso2") == value.value  # the untyped entry point gives it


def test_signed_info_fragment_round_trip() -> None:
    info = xmldsig.SignedInfoType(
        canonicalization_method=xmldsig.CanonicalizationMethodType(algorithm="urn:c"),
        signature_method=xmldsig.SignatureMethodType(algorithm="urn:s"),
        reference=[xmldsig.ReferenceType(uri="#a", digest_method=xmldsig.DigestMethodType(
            algorithm="urn:d"), digest_value=bytes(32))])
    data = exi.XMLDSIG.encode_fragment(info)
    assert data == exi.encode(info, "xmldsig", fragment=True)
    back: xmldsig.SignedInfoType = exi.XMLDSIG.decode_element(data, xmldsig.SignedInfoType)
    assert back == info
    assert exi.XMLDSIG.decode_fragment(data) == [info]
    with pytest.raises(ExiDecodeError, match="not one ReferenceType"):
        exi.XMLDSIG.decode_element(data, xmldsig.ReferenceType)


def test_common_types_mix_between_iso20_codecs() -> None:
    header = iso20_common.MessageHeaderType(session_id=bytes(8), time_stamp=2**40)
    req = iso20_dc.DC_WeldingDetectionReqType(header=header,
                                              ev_processing=iso20_dc.ProcessingType.Finished)
    data = exi.ISO20_DC.encode(req)
    back = exi.ISO20_DC.decode(data)
    assert back == req
    assert isinstance(back, iso20_dc.DC_WeldingDetectionReqType)
    assert type(back.header) is iso20_common.MessageHeaderType


@pytest.mark.parametrize("data", [b"", b"\x81", b"\x80", b"\x80\x98", b"\x80\x98\x02\x10\x50"])
def test_broken_input_gives_typed_errors(data: bytes) -> None:
    with pytest.raises(ExiDecodeError):
        exi.ISO2.decode(data)


def test_wrong_objects_give_typed_encode_errors() -> None:
    with pytest.raises(ExiEncodeError):
        exi.ISO2.encode(iso2.V2G_Message(header=None, body=None))  # type: ignore[arg-type]
    with pytest.raises(ExiEncodeError):
        exi.APP.encode_fragment([])


def test_the_cache_can_be_reset() -> None:
    data = bytes.fromhex(next(v["hex"] for v in exi_vectors()
                              if v["message"] == "CurrentDemandReq"
                              and v["schema"].startswith("iso15118_2")))
    before = exi.grammar_module("iso2")
    msg = exi.ISO2.decode(data)
    exi.reset_cache()
    assert exi.grammar_module("iso2") is before  # the module stays imported
    assert exi.ISO2.decode(exi.ISO2.encode(msg)) == msg


def _first_dc_message(data: bytes) -> iso20_dc.Message:
    """``Message`` of evcc.messages is the codec's type parameter."""
    return exi.ISO20_DC.decode(data)


def test_message_unions_are_the_codec_types() -> None:
    req = iso20_dc.DC_WeldingDetectionReqType(
        header=iso20_common.MessageHeaderType(session_id=bytes(8), time_stamp=1),
        ev_processing=iso20_dc.ProcessingType.Ongoing)
    assert _first_dc_message(exi.ISO20_DC.encode(req)) == req
    assert iso20_dc.DC_WeldingDetectionReqType in exi.ISO20_DC.module.MESSAGE_TYPES

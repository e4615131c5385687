"""XMLDSig over EXI against the real Hubject-QA CertificateInstallationRes and our own keys."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from evcc import exi
from evcc.errors import ExiSignatureError
from evcc.exi import signing
from tests.evcc.exi._vectors import exi_vectors, fixtures_dir


def _fixture(name: str) -> bytes:
    path = fixtures_dir()
    if path is None:
        print("Hubject fixture not found under ../shared/fixtures")
        pytest.skip("fixture ../shared/fixtures/opcp_certificate_installation absent")
    return (Path(path) / name).read_bytes()


def _p256_verifier(cert_der: bytes) -> signing.Verifier:
    key = x509.load_der_x509_certificate(cert_der).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)

    def verify(data: bytes, sig: bytes) -> bool:
        der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                         int.from_bytes(sig[32:], "big"))
        try:
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    return verify


EXPECTED = {  # fixture README: Id -> (fragment prefix, fragment length, SHA-256)
    "ID2": ("802202a4a219", 57,
            "5d1d5f6a9f3b91e7c4d0dea90065cddfc4b8d922a46358aa891c47162caa53c1"),
    "ID1": ("80210152510c", 1798,
            "7f97a15384f79ad3814fa455f6a3e834d3a58b5255fbeea5e90e7532eacfea41"),
    "ID4": ("80ec0202a4a2", 26,
            "516c9d1eb395c6d06101a21b8566804529aefefad96f5cf6ec8fe8be4226bd09"),
    "ID3": ("802d02a4a219", 74,
            "11b642c84f56bae887e238abb07524fbd4421fca6b9e02e4f4cfe1df2b2cf7bf"),
}


def test_hubject_certificate_installation_res() -> None:
    msg = exi.decode(_fixture("res.exi.bin"), "iso2")
    res = msg.body.body_element
    assert type(res).__name__ == "CertificateInstallationResType"
    assert res.emaid.value == "EMP99CQAPAB004"
    refs = msg.header.signature.signed_info.reference
    assert [r.uri for r in refs] == ["#ID2", "#ID1", "#ID4", "#ID3"]
    ids = signing.find_ids(msg, "iso2")
    for ref in refs:
        ident = ref.uri[1:]
        frag = signing.element_fragment(ids[ident], "iso2")
        prefix, length, digest = EXPECTED[ident]
        assert frag.hex().startswith(prefix)
        assert len(frag) == length
        assert hashlib.sha256(frag).hexdigest() == digest == ref.digest_value.hex()
    si = signing.signed_info_bytes(msg.header.signature.signed_info)
    assert len(si) == 559
    assert si.hex().startswith("808112b43a3a")
    verifier = _p256_verifier(res.sa_provisioning_certificate_chain.certificate)
    result = signing.verify_signature(msg, "iso2", verifier)
    assert result.references == ("ID2", "ID1", "ID4", "ID3")
    # the same signature over SignedInfo in the MsgDef fragment grammar does not verify
    msgdef = exi.encode(exi.Named(("http://www.w3.org/2000/09/xmldsig#", "SignedInfo"),
                                  msg.header.signature.signed_info), "iso2", fragment=True)
    assert msgdef.hex().startswith("80d044ad0e8e")
    assert not verifier(msgdef, msg.header.signature.signature_value.value)


def test_hubject_certificate_installation_req() -> None:
    msg = exi.decode(_fixture("req.exi.bin"), "iso2")
    req = msg.body.body_element
    frag = signing.element_fragment(req, "iso2")
    assert frag.hex().startswith("800f02a4a218") and len(frag) == 671
    assert hashlib.sha256(frag).hexdigest() == (
        "ad4ef309cab7a79f0ef477a56202c5dda4c99089dc72844b671a4b20bc3ffcdc")
    assert len(signing.signed_info_bytes(msg.header.signature.signed_info)) == 209
    signing.verify_signature(msg, "iso2", _p256_verifier(req.oem_provisioning_cert))


def test_tampered_fixture_fails() -> None:
    msg = exi.decode(_fixture("res.exi.bin"), "iso2")
    res = msg.body.body_element
    verifier = _p256_verifier(res.sa_provisioning_certificate_chain.certificate)
    res.emaid.value = "EMP99CQAPAB005"
    with pytest.raises(ExiSignatureError, match="digest of #ID4"):
        signing.verify_signature(msg, "iso2", verifier)


def test_reference_without_target_is_not_signed() -> None:
    v = exi_vectors()[295]
    msg = exi.decode(bytes.fromhex(v["hex"]), "iso2")
    with pytest.raises(ExiSignatureError, match="points to no element"):
        signing.verify_signature(msg, "iso2", lambda data, sig: True)


def test_sign_and_verify_authorization_req() -> None:
    key = ec.generate_private_key(ec.SECP256R1())

    def signer(data: bytes) -> bytes:
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def verifier(data: bytes, sig: bytes) -> bool:
        der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                         int.from_bytes(sig[32:], "big"))
        try:
            key.public_key().verify(der, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    g = exi.grammar_module("iso2")
    auth = g.AuthorizationReqType(id="id1", gen_challenge=bytes(range(16)))
    signature = signing.sign_elements([exi.Named(("urn:iso:15118:2:2013:MsgBody",
                                                  "AuthorizationReq"), auth)], "iso2", signer)
    msg = g.V2G_Message(
        header=g.MessageHeaderType(session_id=bytes(8), signature=signature),
        body=g.BodyType(body_element=auth),
    )
    data = exi.encode(msg, "iso2")
    back = exi.decode(data, "iso2")
    assert back == msg
    assert signing.verify_signature(back, "iso2", verifier).references == ("id1",)
    frag = signing.element_fragment(auth, "iso2")
    assert frag[:2] == b"\x80\x04"  # AuthorizationReq = fragment code 4
    back.body.body_element.gen_challenge = bytes(16)
    with pytest.raises(ExiSignatureError):
        signing.verify_signature(back, "iso2", verifier)


def _josev_signed_rows() -> list[tuple[dict[str, object], str, object, bytes | None]]:
    """(row, grammar, message, signer certificate) for every signed Josev message."""
    from tests.evcc.exi._vectors import NS_GRAMMAR, josev_rows

    out = []
    contract: dict[str, bytes] = {}
    for row in josev_rows():
        if row["kind"] != "message" or row["ns"] not in ("ISO_V2_MSG_DEF", "ISO_V20_COMMON_MSG"):
            continue
        grammar = NS_GRAMMAR[str(row["ns"])]
        msg = exi.decode(bytes.fromhex(str(row["exi"])), grammar)
        body = msg.body.body_element if grammar == "iso2" else msg
        name = type(body).__name__
        if name == "PaymentDetailsReqType":
            contract[str(row["log"])] = body.contract_signature_cert_chain.certificate
        if msg.header.signature is None:
            continue
        cert: bytes | None = None
        if name == "CertificateInstallationResType":
            cert = body.sa_provisioning_certificate_chain.certificate
        elif name == "CertificateInstallationReqType":
            cert = body.oem_provisioning_cert
        elif name == "AuthorizationReqType" and grammar == "iso2":
            cert = contract.get(str(row["log"]))
        elif name == "AuthorizationReqType":
            cert = body.pn_c_areq_authorization_mode.contract_certificate_chain.certificate
        out.append((row, grammar, msg, cert))
    return out


def test_josev_session_signatures() -> None:
    rows = _josev_signed_rows()
    names = {type(m.body.body_element if g == "iso2" else m).__name__  # type: ignore[attr-defined]
             for _, g, m, _ in rows}
    assert {"AuthorizationReqType", "CertificateInstallationReqType",
            "CertificateInstallationResType", "ChargeParameterDiscoveryResType"} <= names
    verified = 0
    for _row, grammar, msg, cert in rows:
        # every digest: the referenced element re-encoded as a fragment
        if cert is None:  # e.g. SalesTariff signed by an MO sub-CA that is not in the message
            assert signing.verify_signature(msg, grammar, lambda data, sig: True).references
            continue
        assert signing.verify_signature(msg, grammar, _p256_verifier(cert)).references
        verified += 1
    assert verified >= 6

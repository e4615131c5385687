"""The profile checker rejects each broken rule by name and accepts what the PKI generates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ObjectIdentifier

from evcc.bench.pki import PkiManifest, init_pki
from evcc.errors import PkiError
from evcc.x509.profile import RULES, check_certificate, check_chain, infer_role
from evcc.x509.profile_roles import CHAINS, ROLES, Role
from tests.evcc.x509.certkit import NOW, Variant, make_cert, past, rsa_key


@pytest.fixture(scope="module")
def iso2(tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    return init_pki(tmp_path_factory.mktemp("pki") / "iso2", "iso2", now=NOW)


@pytest.fixture(scope="module")
def iso20(tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    return init_pki(tmp_path_factory.mktemp("pki") / "iso20", "iso20", now=NOW)


@pytest.fixture(scope="module")
def ed(tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    return init_pki(tmp_path_factory.mktemp("pki") / "ed", "iso20", ed448=True, now=NOW)


def rules(cert: x509.Certificate, role: Role | None, profile: str = "iso2") -> set[str]:
    return {v.rule for v in check_certificate(cert, role, profile, now=NOW)}


def chain_rules(pki: PkiManifest, leaf: x509.Certificate, name: str) -> set[str]:
    certs = pki.chain(name)
    return {v.rule for v in check_chain([leaf, *certs[1:]], pki.profile, now=NOW, chain=name)}


@pytest.mark.parametrize("which", ["iso2", "iso20", "ed"])
def test_generated_pki_passes_every_rule(which: str, request: pytest.FixtureRequest) -> None:
    pki: PkiManifest = request.getfixturevalue(which)
    for role in ROLES:
        assert check_certificate(pki.cert(role), role, pki.profile, now=NOW) == []
        assert infer_role(pki.cert(role)) in (role, {Role.CPS_SUB1: Role.CPO_SUB1,
                                                     Role.CPS_SUB2: Role.CPO_SUB2}.get(role))
    for name in CHAINS:
        assert check_chain(pki.chain(name), pki.profile, now=NOW) == []


def test_baseline_factory_cert_is_clean(iso2: PkiManifest) -> None:
    # the factory itself must not break rules, or the negative tests prove nothing
    for role in ROLES:
        assert rules(make_cert(iso2, role), role) == set(), role


def test_wrong_curve(iso2: PkiManifest, iso20: PkiManifest) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    assert rules(make_cert(iso2, Role.CONTRACT_LEAF, Variant(key=p384)),
                 Role.CONTRACT_LEAF) == {"key_curve"}
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert rules(make_cert(iso20, Role.SECC_LEAF, Variant(key=p256)), Role.SECC_LEAF,
                 "iso20") == {"key_curve"}


def test_rsa_key(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.SECC_LEAF, Variant(key=rsa_key().public_key()))
    assert rules(cert, Role.SECC_LEAF) == {"key_rsa"}


def test_wrong_signature_hash(iso2: PkiManifest, iso20: PkiManifest) -> None:
    cert = make_cert(iso2, Role.CPS_LEAF, Variant(hash_alg=hashes.SHA384()))
    assert rules(cert, Role.CPS_LEAF) == {"signature_hash"}
    cert = make_cert(iso20, Role.CPS_LEAF, Variant(hash_alg=hashes.SHA256()))
    assert rules(cert, Role.CPS_LEAF, "iso20") == {"signature_hash"}


def test_ed448_only_in_iso20(ed: PkiManifest) -> None:
    leaf = ed.cert(Role.CONTRACT_LEAF)
    assert rules(leaf, Role.CONTRACT_LEAF, "iso20") == set()
    assert rules(leaf, Role.CONTRACT_LEAF, "iso2") == {"key_type", "signature_algorithm"}


def test_ca_flag_on_leaf(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.CONTRACT_LEAF, Variant(ca=True, path_len=0))
    assert rules(cert, Role.CONTRACT_LEAF) == {"leaf_ca"}


def test_ca_without_ca_flag(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.MO_SUB2, Variant(ca=False))
    assert rules(cert, Role.MO_SUB2) == {"ca_flag", "path_len"}


@pytest.mark.parametrize(("role", "path_len"), [
    (Role.CPO_SUB1, None), (Role.CPO_SUB1, 0), (Role.OEM_SUB2, None), (Role.OEM_SUB2, 1),
    (Role.V2G_ROOT, 1),
])
def test_missing_or_wrong_path_len(iso2: PkiManifest, role: Role, path_len: int | None) -> None:
    assert rules(make_cert(iso2, role, Variant(path_len=path_len)), role) == {"path_len"}


def test_missing_and_wrong_dc(iso2: PkiManifest) -> None:
    assert rules(make_cert(iso2, Role.SECC_LEAF, Variant(dc=None)), Role.SECC_LEAF) == {
        "dc_missing"}
    assert rules(make_cert(iso2, Role.SECC_LEAF, Variant(dc="CPS")), Role.SECC_LEAF) == {
        "dc_value"}


@pytest.mark.parametrize(("role", "usage"), [
    (Role.SECC_LEAF, None),
    (Role.SECC_LEAF, {"digital_signature": True, "key_agreement": True, "key_cert_sign": True}),
    (Role.OEM_PROV_LEAF, {"digital_signature": True}),  # no keyAgreement for the ECDH key
    (Role.CONTRACT_LEAF, {"key_agreement": True}),
    (Role.CPO_SUB2, {"digital_signature": True}),
])
def test_wrong_key_usage(iso2: PkiManifest, role: Role, usage: dict[str, bool] | None) -> None:
    assert rules(make_cert(iso2, role, Variant(key_usage=usage)), role) == {"key_usage"}


def test_expired_and_not_yet_valid(iso2: PkiManifest) -> None:
    expired = make_cert(iso2, Role.CONTRACT_LEAF,
                        Variant(not_before=past(100), not_after=past(1)))
    assert rules(expired, Role.CONTRACT_LEAF) == {"expired"}
    future = make_cert(iso2, Role.CONTRACT_LEAF, Variant(
        not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=30)))
    assert rules(future, Role.CONTRACT_LEAF) == {"not_yet_valid"}
    # the same certificate is fine at a time inside its window: time is passed in
    inside = NOW + timedelta(days=2)
    assert check_certificate(future, Role.CONTRACT_LEAF, "iso2", now=inside) == []


def test_validity_period_too_long(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.CONTRACT_LEAF, Variant(not_after=NOW + timedelta(days=3 * 365)))
    assert rules(cert, Role.CONTRACT_LEAF) == {"validity_period"}


def test_contract_cn_not_an_emaid(iso2: PkiManifest) -> None:
    for cn in ("not an emaid", "DE-PNC-C00000001-X", "DEPNCC0000000"):
        cert = make_cert(iso2, Role.CONTRACT_LEAF, Variant(cn=cn))
        assert rules(cert, Role.CONTRACT_LEAF) == {"contract_cn"}, cn
    cert = make_cert(iso2, Role.CONTRACT_LEAF, Variant(cn=None))
    assert rules(cert, Role.CONTRACT_LEAF) == {"cn_missing"}


def test_oem_cn_not_a_pcid(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.OEM_PROV_LEAF, Variant(cn="short"))
    assert rules(cert, Role.OEM_PROV_LEAF) == {"pcid_cn"}


def test_missing_aia_ocsp(iso2: PkiManifest) -> None:
    assert rules(make_cert(iso2, Role.CPS_SUB1, Variant(aia=False)), Role.CPS_SUB1) == {
        "aia_ocsp"}


def test_root_not_self_signed(iso2: PkiManifest) -> None:
    # a sub-CA presented as a root
    assert "root_self_signed" in rules(iso2.cert(Role.CPO_SUB1), Role.V2G_ROOT)


def test_issuer_mismatch(iso2: PkiManifest) -> None:
    other = x509.Name([x509.NameAttribute(ObjectIdentifier("2.5.4.3"), "Somebody Else")])
    leaf = make_cert(iso2, Role.SECC_LEAF, Variant(issuer_name=other))
    assert chain_rules(iso2, leaf, "cpo") == {"issuer_mismatch"}


def test_aki_mismatch(iso2: PkiManifest) -> None:
    leaf = make_cert(iso2, Role.SECC_LEAF, Variant(aki=bytes(20)))
    assert chain_rules(iso2, leaf, "cpo") == {"aki_mismatch"}


def test_signature_by_wrong_key(iso2: PkiManifest, iso20: PkiManifest) -> None:
    # same issuer name and AKI, but signed by a stranger's key
    leaf = iso2.cert(Role.SECC_LEAF)
    certs = [leaf, iso2.cert(Role.CPO_SUB2), iso2.cert(Role.CPO_SUB1)]
    impostor = make_cert(iso2, Role.CPO_SUB2)  # same subject, different key
    found = {v.rule for v in check_chain([certs[0], impostor, certs[2]], "iso2", now=NOW,
                                         chain="cpo")}
    assert found == {"signature_invalid", "aki_mismatch"}
    # a chain mixing profiles fails the signature check, not with an exception
    mixed = [iso20.cert(Role.SECC_LEAF), iso2.cert(Role.CPO_SUB2), iso2.cert(Role.CPO_SUB1)]
    assert "signature_invalid" in {v.rule for v in check_chain(mixed, "iso2", now=NOW)}


def test_chain_length(iso2: PkiManifest) -> None:
    found = check_chain(iso2.chain("mo")[:2], "iso2", now=NOW)
    assert [v.rule for v in found] == ["chain_length"]
    with pytest.raises(PkiError):
        check_chain([], "iso2", now=NOW)


def test_der_size(iso2: PkiManifest) -> None:
    big = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x04\x82\x01\x90"
                                     + bytes(400))
    cert = make_cert(iso2, Role.CONTRACT_LEAF, Variant(extra=[big]))
    assert rules(cert, Role.CONTRACT_LEAF) == {"der_size"}


def test_skip_and_rule_names(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.SECC_LEAF, Variant(dc=None))
    assert check_certificate(cert, Role.SECC_LEAF, "iso2", now=NOW, skip={"dc_missing"}) == []
    violation = check_certificate(cert, Role.SECC_LEAF, "iso2", now=NOW)[0]
    assert violation.rule in RULES and "secc_leaf" in str(violation)


def test_unknown_profile(iso2: PkiManifest) -> None:
    with pytest.raises(PkiError, match="unknown profile"):
        check_certificate(iso2.cert(Role.V2G_ROOT), None, "iso3", now=NOW)


def test_role_independent_checks_without_role(iso2: PkiManifest) -> None:
    cert = make_cert(iso2, Role.SECC_LEAF, Variant(key=rsa_key().public_key(), dc=None))
    assert rules(cert, None) == {"key_rsa", "dc_missing"}
    cert = make_cert(iso2, Role.SECC_LEAF, Variant(dc="XYZ"))
    assert rules(cert, None) == {"dc_value"}
    assert rules(iso2.cert(Role.SECC_LEAF), None) == set()


def test_chain_must_end_at_a_trusted_anchor(iso2: PkiManifest, iso20: PkiManifest) -> None:
    chain = iso2.chain("cps")  # leaf, sub2, sub1, root
    v2g_root, oem_root = iso2.cert(Role.V2G_ROOT), iso2.cert(Role.OEM_ROOT)
    # without the root: the anchor issued Sub-CA 1
    assert check_chain(chain[:3], "iso2", now=NOW, anchors=[oem_root, v2g_root]) == []
    # with the root: it must be one of the anchors
    assert check_chain(chain, "iso2", now=NOW, anchors=[v2g_root]) == []
    found = check_chain(chain, "iso2", now=NOW, anchors=[iso20.cert(Role.V2G_ROOT)])
    assert [v.rule for v in found] == ["anchor"]
    # an anchor with the right name but another key (a second PKI of the same layout)
    found = check_chain(chain[:3], "iso2", now=NOW, anchors=[make_cert(iso2, Role.V2G_ROOT)])
    assert {v.rule for v in found} == {"anchor", "signature_invalid", "aki_mismatch"}
    found = check_chain(chain[:3], "iso2", now=NOW, anchors=[oem_root])
    assert [v.rule for v in found] == ["anchor"] and "no trusted root named" in found[0].detail
    # an expired anchor does not anchor anything
    late = NOW + timedelta(days=11 * 365)
    found = check_chain(chain[:3], "iso2", now=late, anchors=[v2g_root], skip={"expired"})
    assert found == []
    found = check_chain(chain[:3], "iso2", now=late, anchors=[v2g_root])
    assert sum(v.rule == "expired" for v in found) == 4  # leaf, sub2, sub1 and the anchor


def test_chain_length_is_a_rule_that_can_be_skipped(iso2: PkiManifest) -> None:
    short = iso2.chain("cpo")[:2]
    found = check_chain(short, "iso2", now=NOW, chain="cpo")
    assert [v.rule for v in found if v.rule == "chain_length"] == ["chain_length"]
    assert "chain_length" not in {v.rule for v in check_chain(
        short, "iso2", now=NOW, chain="cpo", skip=("chain_length",))}

"""Verify before use: what the keystore refuses to take in, on both backends, writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.x509.profile_roles import Role
from keystore import CertificateError, Keystore
from tests.keystore.pki import NOW, Pki

PCID = "WMI1234567ABCDEFG7"


def _self_signed(
    *, ca: bool | None, cert_sign: bool = True, signer: ec.EllipticCurvePrivateKey | None = None
) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Some Root")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
    usage = dict.fromkeys(
        ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
         "encipher_only", "decipher_only"), False)
    builder = builder.add_extension(
        x509.KeyUsage(digital_signature=True, key_cert_sign=cert_sign, crl_sign=cert_sign,
                      **usage), True)
    return builder.sign(signer or key, hashes.SHA256())


def test_roots_must_be_self_signed_ca_certificates(store: Keystore) -> None:
    refused = {
        "leaf (cA=FALSE)": _self_signed(ca=False),
        "no basicConstraints": _self_signed(ca=None),
        "no keyCertSign": _self_signed(ca=True, cert_sign=False),
        "signature by another key": _self_signed(
            ca=True, signer=ec.generate_private_key(ec.SECP256R1())
        ),
    }
    for what, cert in refused.items():
        with pytest.raises(CertificateError):
            store.add_root(cert)
        assert store.roots() == [], what
    good = _self_signed(ca=True)
    assert [r.subject for r in [store.add_root(good)]] == [good.subject.rfc4514_string()]


def test_contract_leaf_must_be_a_contract(store: Keystore, pki: Pki) -> None:
    m = pki.manifest
    secc_chain = m.chain("cpo")[:-1]
    with pytest.raises(CertificateError, match="not an eMAID"):
        store.install_contract(secc_chain, m.key(Role.SECC_LEAF))  # type: ignore[arg-type]
    with pytest.raises(CertificateError, match="CA certificate"):
        store.install_contract([pki.mo_sub.cert, pki.mo_sub1], pki.mo_sub.key)
    assert store.contracts() == []
    assert list((store.path / "contracts").iterdir()) == []


def test_contract_chain_must_end_at_a_trusted_mo_root(store: Keystore, pki: Pki) -> None:
    contract = pki.contract()
    store.add_root(Pki().mo_root.cert, kind="mo")  # an MO root of somebody else
    with pytest.raises(CertificateError, match="trusted MO root"):
        store.install_contract(contract.chain, contract.key)
    assert store.contracts() == []
    store.add_root(pki.mo_root.cert, kind="mo")
    info = store.install_contract(contract.chain, contract.key)
    assert [c.id for c in store.contracts()] == [info.id]
    # The full chain with the root itself is anchored as well.
    other = pki.contract()
    store.install_contract([*other.chain, pki.mo_root.cert], other.key)
    assert len(store.contracts()) == 2


def test_provisioning_checks_pcid_and_oem_root(store: Keystore, pki: Pki) -> None:
    with pytest.raises(CertificateError, match="PCID"):
        store.create_provisioning_key("bad", "iso2")
    assert store.provisioning() is None
    store.create_provisioning_key(PCID.lower(), "iso2")
    *chain, oem_root = pki.sign_csr(store.provisioning_csr(), with_root=True)
    store.add_root(Pki().oem_root.cert, kind="oem")  # not the issuer of this chain
    with pytest.raises(CertificateError, match="trusted OEM root"):
        store.install_provisioning_chain(chain)
    assert store.provisioning_chain() == []
    store.add_root(oem_root, kind="oem")
    assert store.install_provisioning_chain(chain).chain_length == 3
    assert store.provisioning_chain() == chain


def test_a_real_contract_chain_passes_admission(store: Keystore) -> None:
    """The public Hubject-QA chain (2021) is refused for its key and age, not its form."""
    import base64
    import json

    from evcc.bench.demo.exi import DEFAULT_FIXTURE_DIR
    from keystore import KeyMismatchError

    path = DEFAULT_FIXTURE_DIR / "decoded.json"
    if not path.exists():
        pytest.skip(f"reference fixture {path} is not present (source checkout only)")
    res = json.loads(path.read_text())["CertificateInstallationRes"]["V2G_Message"]["Body"]
    chain_doc = res["CertificateInstallationRes"]["ContractSignatureCertChain"]
    chain = [base64.b64decode(chain_doc["Certificate"])] + [
        base64.b64decode(c) for c in chain_doc["SubCertificates"]["Certificate"]
    ]
    from keystore import ContractValidityError

    with pytest.raises(ContractValidityError, match="expired"):  # it ended in 2022
        store.install_contract(chain, ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(KeyMismatchError):
        store.install_contract(chain, ec.generate_private_key(ec.SECP256R1()), allow_expired=True)
    assert store.contracts() == []

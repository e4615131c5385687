"""One behavioural suite, run against the software store and a TPM store on a real swtpm."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

import keystore
from evcc.x509.ecdsa import raw_to_der
from keystore import (
    PROVISIONING,
    CertificateError,
    CorruptedFileError,
    KeyMismatchError,
    KeyNotFoundError,
    Keystore,
    StoreExistsError,
    TrustAnchorTamperedError,
)
from tests.keystore.conftest import make_store
from tests.keystore.pki import NOW, Pki

PCID = "WMI1234567ABCDEFG7"


def _reopen(store: Keystore, backend: str, request: pytest.FixtureRequest) -> Keystore:
    store.close()
    tpm = request.getfixturevalue("swtpm") if backend == "tpm" else None
    return make_store(backend, store.path, tpm, create=False)


def _verify(pub: ec.EllipticCurvePublicKey, sig: bytes, digest: bytes) -> None:
    alg = {32: hashes.SHA256(), 64: hashes.SHA512()}[len(digest)]
    pub.verify(sig, digest, ec.ECDSA(Prehashed(alg)))


# ---------------------------------------------------------------- trust anchors
def test_roots_add_list_remove_and_ids(store: Keystore, pki: Pki) -> None:
    assert store.roots() == []
    v2g = store.add_root(pki.v2g_root.cert)
    mo = store.add_root(pki.mo_root.cert, kind="mo")
    store.add_root(pki.v2g_root.cert)  # again: no duplicate
    assert [r.fingerprint for r in store.roots()] == [v2g.fingerprint, mo.fingerprint]
    assert [r.kind for r in store.roots("mo")] == ["mo"]
    ids = store.root_certificate_ids()
    assert [(i.issuer_name, i.serial_number) for i in ids] == [
        (pki.v2g_root.cert.issuer.rfc4514_string(), pki.v2g_root.cert.serial_number)
    ]
    assert store.root_certificates("v2g") == [pki.v2g_root.cert]
    removed = store.remove_root(v2g.fingerprint[:12])
    assert removed.fingerprint == v2g.fingerprint
    assert [r.kind for r in store.roots()] == ["mo"]
    with pytest.raises(KeyNotFoundError):
        store.remove_root(v2g.fingerprint[:12])


def test_root_trusted_as_two_kinds_is_removed_by_kind(store: Keystore, pki: Pki) -> None:
    both = store.add_root(pki.v2g_root.cert)
    store.add_root(pki.v2g_root.cert, kind="mo")
    with pytest.raises(keystore.AmbiguousReferenceError, match="give --kind"):
        store.remove_root(both.fingerprint[:12])
    assert store.remove_root(both.fingerprint[:12], "mo").kind == "mo"
    assert [r.kind for r in store.roots()] == ["v2g"]


def test_root_must_be_self_signed(store: Keystore, pki: Pki) -> None:
    with pytest.raises(CertificateError):
        store.add_root(pki.mo_sub.cert)
    assert store.roots() == []


def test_tampered_root_file_is_refused(
    store: Keystore, pki: Pki, backend: str, request: pytest.FixtureRequest
) -> None:
    store.add_root(pki.v2g_root.cert)
    path = store.path / "trust" / "roots.json"
    obj = json.loads(path.read_text())
    attacker = Pki().v2g_root.cert  # swap the root for one the attacker controls
    obj["roots"][0]["der"] = keystore.records.b64(attacker.public_bytes(serialization.Encoding.DER))
    path.write_text(json.dumps(obj))
    with pytest.raises(TrustAnchorTamperedError):
        store.roots()
    with pytest.raises(TrustAnchorTamperedError):
        store.root_certificate_ids()
    reopened = _reopen(store, backend, request)
    try:
        with pytest.raises(TrustAnchorTamperedError):
            reopened.root_certificates()
        assert reopened.status().roots_intact is False
    finally:
        reopened.close()


def test_removed_root_file_entry_is_refused(store: Keystore, pki: Pki) -> None:
    store.add_root(pki.v2g_root.cert)
    store.add_root(pki.mo_root.cert, kind="mo")
    path = store.path / "trust" / "roots.json"
    obj = json.loads(path.read_text())
    del obj["roots"][1]
    path.write_text(json.dumps(obj))
    with pytest.raises(TrustAnchorTamperedError):
        store.roots()


# ---------------------------------------------------------------- provisioning identity
@pytest.mark.parametrize("profile", ["iso2", "iso20"])
def test_provisioning_identity(store: Keystore, profile: str) -> None:
    pki = Pki(profile)
    info = store.create_provisioning_key(PCID, profile)  # type: ignore[arg-type]
    assert info.curve == {"iso2": "secp256r1", "iso20": "secp521r1"}[profile]
    with pytest.raises(StoreExistsError):
        store.create_provisioning_key(PCID, profile)  # type: ignore[arg-type]
    csr = store.provisioning_csr()
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == PCID
    chain = pki.sign_csr(csr)
    installed = store.install_provisioning_chain(chain)
    assert installed.chain_length == 3 and installed.certificate_subject is not None
    assert store.provisioning_chain() == chain
    leaf_key = chain[0].public_key()
    assert isinstance(leaf_key, ec.EllipticCurvePublicKey)
    size = {"iso2": 32, "iso20": 64}[profile]
    digest = os.urandom(size)
    _verify(leaf_key, store.sign(PROVISIONING, digest), digest)
    raw = store.sign(PROVISIONING, digest, raw=True)
    half = {"iso2": 32, "iso20": 66}[profile]
    assert len(raw) == 2 * half
    _verify(leaf_key, raw_to_der(raw), digest)
    peer = ec.generate_private_key(leaf_key.curve)
    assert store.ecdh(PROVISIONING, peer.public_key()) == peer.exchange(ec.ECDH(), leaf_key)
    point = peer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert store.ecdh(PROVISIONING, point) == peer.exchange(ec.ECDH(), leaf_key)


def test_provisioning_chain_for_another_key_is_refused(store: Keystore, pki: Pki) -> None:
    store.create_provisioning_key(PCID, "iso2")
    other = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, PCID)]))
        .sign(other, hashes.SHA256())
    )
    with pytest.raises(KeyMismatchError):
        store.install_provisioning_chain(pki.sign_csr(csr))
    assert store.provisioning_chain() == []


def test_replacing_provisioning_key(store: Keystore) -> None:
    first = store.create_provisioning_key(PCID, "iso2")
    second = store.create_provisioning_key(PCID, "iso20", replace_existing=True)
    assert second.public_key_pem != first.public_key_pem
    assert store.public_key(PROVISIONING).curve.name == "secp521r1"


# ---------------------------------------------------------------- contracts
def test_contract_lifecycle(
    store: Keystore, pki: Pki, backend: str, request: pytest.FixtureRequest
) -> None:
    a, b, c = pki.contract(days=10), pki.contract(days=100), pki.contract(days=400)
    ia = store.install_contract(a.chain, a.key, source="charger")
    ib = store.install_contract(b.chain, b.key, source="ota")
    ic = store.install_contract(c.chain, c.key, emaid=c.emaid[:2] + "-" + c.emaid[2:])
    assert [x.id for x in store.contracts()] == [ia.id, ib.id, ic.id]
    assert ib.source == "ota" and ib.enabled and ib.provider == "DEPNC"
    assert ia.not_after == a.chain[0].not_valid_after_utc
    store.set_priority(ic.id, 0)
    store.disable(ia.id)
    listed = store.contracts()
    assert [x.id for x in listed] == [ic.id, ia.id, ib.id]
    assert [x.enabled for x in listed] == [True, False, True]
    soon = store.expiring(30, now=NOW)
    assert [x.id for x in soon] == [ia.id]
    assert {x.id for x in store.expiring(200, now=NOW)} == {ia.id, ib.id}
    store = _reopen(store, backend, request)
    try:
        assert [(x.id, x.priority, x.enabled) for x in store.contracts()] == [
            (x.id, x.priority, x.enabled) for x in listed
        ]
        store.enable(ia.id)
        assert store.contract(ia.id).enabled
        assert store.contract_chain(ib.id) == b.chain
        removed = store.remove_contract(ib.id)
        assert removed.id == ib.id
        assert {x.id for x in store.contracts()} == {ia.id, ic.id}
        with pytest.raises(KeyNotFoundError):
            store.contract(ib.id)
    finally:
        store.close()


@pytest.mark.parametrize("profile", ["iso2", "iso20"])
def test_contract_key_use(store: Keystore, profile: str) -> None:
    pki = Pki(profile)
    material = pki.contract()
    info = store.install_contract(material.chain, material.key)
    assert info.curve == material.key.curve.name
    leaf_pub = material.chain[0].public_key()
    assert isinstance(leaf_pub, ec.EllipticCurvePublicKey)
    digest = os.urandom(32 if profile == "iso2" else 64)
    _verify(leaf_pub, store.sign(info.key, digest), digest)
    peer = ec.generate_private_key(material.key.curve)
    assert store.ecdh(info.key, peer.public_key()) == peer.exchange(ec.ECDH(), leaf_pub)
    assert store.ecdh(info.key, peer.public_key()) == material.key.exchange(
        ec.ECDH(), peer.public_key()
    )


def test_install_refuses_wrong_key_and_changes_nothing(store: Keystore, pki: Pki) -> None:
    a, b = pki.contract(), pki.contract()
    with pytest.raises(KeyMismatchError):
        store.install_contract(a.chain, b.key)
    with pytest.raises(CertificateError):
        store.install_contract(a.chain, a.key, emaid="DEXYZC12345678X")
    with pytest.raises(CertificateError):
        store.install_contract([a.chain[0], Pki().mo_sub.cert], a.key)
    assert store.contracts() == []
    assert list((store.path / "contracts").iterdir()) == []


def test_reinstall_same_contract_replaces(store: Keystore, pki: Pki) -> None:
    a = pki.contract()
    first = store.install_contract(a.chain, a.key, priority=5)
    second = store.install_contract(a.chain, a.key, source="ota")
    assert second.id == first.id and second.priority == 5 and second.source == "ota"
    assert len(store.contracts()) == 1


def test_sign_refuses_odd_digest(store: Keystore, pki: Pki) -> None:
    a = pki.contract()
    info = store.install_contract(a.chain, a.key)
    with pytest.raises(keystore.UnsupportedError):
        store.sign(info.key, b"\x01" * 20)


# ---------------------------------------------------------------- key material at rest
def test_no_private_key_bytes_in_any_file(store: Keystore, pki: Pki) -> None:
    a = pki.contract()
    store.create_provisioning_key(PCID, "iso2")
    store.install_contract(a.chain, a.key)
    scalar = a.key.private_numbers().private_value.to_bytes(32, "big")
    needles = [scalar, scalar.hex().encode(), scalar.hex().upper().encode(), b"PRIVATE KEY"]
    needles.append(keystore.records.b64(scalar).encode())
    files = [p for p in store.path.rglob("*") if p.is_file()]
    assert len(files) >= 4
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{path} holds private key material"
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


# ---------------------------------------------------------------- damage
def test_corrupted_contract_file(store: Keystore, pki: Pki) -> None:
    a, b = pki.contract(), pki.contract()
    ia = store.install_contract(a.chain, a.key)
    ib = store.install_contract(b.chain, b.key)
    (store.path / "contracts" / f"{ia.id}.json").write_text('{"format": 1, "id": 3')
    assert [x.id for x in store.contracts()] == [ib.id]
    status = store.status()
    assert status.contracts == 1 and "damaged_files" in status.detail
    with pytest.raises(CorruptedFileError):
        store.contract(ia.id)
    store.remove_contract(ib.id)


def test_contract_file_renamed_to_other_id_is_refused(store: Keystore, pki: Pki) -> None:
    a = pki.contract()
    ia = store.install_contract(a.chain, a.key)
    src = store.path / "contracts" / f"{ia.id}.json"
    src.rename(src.with_name("0000000000000000.json"))
    assert store.contracts() == []


def test_corrupted_meta_file(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tpm = request.getfixturevalue("swtpm") if backend == "tpm" else None
    make_store(backend, tmp_path / "s", tpm).close()
    (tmp_path / "s" / "keystore.json").write_bytes(b"\x00garbage")
    with pytest.raises(CorruptedFileError):
        make_store(backend, tmp_path / "s", tpm, create=False)


def test_status_counts(store: Keystore, pki: Pki) -> None:
    store.add_root(pki.v2g_root.cert)
    a = pki.contract()
    store.install_contract(a.chain, a.key)
    status = store.status()
    assert (status.roots, status.roots_intact, status.contracts, status.provisioning) == (
        1,
        True,
        1,
        False,
    )
    assert status.for_vehicles == (store.backend == "tpm")
    assert json.loads(json.dumps(status.to_json()))["backend"] == store.backend


def test_expiry_uses_injected_clock(store: Keystore, pki: Pki) -> None:
    a = pki.contract(days=5)
    store.install_contract(a.chain, a.key)
    assert store.expiring(1, now=NOW) == []
    assert len(store.expiring(1, now=NOW + timedelta(days=4, hours=1))) == 1
    assert len(store.expiring(0, now=datetime(2030, 1, 1, tzinfo=UTC))) == 1


def test_root_change_interrupted_before_rename_rolls_forward(
    store: Keystore, pki: Pki, backend: str, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.add_root(pki.v2g_root.cert)

    def power_cut(self: Path, target: Path) -> Path:
        raise OSError("power cut")

    with monkeypatch.context() as m:
        m.setattr(Path, "replace", power_cut)  # the final rename of the roots change
        with pytest.raises(OSError):
            store.add_root(pki.mo_root.cert, kind="mo")
    # TPM: the NV digest write is the commit point, so the staged set is already the valid
    # one. Software: the MAC travels with the file and the rename is the commit point.
    expected = ["v2g", "mo"] if backend == "tpm" else ["v2g"]
    assert [r.kind for r in store.roots()] == expected
    reopened = _reopen(store, backend, request)
    try:
        assert [r.kind for r in reopened.roots()] == expected
        assert not (reopened.path / "trust" / "roots.next.json").exists()
    finally:
        reopened.close()

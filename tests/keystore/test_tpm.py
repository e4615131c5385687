"""TPM-only behaviour: handles and attributes, openssl cross-check, restarts, DA, NV, -20 import."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keystore import (
    PROVISIONING,
    KeystoreError,
    NvFullError,
    StoreSpecError,
    TpmEncryptedPrivateKey,
    TpmUnavailableError,
    TrustAnchorTamperedError,
    files,
    open_keystore,
)
from keystore.swtpm import Swtpm
from keystore.tpm import TpmKeystore
from keystore.tpm_setup import KEY_HANDLES
from tests.keystore.pki import Pki, clock

PCID = "WMI1234567ABCDEFG7"


@pytest.fixture
def tstore(swtpm: Swtpm, tmp_path: Path) -> Iterator[TpmKeystore]:
    ks = TpmKeystore(tmp_path / "store", tcti=swtpm.tcti, create=True, clock=clock)
    yield ks
    ks.close()


def _openssl_verify(tmp_path: Path, cert_pem: bytes, data: bytes, sig: bytes, md: str) -> str:
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    subprocess.run(
        ["openssl", "x509", "-in", "cert.pem", "-pubkey", "-noout", "-out", "pub.pem"],
        cwd=tmp_path, check=True, capture_output=True,
    )
    (tmp_path / "data.bin").write_bytes(data)
    (tmp_path / "sig.der").write_bytes(sig)
    out = subprocess.run(
        ["openssl", "dgst", f"-{md}", "-verify", "pub.pem", "-signature", "sig.der", "data.bin"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    return out.stdout.strip()


@pytest.mark.parametrize(("profile", "md"), [("iso2", "sha256"), ("iso20", "sha512")])
def test_tpm_signatures_verify_with_openssl(
    tstore: TpmKeystore, tmp_path: Path, profile: str, md: str
) -> None:
    pki = Pki(profile)
    tstore.create_provisioning_key(PCID, profile)  # type: ignore[arg-type]
    chain = pki.sign_csr(tstore.provisioning_csr())
    tstore.install_provisioning_chain(chain)
    data = b"SignedInfo fragment " + os.urandom(64)
    digest = getattr(hashes, md.upper())()
    h = hashes.Hash(digest)
    h.update(data)
    sig = tstore.sign(PROVISIONING, h.finalize())
    pem = chain[0].public_bytes(serialization.Encoding.PEM)
    assert _openssl_verify(tmp_path, pem, data, sig, md) == "Verified OK"
    assert _openssl_verify(tmp_path, pem, data + b"x", sig, md) != "Verified OK"
    contract = pki.contract()
    info = tstore.install_contract(contract.chain, contract.key)
    h = hashes.Hash(digest)
    h.update(data)
    csig = tstore.sign(info.key, h.finalize())
    cpem = contract.chain[0].public_bytes(serialization.Encoding.PEM)
    assert _openssl_verify(tmp_path, cpem, data, csig, md) == "Verified OK"


def test_provisioning_key_handle_and_attributes(tstore: TpmKeystore) -> None:
    from tpm2_pytss.constants import TPMA_OBJECT

    info = tstore.create_provisioning_key(PCID, "iso20")
    assert info.tpm_handle in KEY_HANDLES
    assert info.tpm_handle is not None and not 0x81010000 <= info.tpm_handle <= 0x8101FFFF
    esapi = tstore.engine.link.esapi()
    pub = esapi.read_public(esapi.tr_from_tpmpublic(info.tpm_handle))[0]
    attrs = int(pub.publicArea.objectAttributes)
    for flag in ("NODA", "SIGN_ENCRYPT", "DECRYPT", "FIXEDTPM", "FIXEDPARENT",
                 "SENSITIVEDATAORIGIN"):
        assert attrs & int(getattr(TPMA_OBJECT, flag)), flag
    assert not attrs & int(TPMA_OBJECT.RESTRICTED)


def test_two_stores_share_one_tpm(swtpm: Swtpm, tmp_path: Path) -> None:
    a = TpmKeystore(tmp_path / "a", tcti=swtpm.tcti, create=True, clock=clock)
    b = TpmKeystore(tmp_path / "b", tcti=swtpm.tcti, create=True, clock=clock)
    try:
        pa = a.create_provisioning_key(PCID, "iso2")
        pb = b.create_provisioning_key(PCID, "iso2")
        assert pa.tpm_handle != pb.tpm_handle
        assert a.status().detail["roots_nv_index"] != b.status().detail["roots_nv_index"]
        pki = Pki()
        a.add_root(pki.v2g_root.cert)
        assert b.roots() == [] and len(a.roots()) == 1
    finally:
        a.close()
        b.close()


def test_tpm_restart_in_the_middle_of_use(swtpm: Swtpm, tstore: TpmKeystore, pki: Pki) -> None:
    tstore.create_provisioning_key(PCID, "iso2")
    contract = pki.contract()
    info = tstore.install_contract(contract.chain, contract.key)
    tstore.add_root(pki.v2g_root.cert)
    digest = os.urandom(32)
    pub = contract.key.public_key()
    for startup_clear in (True, False):  # False: raw power-on, needs TPM2_Startup
        swtpm.restart(startup_clear=startup_clear)
        pub.verify(tstore.sign(info.key, digest), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        prov = tstore.public_key(PROVISIONING)
        prov.verify(tstore.sign(PROVISIONING, digest), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        assert len(tstore.roots()) == 1
    # The restart without startup-clear was answered with TPM2_Startup and a re-resolve.
    assert tstore.engine.link.startups >= 1


def test_no_dictionary_attack_counting_across_power_losses(
    swtpm: Swtpm, tstore: TpmKeystore, pki: Pki
) -> None:
    tstore.create_provisioning_key(PCID, "iso2")
    contract = pki.contract()
    info = tstore.install_contract(contract.chain, contract.key)
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    for _ in range(4):
        tstore.sign(PROVISIONING, b"\x00" * 32)
        tstore.ecdh(info.key, peer)
        swtpm.kill()  # no TPM2_Shutdown: counts as a failed authorization for DA objects
        swtpm.start()
    assert tstore.status().detail["lockout_counter"] == 0


def test_missing_tpm_is_a_clear_error(tmp_path: Path) -> None:
    dead = Swtpm(tmp_path / "unused")  # free port, nothing listening
    with pytest.raises(TpmUnavailableError):
        TpmKeystore(tmp_path / "s", tcti=dead.tcti, create=True)
    with pytest.raises(TpmUnavailableError):
        TpmKeystore(tmp_path / "s", tcti="device:/dev/does-not-exist", create=True)


def test_spec_and_tcti_resolution(swtpm: Swtpm, tmp_path: Path) -> None:
    ks = open_keystore(f"tpm:{tmp_path / 's'}", create=True, env={"EVCC_TCTI": swtpm.tcti})
    assert ks.backend == "tpm"
    ks.close()
    with pytest.raises(StoreSpecError):
        open_keystore(f"tpm:{tmp_path / 's'}", tcti="bogus:thing", env={})
    with pytest.raises(StoreSpecError):
        open_keystore(f"hsm:{tmp_path / 's'}", env={})
    with pytest.raises(StoreSpecError):
        open_keystore("soft:", env={})


def test_full_nv_is_a_clear_error(swtpm: Swtpm, tmp_path: Path) -> None:
    from tpm2_pytss import ESAPI, TSS2_Exception
    from tpm2_pytss.constants import TPM2_ALG, TPMA_NV
    from tpm2_pytss.types import TPM2B_NV_PUBLIC, TPMS_NV_PUBLIC

    esapi = ESAPI(swtpm.tcti)
    index = 0x01200000
    try:
        for size in (2048, 512, 64, 8):
            while True:
                public = TPM2B_NV_PUBLIC(nvPublic=TPMS_NV_PUBLIC(
                    nvIndex=index, nameAlg=TPM2_ALG.SHA256,
                    attributes=TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD | TPMA_NV.NO_DA,
                    dataSize=size,
                ))
                try:
                    esapi.nv_define_space(b"", public)
                except TSS2_Exception:
                    break
                index += 1
    finally:
        esapi.close()
    with pytest.raises(NvFullError):
        TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, create=True, clock=clock)


def test_iso20_tpm_encrypted_private_key(tstore: TpmKeystore, pki20: Pki) -> None:
    from tpm2_pytss.types import TPMT_PUBLIC
    from tpm2_pytss.utils import wrap

    from keystore import tpm_templates

    parent_pub = tstore.import_parent_public_key()
    assert parent_pub.curve.name == "secp521r1"
    # The backend side: wrap the contract key to the EV's import parent (outer wrapper only).
    contract = pki20.contract()
    public, sensitive = tpm_templates.external_key(contract.key)
    parent = tpm_templates.import_parent()
    nums = parent_pub.public_numbers()
    parent.publicArea.unique.ecc.x = nums.x.to_bytes(66, "big")
    parent.publicArea.unique.ecc.y = nums.y.to_bytes(66, "big")
    area: TPMT_PUBLIC = parent.publicArea
    _, duplicate, seed = wrap(area, public, sensitive)
    blob = TpmEncryptedPrivateKey(duplicate.marshal(), seed.marshal()).to_bytes()
    info = tstore.install_contract(contract.chain, TpmEncryptedPrivateKey.from_bytes(blob))
    digest = os.urandom(64)
    contract.key.public_key().verify(
        tstore.sign(info.key, digest), digest, ec.ECDSA(Prehashed(hashes.SHA512()))
    )
    peer = ec.generate_private_key(ec.SECP521R1())
    assert tstore.ecdh(info.key, peer.public_key()) == peer.exchange(
        ec.ECDH(), contract.key.public_key()
    )


def test_close_sends_orderly_shutdown(tstore: TpmKeystore) -> None:
    from tpm2_pytss.constants import TPM2_SU

    esapi = tstore.engine.link.esapi()
    sent: list[object] = []
    original = esapi.shutdown

    def spy(kind: object) -> None:
        sent.append(kind)
        original(kind)

    esapi.shutdown = spy
    tstore.close()
    assert sent == [TPM2_SU.STATE]
    tstore.close()  # closing twice is harmless
    assert sent == [TPM2_SU.STATE]


def test_store_survives_a_new_process_view(swtpm: Swtpm, tmp_path: Path, pki: Pki) -> None:
    # A second context (like a later boot of the ECU software) finds the persistent key.
    first = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, create=True, clock=clock)
    first.create_provisioning_key(PCID, "iso2")
    pub = first.public_key(PROVISIONING)
    first.close()
    swtpm.restart()
    second = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, clock=clock)
    try:
        digest = os.urandom(32)
        pub.verify(second.sign(PROVISIONING, digest), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    finally:
        second.close()


def test_foreign_srk_at_0x81000001_is_left_alone(swtpm: Swtpm, tmp_path: Path, pki: Pki) -> None:
    from tpm2_pytss import ESAPI
    from tpm2_pytss.constants import ESYS_TR

    esapi = ESAPI(swtpm.tcti)
    try:  # an RSA SRK as other TPM users (tpm2-tools) create it
        tr = esapi.create_primary(None, "rsa2048:aes128cfb")[0]
        esapi.evict_control(ESYS_TR.OWNER, tr, 0x81000001)
        esapi.flush_context(tr)
        foreign_name = bytes(esapi.tr_get_name(esapi.tr_from_tpmpublic(0x81000001)))
    finally:
        esapi.close()
    store = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, create=True, clock=clock)
    try:
        assert store.status().detail["srk_handle"] != "0x81000001"
        contract = pki.contract()
        info = store.install_contract(contract.chain, contract.key)
        digest = os.urandom(32)
        contract.key.public_key().verify(
            store.sign(info.key, digest), digest, ec.ECDSA(Prehashed(hashes.SHA256()))
        )
        esapi = store.engine.link.esapi()
        assert bytes(esapi.tr_get_name(esapi.tr_from_tpmpublic(0x81000001))) == foreign_name
    finally:
        store.close()


def test_link_reconnects_after_transport_errors(swtpm: Swtpm) -> None:
    from tpm2_pytss import TSS2_Exception

    from keystore import TpmError
    from keystore.tpm_link import TpmLink

    link = TpmLink(swtpm.tcti)
    calls: list[object] = []

    def flaky(esapi: object) -> str:
        calls.append(esapi)
        if len(calls) == 1:
            raise TSS2_Exception(0xA000A)  # TSS2_TCTI_RC_IO_ERROR: the transport went away
        return "ok"

    try:
        assert link.run(flaky, "probe") == "ok"
        assert link.reconnects == 1 and calls[0] is not calls[1]  # a new ESAPI context

        def dead(esapi: object) -> None:
            raise TSS2_Exception(0xA000A)

        with pytest.raises(TpmUnavailableError):
            link.run(dead, "probe")

        def refused(esapi: object) -> None:
            raise TSS2_Exception(0x18B)  # TPM_RC_HANDLE from the TPM itself: no retry

        with pytest.raises(TpmError) as info:
            link.run(refused, "probe")
        assert info.value.rc == 0x18B
    finally:
        link.close()


def test_roots_nv_index_is_written_only_with_owner_auth(tstore: TpmKeystore) -> None:
    from tpm2_pytss import TSS2_Exception
    from tpm2_pytss.constants import ESYS_TR, TPMA_NV

    pki = Pki()
    tstore.add_root(pki.v2g_root.cert)
    index = int(str(tstore.status().detail["roots_nv_index"]), 16)
    esapi = tstore.engine.link.esapi()
    nv = esapi.tr_from_tpmpublic(index)
    attrs = int(esapi.nv_read_public(nv)[0].nvPublic.attributes)
    assert attrs & int(TPMA_NV.OWNERWRITE) and attrs & int(TPMA_NV.NO_DA)
    for flag in ("AUTHWRITE", "PPWRITE", "POLICYWRITE", "WRITEALL"):
        assert not attrs & int(getattr(TPMA_NV, flag)), flag
    # Writing with the index's own (empty) authorization is refused by the TPM ...
    with pytest.raises(TSS2_Exception) as refused:
        esapi.nv_write(nv, bytes(32), 0, nv)
    assert refused.value.rc & 0xFFF == 0x12F  # TPM_RC_AUTH_UNAVAILABLE
    # ... so the digest still protects the set that was committed,
    assert [r.subject for r in tstore.roots()] == [pki.v2g_root.cert.subject.rfc4514_string()]
    # and it is what the set is checked against: another digest (owner) refuses the file.
    esapi.nv_write(nv, bytes(32), 0, ESYS_TR.OWNER)
    with pytest.raises(TrustAnchorTamperedError):
        tstore.roots()


def test_swtpm_state_is_owner_only(swtpm: Swtpm) -> None:
    assert swtpm.state_dir.stat().st_mode & 0o777 == 0o700


def test_cleared_tpm_is_a_clear_error(swtpm: Swtpm, tmp_path: Path) -> None:
    import shutil

    from keystore import TpmError

    TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, create=True, clock=clock).close()
    swtpm.kill()
    shutil.rmtree(swtpm.state_dir)  # a factory-fresh TPM answers on the same port
    swtpm.start()
    with pytest.raises(TpmError, match="holds no SRK at 0x81000001: it was cleared"):
        TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, clock=clock)


def test_evicted_provisioning_key_is_a_clear_error(tstore: TpmKeystore) -> None:
    from tpm2_pytss.constants import ESYS_TR

    from keystore import TpmError

    info = tstore.create_provisioning_key(PCID, "iso2")
    assert info.tpm_handle is not None
    esapi = tstore.engine.link.esapi()
    esapi.evict_control(ESYS_TR.OWNER, esapi.tr_from_tpmpublic(info.tpm_handle), info.tpm_handle)
    tstore.engine.link.forget(info.tpm_handle)
    wanted = f"no longer holds the provisioning key at 0x{info.tpm_handle:08x}"
    with pytest.raises(TpmError, match=wanted):
        tstore.sign(PROVISIONING, bytes(32))


class _Crash(BaseException):
    """Stands for the process dying: nothing catches it, nothing is cleaned up."""


def _handles(store: TpmKeystore) -> set[str]:
    return set(store.status().detail["persistent_handles"])


def test_orphaned_provisioning_key_is_found_and_evicted(
    swtpm: Swtpm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A create that died between EvictControl and writing provisioning.json."""
    other = TpmKeystore(tmp_path / "other", tcti=swtpm.tcti, create=True, clock=clock)
    other.create_provisioning_key(PCID, "iso2")
    foreign = TpmKeystore(tmp_path / "foreign", tcti=swtpm.tcti, create=True, clock=clock)
    foreign.create_provisioning_key(PCID, "iso2")
    foreign.close()
    (tmp_path / "foreign" / "provisioning.json").unlink()  # a handle no file references,
    store = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, create=True, clock=clock)  # unmarked
    before = _handles(store)
    real_write = files.atomic_write

    def crash_on_provisioning(path: Path, data: bytes) -> None:
        if path.name == "provisioning.json":
            raise _Crash
        real_write(path, data)

    monkeypatch.setattr(files, "atomic_write", crash_on_provisioning)
    with pytest.raises(_Crash):
        store.create_provisioning_key(PCID, "iso2")
    monkeypatch.undo()
    store.engine.link.close(shutdown=False)
    (orphan,) = _handles(other) - before
    assert (tmp_path / "s" / "provisioning.pending.json").exists()

    store = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, clock=clock)
    try:
        assert store.provisioning() is None
        assert store.status().detail["orphaned_keys"] == [orphan]  # found, not yet touched
        assert orphan in _handles(store)
        info = store.create_provisioning_key(PCID, "iso20")
        after = _handles(store)
        assert after == before | {f"0x{info.tpm_handle:08x}"}  # orphan gone, nothing else
        assert "orphaned_keys" not in store.status().detail
        assert not (tmp_path / "s" / "provisioning.pending.json").exists()
        assert store.sign(PROVISIONING, b"\1" * 64)
        assert other.sign(PROVISIONING, b"\1" * 32)  # another store's key is untouched
    finally:
        store.close()
        other.close()


def test_replaced_key_left_by_a_crash_is_evicted_later(
    swtpm: Swtpm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--force died after writing the new provisioning.json, before evicting the old key."""
    store = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, create=True, clock=clock)
    first = store.create_provisioning_key(PCID, "iso2")

    def crash(record: object) -> bool:
        raise _Crash

    monkeypatch.setattr(store.engine, "destroy_key", crash)
    with pytest.raises(_Crash):
        store.create_provisioning_key(PCID, "iso2", replace_existing=True)
    store.engine.link.close(shutdown=False)
    store = TpmKeystore(tmp_path / "s", tcti=swtpm.tcti, clock=clock)
    try:
        second = store.provisioning()
        assert second is not None and second.public_key_pem != first.public_key_pem
        old = f"0x{first.tpm_handle:08x}"
        assert store.status().detail["orphaned_keys"] == [old]
        third = store.create_provisioning_key(PCID, "iso2", replace_existing=True)
        assert _handles(store) == {f"0x{third.tpm_handle:08x}"}
        assert "orphaned_keys" not in store.status().detail
    finally:
        store.close()


_entry = st.dictionaries(
    st.sampled_from(["type", "handle", "public", "private"]),
    st.none() | st.booleans() | st.integers(0x81000000, 0x81000300) | st.text(max_size=8)
    | st.sampled_from(["tpm-persistent", "00", "zz", "0018" + "00" * 24]),
    max_size=4,
)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.lists(_entry, max_size=3).map(lambda keys: {"keys": keys}),
    st.just({"keys": 5}), st.just([1, 2]), st.binary(max_size=20),
))
@example(content={"keys": [{"type": "tpm-persistent", "handle": 0x81000100, "public": "zz"}]})
@example(content={"keys": [{"type": "tpm-persistent", "handle": "0x81000100"}]})
def test_damaged_pending_note_gives_only_typed_errors(
    tstore: TpmKeystore, content: object
) -> None:
    pending = tstore.path / "provisioning.pending.json"
    if isinstance(content, bytes):
        pending.write_bytes(content)
    else:
        pending.write_text(json.dumps(content))
    own = tstore.provisioning()
    handles = _handles(tstore) - ({f"0x{own.tpm_handle:08x}"} if own and own.tpm_handle else set())
    status = tstore.status()  # reports, never raises for a bad note
    assert "orphaned_keys" not in status.detail  # nothing noted is on the TPM
    try:
        tstore.create_provisioning_key(PCID, "iso2", replace_existing=True)
    except KeystoreError as exc:
        assert "provisioning.pending.json" in str(exc)  # only a note that is no list of keys
    else:
        assert not pending.exists()
    assert handles <= _handles(tstore)  # only the replaced key of this store may go
    pending.unlink(missing_ok=True)

"""Contract admission by validity period, and the command-line lookup by id prefix or eMAID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from evcc.clock import FakeClock
from evcc.x509.identifiers import Emaid
from keystore import (
    AmbiguousReferenceError,
    ContractValidityError,
    KeyNotFoundError,
    Keystore,
    SoftKeystore,
)
from keystore.lookup import find_contract
from tests.keystore.conftest import make_store
from tests.keystore.pki import NOW, TEST_NOW, Pki


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TEST_NOW)


@pytest.fixture
def timed_store(
    backend: str, tmp_path: Path, clock: FakeClock, request: pytest.FixtureRequest
) -> Iterator[Keystore]:
    if backend == "soft":
        ks: Keystore = SoftKeystore(tmp_path / "s", passphrase=b"t", create=True, clock=clock)
    else:
        from keystore.tpm import TpmKeystore

        tpm = request.getfixturevalue("swtpm")
        ks = TpmKeystore(tmp_path / "s", tcti=tpm.tcti, create=True, clock=clock)
    yield ks
    ks.close()


@pytest.fixture
def soft_store(tmp_path: Path) -> Iterator[Keystore]:
    ks = make_store("soft", tmp_path / "s", None)
    yield ks
    ks.close()


def _files(store: Keystore) -> list[str]:
    return sorted(p.name for p in (store.path / "contracts").iterdir())


# ---------------------------------------------------------------- validity
def test_expired_and_not_yet_valid_leaves_are_refused(
    timed_store: Keystore, pki: Pki, clock: FakeClock
) -> None:
    old = pki.contract(days=10)
    future = pki.contract(start=NOW + timedelta(days=30))
    clock.set_utc(NOW + timedelta(days=11))
    with pytest.raises(ContractValidityError, match="is expired") as expired:
        timed_store.install_contract(old.chain, old.key)
    assert expired.value.state == "expired"
    assert old.emaid in str(expired.value)
    with pytest.raises(ContractValidityError, match="not yet valid") as early:
        timed_store.install_contract(future.chain, future.key)
    assert early.value.state == "not-yet-valid"
    assert timed_store.contracts() == [] and _files(timed_store) == []
    # a second before the end is still fine
    clock.set_utc(old.chain[0].not_valid_after_utc - timedelta(seconds=1))
    assert timed_store.install_contract(old.chain, old.key).validity == "valid"


def test_override_installs_and_is_recorded(
    timed_store: Keystore, pki: Pki, clock: FakeClock
) -> None:
    old = pki.contract(days=10)
    clock.set_utc(NOW + timedelta(days=20))
    info = timed_store.install_contract(old.chain, old.key, allow_expired=True)
    assert (info.validity, info.validity_override) == ("expired", True)
    stored = json.loads((timed_store.path / "contracts" / f"{info.id}.json").read_text())
    assert stored["validity_override"] is True
    fresh = pki.contract()
    ok = timed_store.install_contract(fresh.chain, fresh.key, allow_expired=True)
    assert ok.validity_override is False  # nothing to override
    listed = {c.id: c for c in timed_store.contracts()}
    assert listed[info.id].validity == "expired" and listed[ok.id].validity == "valid"
    # the key still works and expiry queries still see it
    assert timed_store.sign(info.key, b"\1" * 32)
    assert [c.id for c in timed_store.expiring(0)] == [info.id]


def test_validity_state_follows_the_clock(soft_store: Keystore, pki: Pki) -> None:
    a = pki.contract(days=5)
    info_a = soft_store.install_contract(a.chain, a.key)
    assert soft_store.contract(info_a.id).validity == "valid"
    clock = FakeClock(NOW + timedelta(days=6))
    reopened = SoftKeystore(soft_store.path, passphrase=b"test passphrase", clock=clock)
    assert reopened.contract(info_a.id).validity == "expired"
    clock.set_utc(NOW - timedelta(days=1))
    assert [c.validity for c in reopened.contracts()] == ["not-yet-valid"]


# ---------------------------------------------------------------- lookup
def test_lookup_by_emaid_in_any_spelling(soft_store: Keystore, pki: Pki) -> None:
    a, b = pki.contract(), pki.contract()
    ia = soft_store.install_contract(a.chain, a.key)
    soft_store.install_contract(b.chain, b.key)
    parsed = Emaid.parse(a.emaid)
    assert parsed.check_digit is not None
    spellings = [
        a.emaid,
        a.emaid.lower(),
        parsed.display,
        parsed.display.lower(),
        parsed.body,
        f"{parsed.country}-{parsed.provider}-{parsed.instance}".lower(),
        f" {a.emaid} ",
    ]
    for spelling in spellings:
        assert find_contract(soft_store.contracts(), spelling).id == ia.id, spelling
    assert find_contract(soft_store.contracts(), parsed.body.lower()).id == ia.id
    assert find_contract(soft_store.contracts(), ia.id[:5].upper()).id == ia.id


def test_stored_emaid_without_check_digit_matches_reference_with_it(
    soft_store: Keystore, pki: Pki
) -> None:
    m = pki.contract(emaid="DE-PNC-X12345678")
    info = soft_store.install_contract(m.chain, m.key)
    full = Emaid.parse("DEPNCX12345678").with_check_digit()
    assert find_contract(soft_store.contracts(), full.display).id == info.id
    assert find_contract(soft_store.contracts(), full.normalized.lower()).id == info.id


def test_wrong_check_digit_says_so(soft_store: Keystore, pki: Pki) -> None:
    a = pki.contract()
    soft_store.install_contract(a.chain, a.key)
    body, check = a.emaid[:14], a.emaid[14]
    wrong = body + ("0" if check != "0" else "1")
    with pytest.raises(KeyNotFoundError, match="check digit"):
        find_contract(soft_store.contracts(), wrong)


def test_ambiguous_prefix_and_shared_emaid_are_clear_errors(
    soft_store: Keystore, pki: Pki
) -> None:
    a, b = pki.contract(), pki.contract()
    ia = soft_store.install_contract(a.chain, a.key)
    ib = soft_store.install_contract(b.chain, b.key)
    with pytest.raises(AmbiguousReferenceError, match="matches 2 contracts") as err:
        find_contract(soft_store.contracts(), "de-pnc-c")
    assert ia.id in str(err.value) and ib.id in str(err.value)
    # a renewed certificate for the same account: the eMAID alone cannot choose
    renewed = pki.contract(emaid=a.emaid)
    ir = soft_store.install_contract(renewed.chain, renewed.key)
    with pytest.raises(AmbiguousReferenceError, match="give more of the id"):
        find_contract(soft_store.contracts(), a.emaid)
    assert {c.id for c in soft_store.contracts()} == {ia.id, ib.id, ir.id}
    found = find_contract(soft_store.contracts(), ir.id[:8])
    assert soft_store.remove_contract(found.id).id == ir.id
    with pytest.raises(KeyNotFoundError):
        find_contract(soft_store.contracts(), "XX")
    with pytest.raises(KeyNotFoundError):
        find_contract(soft_store.contracts(), "FRXYZ123456789")

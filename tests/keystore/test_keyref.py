"""Key use takes an exact KeyRef: strings, prefixes and eMAIDs are refused on both backends."""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from keystore import PROVISIONING, CorruptedFileError, KeyNotFoundError, KeyRef, Keystore
from tests.keystore.pki import Pki

PCID = "WMI1234567ABCDEFG7"
ROOT = Path(__file__).resolve().parents[2]


def _refusals(store: Keystore, pki: Pki) -> list[object]:
    contract = pki.contract(emaid="DE-PNC-C99912345")
    info = store.install_contract(contract.chain, contract.key)
    return ["de-pnc", "c999", "DE-PNC-C99912345", info.emaid, info.id, info.id[:6],
            "provisioning", info.id.encode(), None, 0, info]


def test_sign_ecdh_public_key_refuse_anything_but_a_keyref(store: Keystore, pki: Pki) -> None:
    store.create_provisioning_key(PCID, "iso2")
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    for reference in _refusals(store, pki):
        with pytest.raises(TypeError, match="KeyRef"):
            store.sign(reference, os.urandom(32))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="KeyRef"):
            store.ecdh(reference, peer)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="KeyRef"):
            store.public_key(reference)  # type: ignore[arg-type]


def test_keyrefs_come_from_the_listings(store: Keystore, pki: Pki) -> None:
    prov = store.create_provisioning_key(PCID, "iso2")
    contract = pki.contract()
    info = store.install_contract(contract.chain, contract.key)
    assert prov.key == PROVISIONING == KeyRef("provisioning")
    assert store.contracts()[0].key == info.key == KeyRef.contract(info.id)
    assert "key" not in info.to_json() and "key" not in prov.to_json()
    digest = os.urandom(32)
    leaf_pub = contract.chain[0].public_key()
    assert isinstance(leaf_pub, ec.EllipticCurvePublicKey)
    leaf_pub.verify(store.sign(info.key, digest), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    assert store.public_key(info.key) == leaf_pub


def test_keyref_of_a_removed_contract_is_not_found(store: Keystore, pki: Pki) -> None:
    contract = pki.contract()
    info = store.install_contract(contract.chain, contract.key)
    store.remove_contract(info.id)
    with pytest.raises(KeyNotFoundError):
        store.sign(info.key, os.urandom(32))
    with pytest.raises(KeyNotFoundError):
        store.ecdh(info.key, ec.generate_private_key(ec.SECP256R1()).public_key())


@pytest.mark.parametrize("contract_id", ["c999", "DE-PNC-C99912345", "0123456789ABCDEF",
                                         "0123456789abcdef0", "../../etc/passwd", ""])
def test_a_keyref_holds_only_an_exact_contract_id(contract_id: str) -> None:
    with pytest.raises(ValueError, match="exact key reference"):
        KeyRef.contract(contract_id)
    with pytest.raises(ValueError, match="exact key reference"):
        KeyRef("provisioning", "0123456789abcdef")


def test_management_takes_the_exact_id(store: Keystore, pki: Pki) -> None:
    contract = pki.contract()
    info = store.install_contract(contract.chain, contract.key)
    for reference in (info.id[:8], info.emaid, info.id.upper()):
        with pytest.raises(KeyNotFoundError):
            store.contract(reference)
        with pytest.raises(KeyNotFoundError):
            store.disable(reference)
    assert store.disable(info.id).enabled is False


def test_key_use_reads_only_its_own_contract(
    store: Keystore, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = pki.contract(), pki.contract()
    ia = store.install_contract(a.chain, a.key)
    ib = store.install_contract(b.chain, b.key)
    (store.path / "contracts" / f"{ib.id}.json").write_text("{damaged")
    with caplog.at_level(logging.WARNING, logger="keystore"):
        assert store.sign(ia.key, os.urandom(32))
    assert not caplog.records  # no scan of the other contract files
    with pytest.raises(CorruptedFileError):
        store.sign(ib.key, os.urandom(32))


def _imports_lookup(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "keystore.lookup":
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "keystore" and any(
            a.name == "lookup" for a in node.names
        ):
            return True
        if isinstance(node, ast.Import) and any(a.name == "keystore.lookup" for a in node.names):
            return True
    return False


def test_fuzzy_lookup_is_used_by_the_command_line_only() -> None:
    users = [
        path.relative_to(ROOT).as_posix()
        for package in ("evcc", "keystore", "ota", "platform", "benchmarks")
        for path in (ROOT / package).rglob("*.py")
        if _imports_lookup(path)
    ]
    assert users, "the contracts command resolves what a person types"
    assert all(u.startswith("evcc/cli/") for u in users), users

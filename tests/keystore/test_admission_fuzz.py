"""The admission checks on mutated certificates: only typed keystore and toolkit errors escape."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.errors import X509Error
from evcc.x509 import chain
from evcc.x509.parse import parse_der
from keystore import KeystoreError, SoftKeystore, admission
from tests.keystore.pki import Pki, clock

_PKI = Pki()
_CONTRACT = _PKI.contract()
_SEEDS = [
    c.public_bytes(serialization.Encoding.DER)
    for c in (_PKI.v2g_root.cert, _PKI.mo_root.cert, *_CONTRACT.chain)
]
_TMP = tempfile.TemporaryDirectory(prefix="evcc-admission-fuzz-")
_STORE = SoftKeystore(Path(_TMP.name) / "s", passphrase=b"fuzz", create=True, clock=clock)
_STORE.add_root(_PKI.mo_root.cert, kind="mo")  # so that every link of a contract chain counts
_EDITS = st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=4)
pytestmark = pytest.mark.filterwarnings(
    "ignore::cryptography.utils.CryptographyDeprecationWarning"  # e.g. a zero serial number
)


def _mutate(seed: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(seed)
    for pos, value in edits:
        data[pos % len(data)] = value
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_SEEDS), _EDITS)
def test_mutated_certificates_raise_only_keystore_errors(
    seed: bytes, edits: list[tuple[int, int]]
) -> None:
    try:
        cert = parse_der(_mutate(seed, edits))
    except X509Error:
        return
    roots: list[x509.Certificate] = [_PKI.mo_root.cert]
    for check in (chain.check_root, admission.check_contract_leaf,
                  admission.check_provisioning_leaf,
                  lambda c: chain.check_anchored([c], roots, "MO")):
        with contextlib.suppress(KeystoreError, X509Error):
            check(cert)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2), _EDITS)
def test_store_refuses_mutated_chains_with_typed_errors_only(
    index: int, edits: list[tuple[int, int]]
) -> None:
    chain = [c.public_bytes(serialization.Encoding.DER) for c in _CONTRACT.chain]
    chain[index] = _mutate(chain[index], edits)
    if chain[index] in _SEEDS:
        return  # the edit changed nothing
    with contextlib.suppress(KeystoreError):
        _STORE.install_contract(chain, _CONTRACT.key)
    with contextlib.suppress(KeystoreError):
        _STORE.add_root(chain[index])
    # A mutated certificate never becomes trusted or installed: every signature is checked
    # up to the MO root, and a changed CA is not self-signed.
    assert _STORE.contracts() == []
    assert [r.subject for r in _STORE.roots()] == [_PKI.mo_root.cert.subject.rfc4514_string()]

"""Fuzz the store-file and input parsers: only KeystoreError family errors may escape."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.errors import X509Error
from evcc.x509.keys import peer_point
from evcc.x509.parse import load_certificates
from keystore import KeystoreError, TpmEncryptedPrivateKey, parse_spec, resolve_tcti
from keystore.files import read_json
from keystore.records import ContractRecord, ProvisioningRecord, contract_id, decode_roots
from tests.keystore.pki import NOW, Pki

_scalar = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_json = _scalar | st.lists(_scalar, max_size=3) | st.dictionaries(st.text(max_size=6), _scalar,
                                                                  max_size=3)
_FIELDS = ["format", "id", "emaid", "source", "priority", "enabled", "installed_at", "chain",
           "key", "pcid", "profile", "created_at", "roots", "protection"]
_records = st.dictionaries(st.sampled_from(_FIELDS), _json, max_size=len(_FIELDS)).map(
    lambda d: {**d, "format": 1} if d.get("format") is None else d
)
PATH = Path("/nonexistent/0123456789abcdef.json")


def _valid_contract() -> dict[str, object]:
    c = Pki().contract()
    record = ContractRecord(
        id=contract_id(c.chain[0]), emaid=c.emaid, source="ota", priority=1, enabled=True,
        installed_at=NOW, chain=c.chain, key={"type": "soft-aes256gcm"},
    )
    return record.to_json()


VALID = _valid_contract()


@settings(max_examples=150, deadline=None)
@given(_records)
def test_record_parsers_raise_only_typed_errors(obj: dict[str, object]) -> None:
    for parse in (ContractRecord.from_json, ProvisioningRecord.from_json, decode_roots):
        with contextlib.suppress(KeystoreError):
            parse(obj, PATH)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(VALID)), _json | st.just(None), st.booleans())
def test_mutated_contract_record(field: str, value: object, drop: bool) -> None:
    obj = dict(VALID)
    if drop:
        del obj[field]
    else:
        obj[field] = value
    path = PATH.with_name(f"{VALID['id']}.json")
    try:
        record = ContractRecord.from_json(obj, path)
    except KeystoreError:
        return
    assert not drop, "a record without a required field was accepted"
    back = record.to_json()
    assert {k: v for k, v in back.items() if k != "installed_at"} == {
        k: v for k, v in obj.items() if k != "installed_at"
    }


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_read_json_on_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("j") / "f.json"
    path.write_bytes(data)
    with contextlib.suppress(KeystoreError):
        assert isinstance(read_json(path), dict)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_binary_inputs(data: bytes) -> None:
    with contextlib.suppress(KeystoreError):
        TpmEncryptedPrivateKey.from_bytes(data)
    for parse in (load_certificates, lambda d: peer_point(d, "secp256r1")):
        with contextlib.suppress(X509Error):  # the certificate toolkit's typed error
            parse(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_spec_and_tcti_strings(text: str) -> None:
    for parse in (parse_spec, lambda t: resolve_tcti(t, {})):
        with contextlib.suppress(KeystoreError):
            parse(text)


def test_valid_records_parse() -> None:
    # The fuzzers above must be able to reach success: well-formed files parse.
    entries, protection = decode_roots(json.loads('{"format": 1, "roots": [], "protection": {}}'),
                                       PATH)
    assert entries == [] and protection == {}
    record = ContractRecord.from_json(dict(VALID), PATH.with_name(f"{VALID['id']}.json"))
    assert record.to_json() == VALID

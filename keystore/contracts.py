"""Contract admission and records: install as one transaction, exact reads, changes, removal."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.x509.chain import check_anchored, check_links
from evcc.x509.identifiers import normalize_emaid
from evcc.x509.keys import ec_public_key, same_public_key
from keystore import admission, files
from keystore.engine import TpmEncryptedPrivateKey
from keystore.errors import (
    CertificateError,
    ContractValidityError,
    CorruptedFileError,
    KeyMismatchError,
    KeyNotFoundError,
)
from keystore.lifecycle import StoreDir
from keystore.model import CONTRACT_ID, ContractInfo, ContractSource, validity_at
from keystore.records import ContractRecord, contract_id

log = logging.getLogger("keystore")


def _path(store: StoreDir, cid: str) -> Path:
    return store.contracts_dir / f"{cid}.json"


def scan(store: StoreDir) -> tuple[list[ContractRecord], list[str]]:
    """Every readable contract, preferred first, and the problems of the damaged files."""
    records, problems = [], []
    for path in sorted(store.contracts_dir.glob("*.json")):
        try:
            records.append(ContractRecord.from_json(files.read_json(path), path))
        except FileNotFoundError:
            continue  # removed while listing
        except CorruptedFileError as exc:
            log.warning("skipping damaged contract file: %s", exc)
            problems.append(str(exc))
    records.sort(key=lambda r: (r.priority, r.installed_at, r.id))
    return records, problems


def read(store: StoreDir, cid: str) -> ContractRecord:
    """The contract with exactly this id (no scan of the other contracts)."""
    if not isinstance(cid, str):
        raise TypeError(f"a contract id is a str, not {type(cid).__name__}")
    if not CONTRACT_ID.fullmatch(cid):
        raise KeyNotFoundError(f"no contract with id {cid!r} (an id is 16 lower-case hex digits)")
    path = _path(store, cid)
    try:
        return ContractRecord.from_json(files.read_json(path), path)
    except FileNotFoundError:
        raise KeyNotFoundError(f"no contract with id {cid}") from None


def install(
    store: StoreDir,
    parsed: Sequence[x509.Certificate],
    private_key: ec.EllipticCurvePrivateKey | TpmEncryptedPrivateKey,
    *,
    emaid: str | None,
    source: ContractSource,
    priority: int | None,
    allow_expired: bool,
) -> ContractInfo:
    """Admit a parsed chain (leaf first) with its key and write it as one transaction."""
    check_links(parsed)
    leaf = parsed[0]
    leaf_pub = ec_public_key(leaf)
    cn = admission.check_contract_leaf(leaf)
    now = store.clock.utc()
    state = validity_at(leaf.not_valid_before_utc, leaf.not_valid_after_utc, now)
    if state != "valid" and not allow_expired:
        period = f"{leaf.not_valid_before_utc:%Y-%m-%d %H:%M} .. "
        period += f"{leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
        raise ContractValidityError(
            f"contract certificate {cn} is {state.replace('-', ' ')} (valid {period}, "
            f"now {now.isoformat()}); refused",
            state,
        )
    check_anchored(parsed, _anchors(store), "MO")
    emaid = emaid if emaid is not None else cn
    if not emaid or normalize_emaid(emaid) != normalize_emaid(cn):
        raise CertificateError(f"eMAID {emaid!r} does not match the contract CN {cn!r}")
    if priority is not None and not 0 <= priority <= 9999:
        raise CertificateError("priority must be 0..9999")
    cid = contract_id(leaf)
    slot = f"contract:{cid}"
    if isinstance(private_key, TpmEncryptedPrivateKey):
        key = store.engine.import_wrapped(private_key, leaf_pub, slot)
    else:
        if not same_public_key(private_key.public_key(), leaf_pub):
            raise KeyMismatchError("the private key does not belong to the contract leaf")
        key = store.engine.import_key(private_key, slot)
    if not same_public_key(store.engine.public_key(key, slot), leaf_pub):
        raise KeyMismatchError("the imported key does not belong to the contract certificate")
    with files.store_lock(store.path):
        existing = scan(store)[0]
        previous = next((r for r in existing if r.id == cid), None)
        if priority is None:
            priority = (
                previous.priority
                if previous
                else max((r.priority for r in existing), default=0) + 1
            )
        record = ContractRecord(
            id=cid,
            emaid=emaid,
            source=source,
            priority=priority,
            enabled=previous.enabled if previous else True,
            installed_at=now,
            chain=list(parsed),
            key=key,
            validity_override=state != "valid",
        )
        files.atomic_write(_path(store, cid), files.dump_json(record.to_json()))
    return record.info(now)


def _anchors(store: StoreDir) -> list[x509.Certificate]:
    """With MO roots in the store, a contract chain must end at an MO or V2G root."""
    entries = store.trust.entries()
    if not any(e.kind == "mo" for e in entries):
        return []
    return [e.cert() for e in entries if e.kind in ("mo", "v2g")]


def update(store: StoreDir, cid: str, **changes: Any) -> ContractInfo:
    """Change fields of one contract record."""
    with files.store_lock(store.path):
        record = replace(read(store, cid), **changes)
        files.atomic_write(_path(store, record.id), files.dump_json(record.to_json()))
    return record.info(store.clock.utc())


def remove(store: StoreDir, cid: str) -> ContractInfo:
    """Delete a contract and its key blob."""
    with files.store_lock(store.path):
        record = read(store, cid)
        files.durable_unlink(_path(store, record.id))
    return record.info(store.clock.utc())

"""Provisioning recovery: evict keys an interrupted ``create_provisioning_key`` left behind.

Keys a create noted before making them persistent, and that ``provisioning.json`` does not
reference, were left by an interrupted create (or by a replace that did not get to evict the
old key). Only these are ever evicted: each is checked to be exactly the key noted (TPM name
= hash of the recorded public area, our template, our handle range), so keys of other stores
on the same TPM and foreign objects are never touched.
"""

from __future__ import annotations

import logging

from keystore import files
from keystore.engine import KeyRecord
from keystore.errors import CorruptedFileError
from keystore.lifecycle import StoreDir

log = logging.getLogger("keystore")


def note_pending(store: StoreDir, pending: list[KeyRecord]) -> None:
    """Record keys about to become persistent (call under the store lock)."""
    files.atomic_write(store.pending_path, files.dump_json({"keys": pending}))


def pending_keys(store: StoreDir) -> list[KeyRecord]:
    """The keys noted by creates that did not finish."""
    try:
        obj = files.read_json(store.pending_path)
    except FileNotFoundError:
        return []
    keys = obj.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise CorruptedFileError(f"{store.pending_path}: no list of keys")
    return keys


def orphaned_keys(store: StoreDir, current: KeyRecord | None) -> list[KeyRecord]:
    """Noted keys that the engine still holds and that are not the ``current`` key."""
    pending = pending_keys(store)
    if not pending:
        return []
    orphans = []
    for key in pending:
        if _same_key(key, current):
            continue
        try:
            resident = store.engine.key_resident(key)
        except CorruptedFileError:  # not a note this store wrote: never evict for it
            log.warning("%s: ignoring a damaged entry", store.pending_path)
            continue
        if resident:
            orphans.append(key)
    return orphans


def recover(store: StoreDir, current: KeyRecord | None) -> None:
    """Evict orphaned keys and drop the note; the caller holds the store lock."""
    for key in orphaned_keys(store, current):
        if store.engine.destroy_key(key):
            log.warning("evicted orphaned provisioning key at %s", handle_text(key))
    clear(store)


def clear(store: StoreDir) -> None:
    """Drop the note (every key in it is referenced or evicted)."""
    if store.pending_path.exists():
        files.durable_unlink(store.pending_path)


def handle_text(key: KeyRecord) -> str:
    """The persistent handle of a key record, for messages."""
    handle = key.get("handle")
    return f"0x{handle:08x}" if isinstance(handle, int) else "?"


def _same_key(a: KeyRecord, b: KeyRecord | None) -> bool:
    return b is not None and a.get("handle") == b.get("handle") and a.get("public") == b.get(
        "public"
    )

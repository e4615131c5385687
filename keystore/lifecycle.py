"""A store directory's life: its layout, creation (all or nothing) and opening."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from evcc.clock import Clock
from keystore import files
from keystore.engine import KeyEngine
from keystore.errors import (
    CorruptedFileError,
    KeystoreError,
    StoreBackendMismatchError,
    StoreExistsError,
    StoreNotInitializedError,
)
from keystore.records import FORMAT, check_format
from keystore.trust import TrustAnchors


@dataclass(frozen=True)
class StoreDir:
    """One store directory with its key engine, clock and trust anchors."""

    path: Path
    engine: KeyEngine
    clock: Clock
    trust: TrustAnchors

    @classmethod
    def at(cls, path: Path, engine: KeyEngine, clock: Clock) -> StoreDir:
        """The store directory ``path`` served by ``engine``."""
        return cls(Path(path), engine, clock, TrustAnchors(Path(path), engine))

    @property
    def meta_path(self) -> Path:
        """``keystore.json``: format, backend, backend data."""
        return self.path / "keystore.json"

    @property
    def prov_path(self) -> Path:
        """``provisioning.json``: the OEM provisioning identity."""
        return self.path / "provisioning.json"

    @property
    def pending_path(self) -> Path:
        """Keys a provisioning create noted before making them persistent."""
        return self.path / "provisioning.pending.json"

    @property
    def contracts_dir(self) -> Path:
        """One file per contract."""
        return self.path / "contracts"


def create(store: StoreDir) -> None:
    """Make a new store; nothing half-made stays behind if that fails."""
    if store.meta_path.exists():
        raise StoreExistsError(f"{store.path} already holds a keystore")
    fresh = not store.path.exists()
    before = set() if fresh or not store.path.is_dir() else set(store.path.iterdir())
    try:
        _create_files(store)
    except BaseException as exc:
        # Nothing half-made stays behind: remove what this attempt created.
        if fresh:
            shutil.rmtree(store.path, ignore_errors=True)
        elif store.path.is_dir():
            for entry in set(store.path.iterdir()) - before:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
        if isinstance(exc, OSError):
            raise KeystoreError(
                f"cannot create a keystore in {store.path}: {exc.strerror or exc}"
            ) from None
        raise


def _create_files(store: StoreDir) -> None:
    files.ensure_dir(store.path)
    store.path.chmod(files.DIR_MODE)
    with files.store_lock(store.path):
        files.ensure_dir(store.path / "trust")
        files.ensure_dir(store.contracts_dir)
        backend_meta = store.engine.init_meta()
        store.trust.write([])
        meta = {
            "format": FORMAT,
            "backend": store.engine.backend,
            "created_at": store.clock.utc().isoformat(),
            "backend_data": backend_meta,
        }
        files.atomic_write(store.meta_path, files.dump_json(meta))


def open_existing(store: StoreDir) -> None:
    """Attach the engine to an existing store and finish interrupted changes."""
    if not store.path.is_dir() or not store.meta_path.exists():
        raise StoreNotInitializedError(
            f"{store.path} holds no keystore (create one with `evcc keystore init`)"
        )
    meta = files.read_json(store.meta_path)
    check_format(meta, store.meta_path)
    if meta.get("backend") != store.engine.backend:
        raise StoreBackendMismatchError(
            f"{store.path} is a {meta.get('backend')!r} store, "
            f"opened as {store.engine.backend!r}"
        )
    data = meta.get("backend_data")
    if not isinstance(data, dict):
        raise CorruptedFileError(f"{store.meta_path}: backend_data missing")
    store.engine.open_meta(data)
    with files.store_lock(store.path):  # writers hold it: their temporaries are safe
        for directory in (store.path, store.path / "trust", store.contracts_dir):
            files.clean_temporaries(directory)
        store.trust.recover()

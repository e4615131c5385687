"""Crash-safe file primitives: write-new + fsync + rename + directory fsync, and a store lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from keystore.errors import CorruptedFileError, KeystoreError

TMP_MARKER = ".tmp-"
FILE_MODE = 0o600
DIR_MODE = 0o700


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(directory: Path) -> None:
    """Create ``directory`` (mode 0700) and make its entry durable."""
    if directory.is_dir():
        return
    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fsync_dir(directory.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(f".{path.name}{TMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def durable_unlink(path: Path) -> None:
    """Remove ``path`` (if present) and make the removal durable."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fsync_dir(path.parent)


def clean_temporaries(directory: Path) -> int:
    """Delete half-written files that a crash left behind; returns how many."""
    removed = 0
    if not directory.is_dir():
        return 0
    for entry in directory.iterdir():
        if entry.name.startswith(".") and TMP_MARKER in entry.name:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
                removed += 1
    return removed


def dump_json(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys) for store files."""
    return (json.dumps(obj, sort_keys=True, indent=1) + "\n").encode()


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from ``path``; any damage becomes :class:`CorruptedFileError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeystoreError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptedFileError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(obj, dict):
        raise CorruptedFileError(f"{path}: expected a JSON object")
    return obj


@contextlib.contextmanager
def store_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on the store while mutating it."""
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

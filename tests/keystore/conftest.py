"""Fixtures: a fresh swtpm per test on loopback, and stores of both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keystore import Keystore, SoftKeystore
from keystore.swtpm import Swtpm
from tests.keystore.pki import Pki, clock


@pytest.fixture
def swtpm(tmp_path: Path) -> Iterator[Swtpm]:
    with Swtpm(tmp_path / "tpmstate") as tpm:
        yield tpm


def make_store(kind: str, path: Path, swtpm: Swtpm | None, *, create: bool = True) -> Keystore:
    if kind == "soft":
        return SoftKeystore(path, passphrase=b"test passphrase", create=create, clock=clock)
    from keystore.tpm import TpmKeystore

    assert swtpm is not None
    return TpmKeystore(path, tcti=swtpm.tcti, create=create, clock=clock)


@pytest.fixture(params=["soft", "tpm"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Keystore]:
    tpm = request.getfixturevalue("swtpm") if backend == "tpm" else None
    ks = make_store(backend, tmp_path / "store", tpm)
    try:
        yield ks
    finally:
        ks.close()


@pytest.fixture(scope="session")
def pki() -> Pki:
    return Pki("iso2")


@pytest.fixture(scope="session")
def pki20() -> Pki:
    return Pki("iso20")

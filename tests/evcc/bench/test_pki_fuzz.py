"""Fuzz: manifest and certificate files with arbitrary content raise only PkiError."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evcc.bench.pki import load_manifest
from evcc.cli.files import read_certificates
from evcc.errors import PkiError

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["profile", "pcid", "emaid", "certs", "v2g_root", "pem", "der", "key",
                         "x"]), inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(_json.map(json.dumps), st.text(max_size=60)))
def test_fuzz_load_manifest(tmp_path: Path, text: str) -> None:
    (tmp_path / "manifest.json").write_text(text)
    with contextlib.suppress(PkiError):
        load_manifest(tmp_path)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=120).map(
        lambda b: b"-----BEGIN CERTIFICATE-----\n" + b + b"\n-----END CERTIFICATE-----\n"),
))
def test_fuzz_load_certificates(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "c.pem"
    path.write_bytes(data)
    try:
        certs = read_certificates(path)
    except PkiError:
        return
    assert certs

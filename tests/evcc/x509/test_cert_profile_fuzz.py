"""Fuzz: mutated certificates never make the checker raise; it reports rules instead."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evcc.bench.pki import PkiManifest, init_pki
from evcc.x509.profile import RULES, check_certificate, check_chain, infer_role
from evcc.x509.profile_roles import ROLES, Role
from tests.evcc.x509.certkit import NOW


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    return init_pki(Path(tmp_path_factory.mktemp("fuzz")) / "iso2", "iso2", now=NOW)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role_index=st.integers(0, len(ROLES) - 1),
       edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1,
                      max_size=4))
def test_mutated_certificates_only_yield_violations(pki: PkiManifest, role_index: int,
                                                    edits: list[tuple[int, int]]) -> None:
    role = ROLES[role_index]
    der = bytearray(pki.cert(role).public_bytes(Encoding.DER))
    for position, value in edits:
        der[position % len(der)] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cert = x509.load_der_x509_certificate(bytes(der))
        except (ValueError, x509.InvalidVersion):
            return
        guessed = infer_role(cert)
        for candidate in (role, guessed, None):
            for v in check_certificate(cert, candidate, "iso2", now=NOW):
                assert v.rule in RULES
        chain = [cert, pki.cert(Role.CPO_SUB2), pki.cert(Role.CPO_SUB1)]
        for v in check_chain(chain, "iso2", now=NOW):
            assert v.rule in RULES

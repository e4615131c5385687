"""TLS 1.2 client policy: the context, the SECC chain profile check, stable refusal reasons."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evcc.bench.pki import PkiManifest, init_pki
from evcc.runtime import tls

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiManifest:
    return init_pki(tmp_path_factory.mktemp("pki"), "iso2", now=NOW)


def secc_chain(pki: PkiManifest) -> list:  # type: ignore[type-arg]
    return [pki.cert("secc_leaf"), pki.cert("cpo_sub2"), pki.cert("cpo_sub1"),
            pki.cert("v2g_root")]


def test_context_is_tls12_only_with_the_iso2_suites(pki: PkiManifest, tmp_path: Path) -> None:
    ctx = tls.client_context([pki.cert("v2g_root")], keylog=tmp_path / "keys.log")
    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_2
    assert ctx.maximum_version is ssl.TLSVersion.TLSv1_2
    assert not ctx.check_hostname and ctx.verify_mode is ssl.CERT_REQUIRED
    names = {c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert names == {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256"}
    assert ctx.keylog_filename == str(tmp_path / "keys.log")
    assert len(ctx.get_ca_certs()) == 1
    assert tls.client_context([pki.cert("v2g_root")]).keylog_filename is None


def test_context_needs_a_root() -> None:
    with pytest.raises(ValueError, match="V2G root"):
        tls.client_context([])


def test_a_profile_conform_secc_chain_is_accepted(pki: PkiManifest) -> None:
    notes: list[str] = []
    assert tls.check_secc_chain(secc_chain(pki), NOW, notes) is None
    assert notes == []


def test_refusals(pki: PkiManifest) -> None:
    chain = secc_chain(pki)
    expired = tls.check_secc_chain(chain, NOW + timedelta(days=3650))
    assert expired is not None and expired.reason == "tls_secc_profile"
    assert "expired" in expired.detail
    # A CPS leaf is no SECC certificate (DC=CPS, not CPO).
    cps = [pki.cert("cps_leaf"), pki.cert("cps_sub2"), pki.cert("cps_sub1"), pki.cert("v2g_root")]
    wrong = tls.check_secc_chain(cps, NOW)
    assert wrong is not None and wrong.reason == "tls_secc_profile" and "dc_value" in wrong.detail
    too_long = tls.check_secc_chain([chain[0], chain[1], chain[1], chain[2], chain[3]], NOW)
    assert too_long is not None and too_long.reason == "tls_secc_chain_too_long"
    empty = tls.check_secc_chain([], NOW)
    assert empty is not None and empty.reason == "tls_no_secc_certificate"


def test_refusal_reasons_come_from_openssl_codes() -> None:
    def verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
        exc = ssl.SSLCertVerificationError(1, message)
        exc.verify_code, exc.verify_message = code, message
        return exc

    assert tls.refusal_of(verify_error(10, "certificate has expired")).reason == \
        "tls_secc_certificate_expired"
    assert tls.refusal_of(verify_error(9, "not yet")).reason == \
        "tls_secc_certificate_not_yet_valid"
    assert tls.refusal_of(verify_error(20, "unable to get local issuer")).reason == \
        "tls_secc_chain_untrusted"
    assert tls.refusal_of(ssl.SSLError(1, "handshake failure")).reason == "tls_handshake_failed"

"""A resilient ESAPI connection: reconnects after a TPM restart and answers TPM_RC_INITIALIZE."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tpm2_pytss import ESAPI, TSS2_Exception
from tpm2_pytss.constants import ESYS_TR, TPM2_SU

from keystore.errors import NvFullError, TpmAuthError, TpmError, TpmUnavailableError

T = TypeVar("T")

RC_INITIALIZE = 0x100
RC_NV_SPACE = 0x14B
RC_LOCKOUT = 0x921
RC_AUTH_FAIL = 0x08E  # format 1: wrong auth, counts for DA protection
RC_BAD_AUTH = 0x0A2  # format 1: wrong auth without DA implications (hierarchies, noDA)
_RETRY_WARNINGS = (0x908, 0x90A, 0x922)  # YIELDED, TESTING, RETRY


def rc_of(exc: BaseException) -> int:
    """Response code of a TSS2 exception (0 if it has none)."""
    return int(getattr(exc, "rc", 0) or 0)


def tpm_layer(rc: int) -> bool:
    """True for codes the TPM itself returned (not the TSS or the transport)."""
    return (rc >> 16) & 0xFF == 0


def describe(exc: BaseException, what: str) -> TpmError:
    """Map a TSS2 exception to the keystore error family."""
    rc = rc_of(exc)
    base = rc & 0xFFF
    if base in (RC_NV_SPACE,):
        return NvFullError(f"{what}: TPM NV memory is full ({exc})", rc)
    if rc & 0x80 and rc & 0xBF in (RC_AUTH_FAIL, RC_BAD_AUTH):
        return TpmAuthError(
            f"{what}: the TPM refused the authorization; for owner-authorized commands check "
            "the owner authorization given (CLI --owner-auth-file or "
            f"$EVCC_TPM_OWNER_AUTH_FILE) (rc 0x{rc:x})",
            rc,
        )
    if base == RC_LOCKOUT:
        return TpmError(
            f"{what}: TPM is in dictionary-attack lockout; reset it with the lockout "
            f"authorization ({exc})",
            rc,
        )
    return TpmError(f"{what}: {exc} (rc 0x{rc:x})", rc)


class TpmLink:
    """Owns one ESAPI context; :meth:`run` retries across restarts and re-resolves handles."""

    def __init__(self, tcti: str, owner_auth: bytes = b"") -> None:
        self.tcti = tcti
        self._owner_auth = owner_auth
        self._esapi: Any = None
        self._handles: dict[int, Any] = {}
        self.reconnects = 0
        self.startups = 0

    def _connect(self) -> Any:
        # The TSS C libraries log every failed probe to stderr unless told otherwise.
        os.environ.setdefault("TSS2_LOG", "all+NONE")
        try:
            esapi = ESAPI(self.tcti)
        except Exception as exc:
            raise TpmUnavailableError(f"cannot reach a TPM via {self.tcti!r}: {exc}") from exc
        if self._owner_auth:
            esapi.tr_set_auth(ESYS_TR.OWNER, self._owner_auth)
        self._handles.clear()
        self._esapi = esapi
        return esapi

    def _drop(self) -> None:
        if self._esapi is not None:
            with contextlib.suppress(Exception):  # the connection is already broken
                self._esapi.close()
        self._esapi = None
        self._handles.clear()

    def esapi(self) -> Any:
        """The live ESAPI context (connecting on first use)."""
        return self._esapi if self._esapi is not None else self._connect()

    def run(self, op: Callable[[Any], T], what: str) -> T:
        """Run ``op(esapi)``; on a restart reconnect or send Startup and try again."""
        last: BaseException | None = None
        for _attempt in range(4):
            esapi = self.esapi()
            try:
                return op(esapi)
            except TSS2_Exception as exc:
                last = exc
                rc = rc_of(exc)
                if tpm_layer(rc) and rc & 0xFFF == RC_INITIALIZE:
                    self.startups += 1
                    try:
                        esapi.startup(TPM2_SU.CLEAR)
                    except TSS2_Exception as sexc:
                        if rc_of(sexc) & 0xFFF != RC_INITIALIZE:
                            raise describe(sexc, "TPM2_Startup") from sexc
                    self._handles.clear()
                    continue
                if tpm_layer(rc) and rc & 0xFFF in _RETRY_WARNINGS:
                    time.sleep(0.01)
                    continue
                if not tpm_layer(rc):  # transport or TSS state: the TPM went away
                    self.reconnects += 1
                    self._drop()
                    continue
                raise describe(exc, what) from exc
        assert last is not None
        if not tpm_layer(rc_of(last)):
            raise TpmUnavailableError(f"{what}: TPM via {self.tcti!r} not reachable: {last}")
        raise describe(last, what)

    def persistent(self, esapi: Any, handle: int) -> Any:
        """ESYS_TR for a persistent handle or NV index, resolved once per connection."""
        tr = self._handles.get(handle)
        if tr is None:
            tr = esapi.tr_from_tpmpublic(handle)
            self._handles[handle] = tr
        return tr

    def forget(self, handle: int) -> None:
        """Drop a cached handle (after evicting it)."""
        self._handles.pop(handle, None)

    def close(self, *, shutdown: bool = True) -> None:
        """Orderly ``TPM2_Shutdown(STATE)`` (when connected) and disconnect."""
        if self._esapi is None:
            return
        if shutdown:
            with contextlib.suppress(Exception):  # best effort while closing
                self._esapi.shutdown(TPM2_SU.STATE)
        self._drop()

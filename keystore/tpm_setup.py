"""A TPM store's anchors in the TPM: the SRK, the NV index of the trust-anchor digest, status.

The SRK (P-256 storage primary, persistent 0x81000001) parents every key; the digest of the
trust anchors lives in an owner-written NV index. :class:`keystore.tpm_keys.TpmEngine` adds
the keys on top.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from tpm2_pytss.constants import ESYS_TR, TPM2_CAP, TPM2_PT

from keystore import tpm_templates
from keystore.errors import CorruptedFileError, NvFullError, TpmError
from keystore.tpm_link import TpmLink

SRK_HANDLE = 0x81000001
KEY_HANDLES = range(0x81000100, 0x81000200)
NV_INDICES = range(0x01000100, 0x01000200)
_T = TypeVar("_T")


def no_object_at_handle(exc: TpmError) -> bool:
    """TPM_RC_HANDLE (for any handle position): nothing persistent at the handle given."""
    return exc.rc & 0xBF == 0x8B


class TpmStoreSetup:
    """The SRK and the trust-anchor NV index of one TPM store, through :class:`TpmLink`."""

    backend = "tpm"
    for_vehicles = True

    def __init__(self, link: TpmLink) -> None:
        self.link = link
        self._srk_name = b""
        self._srk_handle = SRK_HANDLE
        self._nv_index = 0
        self._srk_public: Any = None

    # ---------------------------------------------------------------- helpers
    def _run(self, op: Callable[[Any], _T], what: str) -> _T:
        return self.link.run(op, what)

    def _srk(self, esapi: Any) -> Any:
        srk = self.link.persistent(esapi, self._srk_handle)
        if self._srk_name and bytes(esapi.tr_get_name(srk)) != self._srk_name:
            raise TpmError(f"persistent handle 0x{self._srk_handle:08x} holds a different SRK")
        return srk

    def _used_handles(self, esapi: Any, first: int) -> set[int]:
        _more, data = esapi.get_capability(TPM2_CAP.HANDLES, first, 256)
        return {int(h) for h in data.data.handles}

    def _free_handle(self, esapi: Any, candidates: range, kind: str) -> int:
        used = self._used_handles(esapi, candidates.start)
        for handle in candidates:
            if handle not in used:
                return handle
        raise NvFullError(f"no free {kind} in 0x{candidates.start:08x}-0x{candidates.stop - 1:08x}")

    # ---------------------------------------------------------------- store lifecycle
    def init_meta(self) -> dict[str, Any]:
        """Make sure the SRK exists; define this store's NV index for the roots digest."""

        def op(esapi: Any) -> dict[str, Any]:
            srk = None
            if SRK_HANDLE in self._used_handles(esapi, SRK_HANDLE):
                existing = self.link.persistent(esapi, SRK_HANDLE)
                if tpm_templates.is_storage_key(esapi.read_public(existing)[0]):
                    srk, self._srk_handle = existing, SRK_HANDLE
            if srk is None:  # none yet, or another kind (e.g. an RSA SRK): make our own
                handle = (
                    SRK_HANDLE
                    if SRK_HANDLE not in self._used_handles(esapi, SRK_HANDLE)
                    else self._free_handle(esapi, KEY_HANDLES, "persistent handle")
                )
                tr = esapi.create_primary(None, tpm_templates.srk())[0]
                srk = esapi.evict_control(ESYS_TR.OWNER, tr, handle)
                esapi.flush_context(tr)
                self.link.forget(handle)
                self._srk_handle = handle
            self._srk_name = bytes(esapi.tr_get_name(srk))
            self._nv_index = self._free_handle(esapi, NV_INDICES, "NV index")
            esapi.nv_define_space(b"", tpm_templates.roots_nv(self._nv_index))
            return {
                "srk": self._srk_handle,
                "srk_name": self._srk_name.hex(),
                "nv_index": self._nv_index,
            }

        return self._run(op, "initialising the TPM store")

    def open_meta(self, meta: dict[str, Any]) -> None:
        """Check that the SRK is the one this store was made with."""
        try:
            self._srk_name = bytes.fromhex(meta["srk_name"])
            self._nv_index = int(meta["nv_index"])
            self._srk_handle = int(meta["srk"])
            srk_ok = self._srk_handle == SRK_HANDLE or self._srk_handle in KEY_HANDLES
            if not srk_ok or self._nv_index not in NV_INDICES:
                raise ValueError("handle out of range")
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptedFileError(f"keystore.json: TPM parameters damaged ({exc})") from exc
        try:
            self._run(self._srk, "resolving the SRK")
        except TpmError as exc:
            if no_object_at_handle(exc):
                raise TpmError(
                    f"the TPM holds no SRK at 0x{self._srk_handle:08x}: it was cleared, or "
                    f"{self.link.tcti!r} is not the TPM this store was made on",
                    exc.rc,
                ) from None
            raise

    # ---------------------------------------------------------------- trust anchors
    def roots_protection(self, digest: bytes) -> dict[str, Any]:
        """The digest lives in NV, not in the file."""
        return {"nv_index": self._nv_index}

    def commit_roots(self, digest: bytes) -> None:
        """NV_Write with owner authorization."""

        def op(esapi: Any) -> None:
            nv = self.link.persistent(esapi, self._nv_index)
            esapi.nv_write(nv, digest, 0, ESYS_TR.OWNER)

        self._run(op, "writing the trust-anchor digest to NV")

    def roots_intact(self, digest: bytes, protection: dict[str, Any]) -> bool:
        """Compare with the NV index (which must still be owner-write only)."""

        def op(esapi: Any) -> bytes:
            nv = self.link.persistent(esapi, self._nv_index)
            nv_public = esapi.nv_read_public(nv)[0]
            if not tpm_templates.roots_nv_ok(nv_public.nvPublic, self._nv_index):
                return b""
            return bytes(esapi.nv_read(nv, len(digest), 0, nv))

        try:
            stored = self._run(op, "reading the trust-anchor digest")
        except TpmError as exc:
            if exc.rc & 0xFFF == 0x14A:  # NV_UNINITIALIZED: never written
                return False
            raise
        return hmac.compare_digest(stored, digest)

    def status(self) -> dict[str, Any]:
        """TCTI, handles, DA counter."""

        def op(esapi: Any) -> dict[str, Any]:
            props = esapi.get_capability(TPM2_CAP.TPM_PROPERTIES, TPM2_PT.LOCKOUT_COUNTER, 1)[1]
            counter = int(props.data.tpmProperties.tpmProperty[0].value)
            return {
                "tcti": self.link.tcti,
                "srk_handle": f"0x{self._srk_handle:08x}",
                "roots_nv_index": f"0x{self._nv_index:08x}",
                "lockout_counter": counter,
                "persistent_handles": [
                    f"0x{h:08x}" for h in sorted(self._used_handles(esapi, KEY_HANDLES.start))
                    if h in KEY_HANDLES
                ],
            }

        return self._run(op, "reading TPM status")

    def close(self) -> None:
        """Orderly TPM2_Shutdown(STATE) and disconnect."""
        self.link.close(shutdown=True)

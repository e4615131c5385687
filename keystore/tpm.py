"""TPM 2.0 key engine (tpm2-pytss ESAPI) and :class:`TpmKeystore`.

Keys: an SRK (P-256 storage primary, persistent 0x81000001) parents everything. The OEM
provisioning key is created inside the TPM (sign + decrypt, noDA) and persisted in the owner
range 0x81000100-0x810001FF. Contract keys are imported as TPM-wrapped blobs under the SRK
(or, for ISO 15118-20 ``TPM_EncryptedPrivateKey``, under a P-521/SHA-512 storage primary)
and loaded per use. The trust-anchor digest lives in an owner-written NV index.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tpm2_pytss.constants import ESYS_TR, TPM2_ALG, TPM2_CAP, TPM2_PT
from tpm2_pytss.types import (
    TPM2B_DATA,
    TPM2B_ENCRYPTED_SECRET,
    TPM2B_PRIVATE,
    TPM2B_PUBLIC,
    TPMT_SYM_DEF_OBJECT,
)
from tpm2_pytss.utils import wrap

from keystore import certs, tpm_templates
from keystore.engine import KeyRecord, TpmEncryptedPrivateKey
from keystore.errors import CorruptedFileError, NvFullError, TpmError
from keystore.spec import DEFAULT_TCTI
from keystore.store import RecordKeystore, utc_now
from keystore.tpm_link import TpmLink

SRK_HANDLE = 0x81000001
KEY_HANDLES = range(0x81000100, 0x81000200)
NV_INDICES = range(0x01000100, 0x01000200)
_T = TypeVar("_T")


def _no_object_at_handle(exc: TpmError) -> bool:
    """TPM_RC_HANDLE (for any handle position): nothing persistent at the handle given."""
    return exc.rc & 0xBF == 0x8B


class TpmEngine:
    """Key engine on a TPM 2.0 through :class:`TpmLink`."""

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
            if _no_object_at_handle(exc):
                raise TpmError(
                    f"the TPM holds no SRK at 0x{self._srk_handle:08x}: it was cleared, or "
                    f"{self.link.tcti!r} is not the TPM this store was made on",
                    exc.rc,
                ) from None
            raise

    # ---------------------------------------------------------------- keys
    def _parent(self, esapi: Any, parent: str) -> tuple[Any, bool]:
        """Resolve a parent: the persistent SRK, or a freshly made -20 import primary."""
        if parent == "srk":
            return self._srk(esapi), False
        if parent == "p521-import":
            tr = esapi.create_primary(None, tpm_templates.import_parent())[0]
            return tr, True
        raise CorruptedFileError(f"unknown TPM key parent {parent!r}")

    def _parent_public(self, parent: str) -> Any:
        def op(esapi: Any) -> Any:
            tr, transient = self._parent(esapi, parent)
            try:
                return esapi.read_public(tr)[0]
            finally:
                if transient:
                    esapi.flush_context(tr)

        return self._run(op, "reading the parent key")

    def import_parent_public_key(self) -> ec.EllipticCurvePublicKey:
        """Public key of the P-521/SHA-512 storage key a TPM_EncryptedPrivateKey targets."""
        return tpm_templates.public_key(self._parent_public("p521-import"))

    def create_key(
        self, curve: str, slot: str, before_persist: Callable[[KeyRecord], None] | None = None
    ) -> tuple[KeyRecord, ec.EllipticCurvePublicKey]:
        """Create a sign + ECDH key under the SRK and persist it in the owner range.

        ``before_persist(record)`` runs once the handle is chosen and before EvictControl, so
        the store can note the key: a crash after this point leaves a handle it can find.
        """

        def op(esapi: Any) -> tuple[KeyRecord, ec.EllipticCurvePublicKey]:
            srk = self._srk(esapi)
            priv, pub, *_ = esapi.create(srk, None, tpm_templates.identity_key(curve))
            handle = self._free_handle(esapi, KEY_HANDLES, "persistent handle")
            record = {"type": "tpm-persistent", "handle": handle, "public": pub.marshal().hex()}
            if before_persist is not None:
                before_persist(record)
            tr = esapi.load(srk, priv, pub)
            try:
                esapi.evict_control(ESYS_TR.OWNER, tr, handle)
            finally:
                esapi.flush_context(tr)
            self.link.forget(handle)
            return record, tpm_templates.public_key(pub)

        return self._run(op, f"creating the {slot} key")

    def _resident(self, esapi: Any, record: KeyRecord) -> Any:
        """The ESYS_TR of a persistent key if its handle holds exactly that key, else None."""
        handle = record.get("handle")
        if record.get("type") != "tpm-persistent" or type(handle) is not int:
            return None
        public = self._public(record, "persistent key")
        if handle not in KEY_HANDLES or not tpm_templates.is_identity_key(public):
            return None
        if handle not in self._used_handles(esapi, handle):
            return None
        tr = self.link.persistent(esapi, handle)
        if not hmac.compare_digest(bytes(esapi.tr_get_name(tr)), bytes(public.get_name())):
            return None  # another key now: not ours to touch
        return tr

    def key_resident(self, record: KeyRecord) -> bool:
        """True if the TPM holds exactly this persistent key at its handle."""
        return self._run(lambda esapi: self._resident(esapi, record) is not None,
                         "looking up a persistent key")

    def destroy_key(self, record: KeyRecord) -> bool:
        """Evict a persistent key, only if its handle still holds exactly that key."""

        def op(esapi: Any) -> bool:
            tr = self._resident(esapi, record)
            if tr is None:
                return False
            handle = int(record["handle"])
            esapi.evict_control(ESYS_TR.OWNER, tr, handle)
            self.link.forget(handle)
            return True

        return self._run(op, "evicting a provisioning key")

    def import_key(self, private_key: ec.EllipticCurvePrivateKey, slot: str) -> KeyRecord:
        """Wrap the scalar to the SRK in software (tpm2_pytss.utils.wrap) and TPM2_Import it."""
        srk_public = self._parent_public("srk")
        public, sensitive = tpm_templates.external_key(private_key)
        enc_key, duplicate, seed = wrap(srk_public.publicArea, public, sensitive)
        return self._import("srk", public, (enc_key, duplicate, seed), slot)

    def import_wrapped(
        self, blob: TpmEncryptedPrivateKey, public_key: ec.EllipticCurvePublicKey, slot: str
    ) -> KeyRecord:
        """Import an outer-wrapped duplicate addressed to the P-521 import parent."""
        try:
            duplicate, _ = TPM2B_PRIVATE.unmarshal(blob.duplicate)
            seed, _ = TPM2B_ENCRYPTED_SECRET.unmarshal(blob.encrypted_seed)
        except Exception as exc:
            raise CorruptedFileError(f"{slot}: TPM_EncryptedPrivateKey malformed") from exc
        public = tpm_templates.imported_public(public_key)
        return self._import("p521-import", public, (TPM2B_DATA(), duplicate, seed), slot)

    def _import(
        self, parent: str, public: Any, wrapped: tuple[Any, Any, Any], slot: str
    ) -> KeyRecord:
        enc_key, duplicate, seed = wrapped

        def op(esapi: Any) -> KeyRecord:
            tr, transient = self._parent(esapi, parent)
            try:
                sym = TPMT_SYM_DEF_OBJECT(algorithm=TPM2_ALG.NULL)
                private = esapi.import_(tr, enc_key, public, duplicate, seed, sym)
            finally:
                if transient:
                    esapi.flush_context(tr)
            return {
                "type": "tpm-imported",
                "parent": parent,
                "public": public.marshal().hex(),
                "private": private.marshal().hex(),
            }

        return self._run(op, f"importing the {slot} key")

    def _public(self, record: KeyRecord, slot: str) -> Any:
        try:
            return TPM2B_PUBLIC.unmarshal(bytes.fromhex(str(record["public"])))[0]
        except Exception as exc:
            raise CorruptedFileError(f"{slot}: TPM public area damaged") from exc

    def public_key(self, record: KeyRecord, slot: str) -> ec.EllipticCurvePublicKey:
        """From the stored public area (the TPM binds it to the key on load/resolve)."""
        return tpm_templates.public_key(self._public(record, slot))

    def _with_key(
        self, record: KeyRecord, slot: str, use: Callable[[Any, Any], _T]
    ) -> _T:
        kind = record.get("type")
        public = self._public(record, slot)

        def op(esapi: Any) -> _T:
            if kind == "tpm-persistent":
                handle = int(record["handle"])
                tr = self.link.persistent(esapi, handle)
                if not hmac.compare_digest(bytes(esapi.tr_get_name(tr)), bytes(public.get_name())):
                    raise TpmError(f"persistent handle 0x{handle:08x} holds a different key")
                return use(esapi, tr)
            if kind != "tpm-imported":
                raise CorruptedFileError(f"{slot}: not a TPM key record")
            try:
                private = TPM2B_PRIVATE.unmarshal(bytes.fromhex(str(record["private"])))[0]
            except Exception as exc:
                raise CorruptedFileError(f"{slot}: TPM private blob damaged") from exc
            parent, transient = self._parent(esapi, str(record.get("parent")))
            try:
                tr = esapi.load(parent, private, public)
            finally:
                if transient:
                    esapi.flush_context(parent)
            try:
                return use(esapi, tr)
            finally:
                esapi.flush_context(tr)

        try:
            return self._run(op, f"using the {slot} key")
        except TpmError as exc:
            if kind == "tpm-persistent" and _no_object_at_handle(exc):
                raise TpmError(
                    f"the TPM no longer holds the {slot} key at 0x{int(record['handle']):08x} "
                    "(evicted, or the TPM was cleared); create a new one",
                    exc.rc,
                ) from None
            raise

    def sign(self, record: KeyRecord, slot: str, digest: bytes) -> bytes:
        """TPM2_Sign (ECDSA, hash chosen by the digest length)."""
        scheme, ticket = tpm_templates.ecdsa_scheme(len(digest))

        def use(esapi: Any, tr: Any) -> bytes:
            sig = esapi.sign(tr, digest, scheme, ticket)
            r = int.from_bytes(bytes(sig.signature.ecdsa.signatureR), "big")
            s = int.from_bytes(bytes(sig.signature.ecdsa.signatureS), "big")
            return encode_dss_signature(r, s)

        return self._with_key(record, slot, use)

    def ecdh(self, record: KeyRecord, slot: str, peer: ec.EllipticCurvePublicKey) -> bytes:
        """TPM2_ECDH_ZGen; returns Z's x coordinate, fixed length."""
        point = tpm_templates.ecc_point(peer)
        size = certs.curve_size(peer.curve.name)

        def use(esapi: Any, tr: Any) -> bytes:
            z = esapi.ecdh_zgen(tr, point)  # keep the owner alive while reading its fields
            return bytes(z.point.x).rjust(size, b"\0")

        return self._with_key(record, slot, use)

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


class TpmKeystore(RecordKeystore):
    """Keystore whose keys live in a TPM 2.0 (``tpm:DIR`` + TCTI)."""

    def __init__(
        self,
        path: Path | str,
        *,
        tcti: str = DEFAULT_TCTI,
        owner_auth: bytes = b"",
        create: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = TpmEngine(TpmLink(tcti, owner_auth))
        try:
            super().__init__(Path(path), self.engine, create=create, clock=clock)
        except BaseException:
            self.engine.link.close(shutdown=False)
            raise

    def import_parent_public_key(self) -> ec.EllipticCurvePublicKey:
        """Where an ISO 15118-20 ``TPM_EncryptedPrivateKey`` must be wrapped to."""
        return self.engine.import_parent_public_key()

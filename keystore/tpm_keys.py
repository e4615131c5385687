"""TPM 2.0 key engine (tpm2-pytss ESAPI): create, import and use keys on a TPM store.

The OEM provisioning key is created inside the TPM (sign + decrypt, noDA) and persisted in the
owner range 0x81000100-0x810001FF. Contract keys are imported as TPM-wrapped blobs under the
SRK (or, for ISO 15118-20 ``TPM_EncryptedPrivateKey``, under a P-521/SHA-512 storage primary)
and loaded per use.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tpm2_pytss.constants import ESYS_TR, TPM2_ALG
from tpm2_pytss.types import (
    TPM2B_DATA,
    TPM2B_ENCRYPTED_SECRET,
    TPM2B_PRIVATE,
    TPM2B_PUBLIC,
    TPMT_SYM_DEF_OBJECT,
)
from tpm2_pytss.utils import wrap

from evcc.x509.keys import curve_size
from keystore import tpm_templates
from keystore.engine import KeyRecord, TpmEncryptedPrivateKey
from keystore.errors import CorruptedFileError, TpmError
from keystore.tpm_setup import KEY_HANDLES, TpmStoreSetup, no_object_at_handle

_T = TypeVar("_T")


class TpmEngine(TpmStoreSetup):
    """Key engine on a TPM 2.0: the store's SRK and NV index, and its keys."""

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
            if kind == "tpm-persistent" and no_object_at_handle(exc):
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
        size = curve_size(peer.curve.name)

        def use(esapi: Any, tr: Any) -> bytes:
            z = esapi.ecdh_zgen(tr, point)  # keep the owner alive while reading its fields
            return bytes(z.point.x).rjust(size, b"\0")

        return self._with_key(record, slot, use)

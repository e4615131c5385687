"""The record store both backends share: files, transactions, lookups; keys go to the engine."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evcc.errors import IdentifierError
from evcc.pnc.identifiers import Pcid
from keystore import admission, certs, files
from keystore.csr import build_csr
from keystore.engine import KeyEngine, KeyRecord, TpmEncryptedPrivateKey
from keystore.errors import (
    CertificateError,
    ContractValidityError,
    CorruptedFileError,
    KeyMismatchError,
    KeyNotFoundError,
    KeystoreError,
    StoreBackendMismatchError,
    StoreExistsError,
    StoreNotInitializedError,
    TrustAnchorTamperedError,
)
from keystore.model import (
    PROFILE_CURVE,
    PROFILES,
    PROVISIONING_SLOT,
    ContractInfo,
    ContractSource,
    KeyRef,
    Profile,
    ProvisioningInfo,
    RootCertificateId,
    RootInfo,
    RootKind,
    StoreStatus,
    validity_at,
)
from keystore.records import (
    FORMAT,
    ContractRecord,
    ProvisioningRecord,
    check_format,
    contract_id,
)
from keystore.trust import TrustAnchors, root_id, root_info

log = logging.getLogger("keystore")
_CONTRACT_ID = re.compile(r"[0-9a-f]{16}")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Default clock."""
    return datetime.now(UTC)


class RecordKeystore:
    """Keystore behaviour over a store directory and a :class:`KeyEngine`."""

    def __init__(self, path: Path, engine: KeyEngine, *, create: bool, clock: Clock) -> None:
        self.path = Path(path)
        self._engine = engine
        self._clock = clock
        self._meta_path = self.path / "keystore.json"
        self._trust = TrustAnchors(self.path, engine)
        self._prov_path = self.path / "provisioning.json"
        self._pending_path = self.path / "provisioning.pending.json"
        self._contracts_dir = self.path / "contracts"
        if create:
            self._create()
        else:
            self._open()

    # ----------------------------------------------------------------- lifecycle
    @property
    def backend(self) -> str:
        """``tpm`` or ``soft``."""
        return self._engine.backend

    def _create(self) -> None:
        if self._meta_path.exists():
            raise StoreExistsError(f"{self.path} already holds a keystore")
        fresh = not self.path.exists()
        before = set() if fresh or not self.path.is_dir() else set(self.path.iterdir())
        try:
            self._create_files()
        except BaseException as exc:
            # Nothing half-made stays behind: remove what this attempt created.
            if fresh:
                shutil.rmtree(self.path, ignore_errors=True)
            elif self.path.is_dir():
                for entry in set(self.path.iterdir()) - before:
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink()
            if isinstance(exc, OSError):
                raise KeystoreError(
                    f"cannot create a keystore in {self.path}: {exc.strerror or exc}"
                ) from None
            raise

    def _create_files(self) -> None:
        files.ensure_dir(self.path)
        self.path.chmod(files.DIR_MODE)
        with files.store_lock(self.path):
            files.ensure_dir(self.path / "trust")
            files.ensure_dir(self._contracts_dir)
            backend_meta = self._engine.init_meta()
            self._trust.write([])
            meta = {
                "format": FORMAT,
                "backend": self._engine.backend,
                "created_at": self._clock().isoformat(),
                "backend_data": backend_meta,
            }
            files.atomic_write(self._meta_path, files.dump_json(meta))

    def _open(self) -> None:
        if not self.path.is_dir() or not self._meta_path.exists():
            raise StoreNotInitializedError(
                f"{self.path} holds no keystore (create one with `evcc keystore init`)"
            )
        meta = files.read_json(self._meta_path)
        check_format(meta, self._meta_path)
        if meta.get("backend") != self._engine.backend:
            raise StoreBackendMismatchError(
                f"{self.path} is a {meta.get('backend')!r} store, "
                f"opened as {self._engine.backend!r}"
            )
        data = meta.get("backend_data")
        if not isinstance(data, dict):
            raise CorruptedFileError(f"{self._meta_path}: backend_data missing")
        self._engine.open_meta(data)
        with files.store_lock(self.path):  # writers hold it: their temporaries are safe
            for directory in (self.path, self.path / "trust", self._contracts_dir):
                files.clean_temporaries(directory)
            self._trust.recover()

    def close(self) -> None:
        """Release the backend (orderly TPM2_Shutdown for the TPM)."""
        self._engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- trust anchors
    def add_root(self, certificate: bytes | x509.Certificate, kind: RootKind = "v2g") -> RootInfo:
        """Add a self-signed root (V2G, MO or OEM); adding it again is a no-op."""
        cert = _parse_chain([certificate])[0]
        with files.store_lock(self.path):
            entries, entry = self._trust.with_added(cert, kind)
            self._trust.write(entries)
        return root_info(entry)

    def roots(self, kind: RootKind | None = None) -> list[RootInfo]:
        """Trust anchors (verified against their protection digest on every call)."""
        return [root_info(e) for e in self._trust.entries() if kind is None or e.kind == kind]

    def root_certificates(self, kind: RootKind | None = None) -> list[x509.Certificate]:
        """Trust anchors as certificates, for chain validation."""
        return [e.cert() for e in self._trust.entries() if kind is None or e.kind == kind]

    def remove_root(self, reference: str, kind: RootKind | None = None) -> RootInfo:
        """Remove the root whose fingerprint starts with ``reference`` (or whose subject is it).

        ``kind`` picks one when the same certificate is trusted as more than one kind.
        """
        with files.store_lock(self.path):
            entries, entry = self._trust.without(reference, kind)
            self._trust.write(entries)
        return root_info(entry)

    def root_certificate_ids(self, kind: RootKind = "v2g") -> list[RootCertificateId]:
        """``ListOfRootCertificateIDs`` of a request: issuer name + serial of each root."""
        return [root_id(c) for c in self.root_certificates(kind)]

    # ----------------------------------------------------------------- provisioning
    def _prov_record(self) -> ProvisioningRecord:
        try:
            obj = files.read_json(self._prov_path)
        except FileNotFoundError:
            raise KeyNotFoundError(
                "no OEM provisioning key (create one with `evcc keystore provisioning create`)"
            ) from None
        return ProvisioningRecord.from_json(obj, self._prov_path)

    def create_provisioning_key(
        self, pcid: str, profile: Profile, *, replace_existing: bool = False
    ) -> ProvisioningInfo:
        """Generate the OEM provisioning key inside the backend (P-256 iso2, P-521 iso20)."""
        if profile not in PROFILES:
            raise CertificateError(f"profile must be one of {', '.join(PROFILES)}")
        try:
            pcid = Pcid.parse(pcid).normalized
        except IdentifierError as exc:
            raise CertificateError(str(exc)) from None
        with files.store_lock(self.path):
            self._recover_provisioning()
            old = self._prov_record() if self._prov_path.exists() else None
            if old is not None and not replace_existing:
                raise StoreExistsError("an OEM provisioning key exists already (use --force)")
            pending: list[KeyRecord] = [old.key] if old is not None else []

            def note(record: KeyRecord) -> None:  # before the key becomes persistent
                pending.append(record)
                files.atomic_write(self._pending_path, files.dump_json({"keys": pending}))

            key, _ = self._engine.create_key(PROFILE_CURVE[profile], PROVISIONING_SLOT, note)
            record = ProvisioningRecord(
                pcid=pcid, profile=profile, created_at=self._clock(), key=key, chain=[]
            )
            files.atomic_write(self._prov_path, files.dump_json(record.to_json()))
            if old is not None:
                self._engine.destroy_key(old.key)
            if self._pending_path.exists():
                files.durable_unlink(self._pending_path)
        return self._prov_info(record)

    # Keys a create noted before making them persistent, and that provisioning.json does not
    # reference, were left by an interrupted create (or by a replace that did not get to
    # evict the old key). Only these are ever evicted: each is checked to be exactly the key
    # noted (TPM name = hash of the recorded public area, our template, our handle range),
    # so keys of other stores on the same TPM and foreign objects are never touched.
    def _pending_keys(self) -> list[KeyRecord]:
        try:
            obj = files.read_json(self._pending_path)
        except FileNotFoundError:
            return []
        keys = obj.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise CorruptedFileError(f"{self._pending_path}: no list of keys")
        return keys

    def _orphaned_keys(self) -> list[KeyRecord]:
        pending = self._pending_keys()
        if not pending:
            return []
        current = self._prov_record().key if self._prov_path.exists() else None
        orphans = []
        for key in pending:
            if _same_key(key, current):
                continue
            try:
                resident = self._engine.key_resident(key)
            except CorruptedFileError:  # not a note this store wrote: never evict for it
                log.warning("%s: ignoring a damaged entry", self._pending_path)
                continue
            if resident:
                orphans.append(key)
        return orphans

    def _recover_provisioning(self) -> None:
        """Evict keys orphaned by an interrupted create; the caller holds the store lock."""
        orphans = self._orphaned_keys()
        for key in orphans:
            if self._engine.destroy_key(key):
                log.warning("evicted orphaned provisioning key at %s", _handle_text(key))
        if self._pending_path.exists():
            files.durable_unlink(self._pending_path)

    def _prov_info(self, record: ProvisioningRecord) -> ProvisioningInfo:
        pub = self._engine.public_key(record.key, PROVISIONING_SLOT)
        leaf = record.chain[0] if record.chain else None
        handle = record.key.get("handle")
        return ProvisioningInfo(
            pcid=record.pcid,
            profile=record.profile,
            curve=record.curve,
            public_key_pem=_pem(pub),
            tpm_handle=handle if isinstance(handle, int) else None,
            created_at=record.created_at,
            certificate_subject=leaf.subject.rfc4514_string() if leaf else None,
            certificate_not_after=leaf.not_valid_after_utc if leaf else None,
            chain_length=len(record.chain),
        )

    def provisioning(self) -> ProvisioningInfo | None:
        """The provisioning identity, or None when none was created."""
        if not self._prov_path.exists():
            return None
        return self._prov_info(self._prov_record())

    def provisioning_csr(self) -> x509.CertificateSigningRequest:
        """A CSR with CN = PCID for the provisioning key, signed inside the backend."""
        record = self._prov_record()
        pub = self._engine.public_key(record.key, PROVISIONING_SLOT)
        return build_csr(
            record.pcid, pub, lambda d: self._engine.sign(record.key, PROVISIONING_SLOT, d)
        )

    def install_provisioning_chain(
        self, chain: Sequence[bytes | x509.Certificate]
    ) -> ProvisioningInfo:
        """Install the issued OEM provisioning chain (leaf first); the leaf must carry our key."""
        parsed = _parse_chain(chain)
        certs.check_chain_links(parsed)
        admission.check_provisioning_leaf(parsed[0])
        admission.check_anchored(parsed, self.root_certificates("oem"), "OEM")
        with files.store_lock(self.path):
            record = self._prov_record()
            pub = self._engine.public_key(record.key, PROVISIONING_SLOT)
            if not certs.same_public_key(certs.ec_public_key(parsed[0]), pub):
                raise KeyMismatchError("the certificate does not carry the provisioning key")
            if certs.normalize_emaid(certs.common_name(parsed[0])) != certs.normalize_emaid(
                record.pcid
            ):
                raise CertificateError(
                    f"certificate CN {certs.common_name(parsed[0])!r} is not PCID {record.pcid!r}"
                )
            record = replace(record, chain=parsed)
            files.atomic_write(self._prov_path, files.dump_json(record.to_json()))
        return self._prov_info(record)

    def provisioning_chain(self) -> list[x509.Certificate]:
        """The installed OEM provisioning chain (leaf first; empty before install)."""
        return list(self._prov_record().chain)

    # ----------------------------------------------------------------- contracts
    def _contract_path(self, cid: str) -> Path:
        return self._contracts_dir / f"{cid}.json"

    def _records(self) -> list[ContractRecord]:
        return self._scan()[0]

    def _scan(self) -> tuple[list[ContractRecord], list[str]]:
        records, problems = [], []
        for path in sorted(self._contracts_dir.glob("*.json")):
            try:
                records.append(ContractRecord.from_json(files.read_json(path), path))
            except FileNotFoundError:
                continue  # removed while listing
            except CorruptedFileError as exc:
                log.warning("skipping damaged contract file: %s", exc)
                problems.append(str(exc))
        records.sort(key=lambda r: (r.priority, r.installed_at, r.id))
        return records, problems

    def _record(self, contract_id: str) -> ContractRecord:
        """The contract with exactly this id (no scan of the other contracts)."""
        if not isinstance(contract_id, str):
            raise TypeError(f"a contract id is a str, not {type(contract_id).__name__}")
        path = self._contract_path(contract_id)
        if not _CONTRACT_ID.fullmatch(contract_id):
            raise KeyNotFoundError(
                f"no contract with id {contract_id!r} (an id is 16 lower-case hex digits)"
            )
        try:
            return ContractRecord.from_json(files.read_json(path), path)
        except FileNotFoundError:
            raise KeyNotFoundError(f"no contract with id {contract_id}") from None

    def install_contract(
        self,
        chain: Sequence[bytes | x509.Certificate],
        private_key: ec.EllipticCurvePrivateKey | TpmEncryptedPrivateKey,
        *,
        emaid: str | None = None,
        source: ContractSource = "charger",
        priority: int | None = None,
        allow_expired: bool = False,
    ) -> ContractInfo:
        """Install a contract chain with its key as one atomic transaction.

        The key must belong to the leaf (d·G check); the store keeps only an
        engine-protected form of it. Installing the same leaf again replaces the entry.
        A leaf that is expired or not yet valid at the store's clock is refused
        (:class:`ContractValidityError`) unless ``allow_expired`` (bench use; recorded).
        """
        parsed = _parse_chain(chain)
        certs.check_chain_links(parsed)
        leaf_pub = certs.ec_public_key(parsed[0])
        cn = admission.check_contract_leaf(parsed[0])
        now = self._clock()
        state = validity_at(parsed[0].not_valid_before_utc, parsed[0].not_valid_after_utc, now)
        if state != "valid" and not allow_expired:
            leaf = parsed[0]
            period = f"{leaf.not_valid_before_utc:%Y-%m-%d %H:%M} .. "
            period += f"{leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
            raise ContractValidityError(
                f"contract certificate {cn} is {state.replace('-', ' ')} (valid {period}, "
                f"now {now.isoformat()}); refused",
                state,
            )
        admission.check_anchored(parsed, self._contract_anchors(), "MO")
        emaid = emaid if emaid is not None else cn
        if not emaid or certs.normalize_emaid(emaid) != certs.normalize_emaid(cn):
            raise CertificateError(f"eMAID {emaid!r} does not match the contract CN {cn!r}")
        if priority is not None and not 0 <= priority <= 9999:
            raise CertificateError("priority must be 0..9999")
        cid = contract_id(parsed[0])
        if isinstance(private_key, TpmEncryptedPrivateKey):
            key = self._engine.import_wrapped(private_key, leaf_pub, f"contract:{cid}")
        else:
            if not certs.same_public_key(private_key.public_key(), leaf_pub):
                raise KeyMismatchError("the private key does not belong to the contract leaf")
            key = self._engine.import_key(private_key, f"contract:{cid}")
        if not certs.same_public_key(self._engine.public_key(key, f"contract:{cid}"), leaf_pub):
            raise KeyMismatchError("the imported key does not belong to the contract certificate")
        with files.store_lock(self.path):
            existing = self._records()
            previous = next((r for r in existing if r.id == cid), None)
            if priority is None:
                priority = (
                    previous.priority
                    if previous
                    else max((r.priority for r in existing), default=0) + 1
                )
            record = ContractRecord(
                id=cid,
                emaid=emaid,
                source=source,
                priority=priority,
                enabled=previous.enabled if previous else True,
                installed_at=now,
                chain=parsed,
                key=key,
                validity_override=state != "valid",
            )
            files.atomic_write(self._contract_path(cid), files.dump_json(record.to_json()))
        return record.info(now)

    def _contract_anchors(self) -> list[x509.Certificate]:
        """With MO roots in the store, a contract chain must end at an MO or V2G root."""
        entries = self._trust.entries()
        if not any(e.kind == "mo" for e in entries):
            return []
        return [e.cert() for e in entries if e.kind in ("mo", "v2g")]

    def contracts(self) -> list[ContractInfo]:
        """Installed contracts, preferred first (priority, then install time)."""
        now = self._clock()
        return [r.info(now) for r in self._records()]

    def contract(self, contract_id: str) -> ContractInfo:
        """The contract with exactly this id (:func:`keystore.lookup.find_contract` resolves
        what a person types)."""
        return self._record(contract_id).info(self._clock())

    def contract_chain(self, contract_id: str) -> list[x509.Certificate]:
        """The contract chain (leaf first)."""
        return list(self._record(contract_id).chain)

    def _update(self, contract_id: str, **changes: Any) -> ContractInfo:
        with files.store_lock(self.path):
            record = replace(self._record(contract_id), **changes)
            files.atomic_write(self._contract_path(record.id), files.dump_json(record.to_json()))
        return record.info(self._clock())

    def set_priority(self, contract_id: str, priority: int) -> ContractInfo:
        """Change a contract's priority (lower number = preferred)."""
        if not 0 <= priority <= 9999:
            raise CertificateError("priority must be 0..9999")
        return self._update(contract_id, priority=priority)

    def enable(self, contract_id: str) -> ContractInfo:
        """Allow a contract to be offered."""
        return self._update(contract_id, enabled=True)

    def disable(self, contract_id: str) -> ContractInfo:
        """Keep a contract but never offer it."""
        return self._update(contract_id, enabled=False)

    def remove_contract(self, contract_id: str) -> ContractInfo:
        """Delete a contract and its key blob."""
        with files.store_lock(self.path):
            record = self._record(contract_id)
            files.durable_unlink(self._contract_path(record.id))
        return record.info(self._clock())

    def expiring(self, within_days: float, now: datetime | None = None) -> list[ContractInfo]:
        """Contracts whose certificate ends within ``within_days`` of ``now`` (or has ended)."""
        moment = now or self._clock()
        return [
            c
            for c in self.contracts()
            if (c.not_after - moment).total_seconds() <= within_days * 86400
        ]

    # ----------------------------------------------------------------- key use
    def _key_for(self, key: KeyRef) -> KeyRecord:
        if not isinstance(key, KeyRef):
            raise TypeError(
                f"key use takes a keystore.KeyRef (ProvisioningInfo.key, ContractInfo.key), "
                f"not {type(key).__name__}"
            )
        if key.contract_id is None:
            return self._prov_record().key
        return self._record(key.contract_id).key

    def public_key(self, key: KeyRef) -> ec.EllipticCurvePublicKey:
        """Public key of the provisioning key or a contract's key."""
        return self._engine.public_key(self._key_for(key), key.slot)

    def sign(self, key: KeyRef, digest: bytes, *, raw: bool = False) -> bytes:
        """ECDSA over ``digest`` (SHA-256/384/512 length) with the provisioning or a contract key.

        DER by default; ``raw=True`` gives fixed-width r||s (the XMLDSig SignatureValue).
        """
        record = self._key_for(key)
        certs.hash_for_digest(digest)
        der = self._engine.sign(record, key.slot, bytes(digest))
        if not raw:
            return der
        return certs.der_to_raw(der, self._engine.public_key(record, key.slot).curve.name)

    def ecdh(self, key: KeyRef, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        """ECDH shared secret Z (x coordinate) with the provisioning or a contract key."""
        record = self._key_for(key)
        curve = self._engine.public_key(record, key.slot).curve.name
        return self._engine.ecdh(record, key.slot, certs.peer_point(peer_public_key, curve))

    # ----------------------------------------------------------------- status
    def status(self) -> StoreStatus:
        """Counts, integrity and backend details."""
        try:
            roots, intact = len(self._trust.entries()), True
        except TrustAnchorTamperedError:
            roots, intact = 0, False
        records, problems = self._scan()
        detail = dict(self._engine.status())
        if problems:
            detail["damaged_files"] = problems
        try:
            orphans = self._orphaned_keys()
        except KeystoreError as exc:
            detail["orphaned_keys_check"] = str(exc)
        else:
            if orphans:
                # evicted by the next `provisioning create` (which has owner authorization)
                detail["orphaned_keys"] = [_handle_text(k) for k in orphans]
        return StoreStatus(
            backend=self.backend,
            path=str(self.path),
            for_vehicles=self._engine.for_vehicles,
            roots=roots,
            roots_intact=intact,
            provisioning=self._prov_path.exists(),
            contracts=len(records),
            detail=detail,
        )


def _pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _parse_chain(chain: Sequence[bytes | x509.Certificate]) -> list[x509.Certificate]:
    if not chain:
        raise CertificateError("empty certificate chain")
    return [certs.readable(c) if isinstance(c, x509.Certificate) else certs.parse_der(c)
            for c in chain]


def _same_key(a: KeyRecord, b: KeyRecord | None) -> bool:
    return b is not None and a.get("handle") == b.get("handle") and a.get("public") == b.get(
        "public"
    )


def _handle_text(key: KeyRecord) -> str:
    handle = key.get("handle")
    return f"0x{handle:08x}" if isinstance(handle, int) else "?"


__all__ = ["Clock", "KeystoreError", "RecordKeystore", "utc_now"]

"""The OEM provisioning identity: its key inside the engine, its CSR and its issued chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from evcc.errors import IdentifierError
from evcc.x509.chain import check_anchored, check_links
from evcc.x509.identifiers import Pcid, normalize_emaid
from evcc.x509.keys import ec_public_key, same_public_key
from evcc.x509.names import common_name
from keystore import admission, files, recovery
from keystore.csr import build_csr
from keystore.engine import KeyRecord
from keystore.errors import (
    CertificateError,
    KeyMismatchError,
    KeyNotFoundError,
    StoreExistsError,
)
from keystore.lifecycle import StoreDir
from keystore.model import PROFILE_CURVE, PROFILES, PROVISIONING_SLOT, Profile, ProvisioningInfo
from keystore.records import ProvisioningRecord


def read_record(store: StoreDir) -> ProvisioningRecord:
    """``provisioning.json``; :class:`KeyNotFoundError` before a key was created."""
    try:
        obj = files.read_json(store.prov_path)
    except FileNotFoundError:
        raise KeyNotFoundError(
            "no OEM provisioning key (create one with `evcc keystore provisioning create`)"
        ) from None
    return ProvisioningRecord.from_json(obj, store.prov_path)


def current_key(store: StoreDir) -> KeyRecord | None:
    """The key ``provisioning.json`` references, None without one."""
    return read_record(store).key if store.prov_path.exists() else None


def create_key(
    store: StoreDir, pcid: str, profile: Profile, *, replace_existing: bool
) -> ProvisioningInfo:
    """Generate the OEM provisioning key inside the engine (P-256 iso2, P-521 iso20)."""
    if profile not in PROFILES:
        raise CertificateError(f"profile must be one of {', '.join(PROFILES)}")
    try:
        pcid = Pcid.parse(pcid).normalized
    except IdentifierError as exc:
        raise CertificateError(str(exc)) from None
    with files.store_lock(store.path):
        recovery.recover(store, current_key(store))
        old = read_record(store) if store.prov_path.exists() else None
        if old is not None and not replace_existing:
            raise StoreExistsError("an OEM provisioning key exists already (use --force)")
        pending: list[KeyRecord] = [old.key] if old is not None else []

        def note(record: KeyRecord) -> None:  # before the key becomes persistent
            pending.append(record)
            recovery.note_pending(store, pending)

        key, _ = store.engine.create_key(PROFILE_CURVE[profile], PROVISIONING_SLOT, note)
        record = ProvisioningRecord(
            pcid=pcid, profile=profile, created_at=store.clock.utc(), key=key, chain=[]
        )
        files.atomic_write(store.prov_path, files.dump_json(record.to_json()))
        if old is not None:
            store.engine.destroy_key(old.key)
        recovery.clear(store)
    return info(store, record)


def info(store: StoreDir, record: ProvisioningRecord) -> ProvisioningInfo:
    """The public view of the provisioning record."""
    pub = store.engine.public_key(record.key, PROVISIONING_SLOT)
    leaf = record.chain[0] if record.chain else None
    handle = record.key.get("handle")
    return ProvisioningInfo(
        pcid=record.pcid,
        profile=record.profile,
        curve=record.curve,
        public_key_pem=pub.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        tpm_handle=handle if isinstance(handle, int) else None,
        created_at=record.created_at,
        certificate_subject=leaf.subject.rfc4514_string() if leaf else None,
        certificate_not_after=leaf.not_valid_after_utc if leaf else None,
        chain_length=len(record.chain),
    )


def csr(store: StoreDir) -> x509.CertificateSigningRequest:
    """A CSR with CN = PCID for the provisioning key, signed inside the engine."""
    record = read_record(store)
    pub = store.engine.public_key(record.key, PROVISIONING_SLOT)
    return build_csr(
        record.pcid, pub, lambda d: store.engine.sign(record.key, PROVISIONING_SLOT, d)
    )


def install_chain(
    store: StoreDir, parsed: Sequence[x509.Certificate], oem_roots: Sequence[x509.Certificate]
) -> ProvisioningInfo:
    """Install the issued chain (leaf first, parsed); the leaf must carry our key and PCID."""
    check_links(parsed)
    admission.check_provisioning_leaf(parsed[0])
    check_anchored(parsed, oem_roots, "OEM")
    with files.store_lock(store.path):
        record = read_record(store)
        pub = store.engine.public_key(record.key, PROVISIONING_SLOT)
        if not same_public_key(ec_public_key(parsed[0]), pub):
            raise KeyMismatchError("the certificate does not carry the provisioning key")
        cn = common_name(parsed[0])
        if normalize_emaid(cn) != normalize_emaid(record.pcid):
            raise CertificateError(f"certificate CN {cn!r} is not PCID {record.pcid!r}")
        record = replace(record, chain=list(parsed))
        files.atomic_write(store.prov_path, files.dump_json(record.to_json()))
    return info(store, record)

"""Key use: an exact :class:`KeyRef` -> one key record -> sign, ECDH or its public key."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from evcc.x509.ecdsa import der_to_raw, hash_for_digest
from evcc.x509.keys import peer_point
from keystore import contracts, provisioning
from keystore.engine import KeyRecord
from keystore.lifecycle import StoreDir
from keystore.model import KeyRef


def key_record(store: StoreDir, key: KeyRef) -> KeyRecord:
    """The record of exactly the key ``key`` names; TypeError for anything but a KeyRef."""
    if not isinstance(key, KeyRef):
        raise TypeError(
            "key use takes a keystore.KeyRef (ProvisioningInfo.key, ContractInfo.key), "
            f"not {type(key).__name__}"
        )
    if key.contract_id is None:
        return provisioning.read_record(store).key
    return contracts.read(store, key.contract_id).key


def public_key(store: StoreDir, key: KeyRef) -> ec.EllipticCurvePublicKey:
    """Public key of the provisioning key or a contract's key."""
    return store.engine.public_key(key_record(store, key), key.slot)


def sign(store: StoreDir, key: KeyRef, digest: bytes, *, raw: bool) -> bytes:
    """ECDSA over a SHA-256/384/512 digest: DER, or fixed-width r||s with ``raw``."""
    record = key_record(store, key)
    hash_for_digest(digest)
    der = store.engine.sign(record, key.slot, bytes(digest))
    if not raw:
        return der
    return der_to_raw(der, store.engine.public_key(record, key.slot).curve.name)


def ecdh(store: StoreDir, key: KeyRef, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
    """ECDH shared secret Z (x coordinate)."""
    record = key_record(store, key)
    curve = store.engine.public_key(record, key.slot).curve.name
    return store.engine.ecdh(record, key.slot, peer_point(peer_public_key, curve))

"""What ``evcc keystore status`` reports: counts, integrity and backend details."""

from __future__ import annotations

from keystore import contracts, provisioning, recovery
from keystore.errors import KeystoreError, TrustAnchorTamperedError
from keystore.lifecycle import StoreDir
from keystore.model import StoreStatus


def status(store: StoreDir) -> StoreStatus:
    """Counts, integrity and backend details; reads only, changes nothing."""
    try:
        roots, intact = len(store.trust.entries()), True
    except TrustAnchorTamperedError:
        roots, intact = 0, False
    records, problems = contracts.scan(store)
    detail = dict(store.engine.status())
    if problems:
        detail["damaged_files"] = problems
    try:
        noted = recovery.pending_keys(store)
        orphans = recovery.orphaned_keys(store, provisioning.current_key(store)) if noted else []
    except KeystoreError as exc:
        detail["orphaned_keys_check"] = str(exc)
    else:
        if orphans:
            # evicted by the next `provisioning create` (which has owner authorization)
            detail["orphaned_keys"] = [recovery.handle_text(k) for k in orphans]
    return StoreStatus(
        backend=store.engine.backend,
        path=str(store.path),
        for_vehicles=store.engine.for_vehicles,
        roots=roots,
        roots_intact=intact,
        provisioning=store.prov_path.exists(),
        contracts=len(records),
        detail=detail,
    )

"""Network identifier (NID) derivation from a network membership key (NMK)."""

from __future__ import annotations

import hashlib

from evcc.errors import FrameError


def nid_from_nmk(nmk: bytes, security_level: int = 0) -> bytes:
    """HomePlug AV NID: PBKDF1 (SHA-256, 5 rounds, no salt) of the NMK, 54 bits + level."""
    if len(nmk) != 16:
        raise FrameError(f"NMK must be 16 bytes, got {len(nmk)}")
    if not 0 <= security_level <= 3:
        raise FrameError("security level must be 0..3")
    digest = nmk
    for _ in range(5):
        digest = hashlib.sha256(digest).digest()
    nid = bytearray(digest[:7])
    nid[6] = (nid[6] >> 4) | (security_level << 4)
    return bytes(nid)

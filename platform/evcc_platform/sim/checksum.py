"""Complete L4 checksums that a sender left to offload (veth TX checksum offload)."""

from __future__ import annotations


def _sum16(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def fix_l4_checksum(frame: bytes) -> bytes:
    """Recompute the UDP/TCP checksum of an IPv4/IPv6 frame (no extension headers)."""
    ethertype = frame[12:14]
    if ethertype == b"\x86\xdd" and len(frame) >= 54:
        proto, l4 = frame[20], frame[54:]
        length = int.from_bytes(frame[18:20], "big")
        l4 = l4[:length]
        pseudo = frame[22:54] + length.to_bytes(4, "big") + bytes(3) + bytes([proto])
        head = frame[:54]
    elif ethertype == b"\x08\x00" and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        proto = frame[23]
        total = int.from_bytes(frame[16:18], "big")
        l4 = frame[14 + ihl : 14 + total]
        pseudo = frame[26:34] + bytes([0, proto]) + len(l4).to_bytes(2, "big")
        head = frame[: 14 + ihl]
    else:
        return frame
    offset = {17: 6, 6: 16}.get(proto)
    if offset is None or len(l4) < offset + 2:
        return frame
    zeroed = l4[:offset] + b"\x00\x00" + l4[offset + 2 :]
    csum = (~_sum16(pseudo + zeroed)) & 0xFFFF
    if proto == 17 and csum == 0:
        csum = 0xFFFF
    fixed = l4[:offset] + csum.to_bytes(2, "big") + l4[offset + 2 :]
    return head + fixed + frame[len(head) + len(l4) :]

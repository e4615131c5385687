"""HomePlug AV / Green PHY management messages (MMEs) declared with construct.

:func:`build` produces a complete Ethernet frame (padded to 60 bytes), :func:`parse` reads
one back into an :class:`Mme`. Every malformed input raises :class:`evcc.errors.FrameError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import construct as c

from evcc.errors import FrameError
from evcc.slac import constants as k

Mac = c.Bytes(6)
Nid = c.Bytes(7)
Key = c.Bytes(16)
Id17 = c.Bytes(17)
RunId = c.Bytes(8)
Nonce = c.Bytes(4)
App = "app_type" / c.Default(c.Int8ul, 0)
Sec = "sec_type" / c.Default(c.Int8ul, 0)

_SLAC_PARM_REQ = c.Struct(
    App,
    Sec,
    "run_id" / RunId,
    "cipher_suites"
    / c.Default(c.If(c.this.sec_type == 1, c.PrefixedArray(c.Int8ul, c.Int16ul)), None),
)
_SLAC_PARM_CNF = c.Struct(
    "msound_target" / c.Default(Mac, k.BROADCAST_MAC),
    "num_sounds" / c.Default(c.Int8ul, 10),
    "time_out" / c.Default(c.Int8ul, 6),
    "resp_type" / c.Default(c.Int8ul, 1),
    "forwarding_sta" / Mac,
    App,
    Sec,
    "run_id" / RunId,
    "cipher_suite" / c.Default(c.If(c.this.sec_type == 1, c.Int16ul), None),
)
_START_ATTEN_CHAR_IND = c.Struct(
    App,
    Sec,
    "num_sounds" / c.Default(c.Int8ul, 10),
    "time_out" / c.Default(c.Int8ul, 6),
    "resp_type" / c.Default(c.Int8ul, 1),
    "forwarding_sta" / Mac,
    "run_id" / RunId,
)
_SOUND_HEAD = (
    App,
    Sec,
    "sender_id" / c.Default(Id17, bytes(17)),
    "cnt" / c.Int8ul,
    "run_id" / RunId,
)
#: ISO 15118-3 layout (71 B) first, the 64-byte variant of older open-plc-utils second.
_MNBC_SOUND_IND = c.Select(
    c.Struct(*_SOUND_HEAD, "rsvd" / c.Default(c.Bytes(8), bytes(8)), "rnd" / c.Bytes(16)),
    c.Struct(*_SOUND_HEAD, "rnd" / c.Bytes(17)),
)
_ATTEN_PROFILE_IND = c.Struct(
    "pev_mac" / Mac,
    "num_groups" / c.Rebuild(c.Int8ul, c.len_(c.this.aag)),
    "rsvd" / c.Default(c.Int8ul, 0),
    "aag" / c.Array(c.this.num_groups, c.Int8ul),
)
_ATTEN_HEAD = (
    App,
    Sec,
    "source_address" / Mac,
    "run_id" / RunId,
    "source_id" / c.Default(Id17, bytes(17)),
    "resp_id" / c.Default(Id17, bytes(17)),
)
_ATTEN_CHAR_IND = c.Struct(
    *_ATTEN_HEAD,
    "num_sounds" / c.Int8ul,
    "num_groups" / c.Rebuild(c.Int8ul, c.len_(c.this.aag)),
    "aag" / c.Array(c.this.num_groups, c.Int8ul),
)
_ATTEN_CHAR_RSP = c.Struct(*_ATTEN_HEAD, "result" / c.Default(c.Int8ul, 0))
_MATCH_HEAD = (
    App,
    Sec,
    "mvf_length" / c.Int16ul,
    "pev_id" / c.Default(Id17, bytes(17)),
    "pev_mac" / Mac,
    "evse_id" / c.Default(Id17, bytes(17)),
    "evse_mac" / Mac,
    "run_id" / RunId,
    "rsvd" / c.Default(c.Bytes(8), bytes(8)),
)
_SLAC_MATCH_REQ = c.Struct(*_MATCH_HEAD)
_SLAC_MATCH_CNF = c.Struct(
    *_MATCH_HEAD, "nid" / Nid, "rsvd2" / c.Default(c.Int8ul, 0), "nmk" / Key
)
_VALIDATE_REQ = c.Struct(
    "signal_type" / c.Default(c.Int8ul, 0),
    "timer" / c.Default(c.Int8ul, 0),
    "result" / c.Default(c.Int8ul, 1),
)
_VALIDATE_CNF = c.Struct(
    "signal_type" / c.Default(c.Int8ul, 0),
    "toggle_num" / c.Default(c.Int8ul, 0),
    "result" / c.Int8ul,
)
_NONCES = ("my_nonce" / c.Default(Nonce, bytes(4)), "your_nonce" / c.Default(Nonce, bytes(4)))
#: Protocol ID (4 = HLE), protocol run number and message number of a key exchange.
_PROTOCOL_RUN = (
    "pid" / c.Default(c.Int8ul, 4),
    "prn" / c.Default(c.Int16ul, 0),
    "pmn" / c.Default(c.Int8ul, 0),
)
#: Nonces, protocol run and CCo capability: common to CM_SET_KEY.REQ and .CNF.
_SET_KEY_SESSION = (*_NONCES, *_PROTOCOL_RUN, "cco_cap" / c.Default(c.Int8ul, 0))
_SET_KEY_REQ = c.Struct(
    "key_type" / c.Default(c.Int8ul, 1),
    *_SET_KEY_SESSION,
    "nid" / Nid,
    "new_eks" / c.Default(c.Int8ul, 1),
    "new_key" / Key,
)
_SET_KEY_CNF = c.Struct("result" / c.Int8ul, *_SET_KEY_SESSION)
_GET_KEY_REQ = c.Struct(
    "req_type" / c.Default(c.Int8ul, 0),
    "key_type" / c.Default(c.Int8ul, 1),
    "nid" / c.Default(Nid, bytes(7)),
    _NONCES[0],
    *_PROTOCOL_RUN,
)
_GET_KEY_CNF = c.Struct(
    "result" / c.Int8ul,
    "key_type" / c.Default(c.Int8ul, 1),
    *_NONCES,
    "nid" / Nid,
    "eks" / c.Default(c.Int8ul, 1),
    *_PROTOCOL_RUN,
    "key" / c.Default(Key, bytes(16)),
)
_AMP_MAP_REQ = c.Struct(
    "amlen" / c.Rebuild(c.Int16ul, lambda ctx: ctx.get("amlen") or len(ctx.amdata) * 2),
    "amdata" / c.Bytes((c.this.amlen + 1) // 2),
)
_AMP_MAP_CNF = c.Struct("res_type" / c.Int8ul)
_EMPTY = c.Struct()
_SW_VER_CNF = c.Struct(
    "mstatus" / c.Default(c.Int8ul, 0),
    "device_id" / c.Default(c.Int8ul, 0),
    "version" / c.PascalString(c.Int8ul, "latin-1"),
)
_STATUS_CNF = c.Struct("mstatus" / c.Default(c.Int8ul, 0))
_LINK_STATUS_CNF = c.Struct("mstatus" / c.Default(c.Int8ul, 0), "link_status" / c.Int8ul)
_STATION = c.Struct(
    "mac" / Mac,
    "tei" / c.Int8ul,
    "bda" / c.Default(Mac, bytes(6)),
    "avg_phy_tx" / c.Default(c.Int8ul, 0),
    "avg_phy_rx" / c.Default(c.Int8ul, 0),
)
_AVLN = c.Struct(
    "nid" / Nid,
    "snid" / c.Default(c.Int8ul, 0),
    "tei" / c.Default(c.Int8ul, 1),
    "role" / c.Default(c.Int8ul, 0),
    "cco_mac" / c.Default(Mac, bytes(6)),
    "cco_tei" / c.Default(c.Int8ul, 1),
    "stations" / c.PrefixedArray(c.Int8ul, _STATION),
)
_NW_INFO_CNF = c.Struct("networks" / c.PrefixedArray(c.Int8ul, _AVLN))

#: MMTYPE -> (name, payload layout).
MESSAGES: dict[int, tuple[str, Any]] = {
    k.CM_SET_KEY | k.REQ: ("CM_SET_KEY.REQ", _SET_KEY_REQ),
    k.CM_SET_KEY | k.CNF: ("CM_SET_KEY.CNF", _SET_KEY_CNF),
    k.CM_GET_KEY | k.REQ: ("CM_GET_KEY.REQ", _GET_KEY_REQ),
    k.CM_GET_KEY | k.CNF: ("CM_GET_KEY.CNF", _GET_KEY_CNF),
    k.CM_AMP_MAP | k.REQ: ("CM_AMP_MAP.REQ", _AMP_MAP_REQ),
    k.CM_AMP_MAP | k.CNF: ("CM_AMP_MAP.CNF", _AMP_MAP_CNF),
    k.CM_SLAC_PARM | k.REQ: ("CM_SLAC_PARM.REQ", _SLAC_PARM_REQ),
    k.CM_SLAC_PARM | k.CNF: ("CM_SLAC_PARM.CNF", _SLAC_PARM_CNF),
    k.CM_START_ATTEN_CHAR | k.IND: ("CM_START_ATTEN_CHAR.IND", _START_ATTEN_CHAR_IND),
    k.CM_ATTEN_CHAR | k.IND: ("CM_ATTEN_CHAR.IND", _ATTEN_CHAR_IND),
    k.CM_ATTEN_CHAR | k.RSP: ("CM_ATTEN_CHAR.RSP", _ATTEN_CHAR_RSP),
    k.CM_MNBC_SOUND | k.IND: ("CM_MNBC_SOUND.IND", _MNBC_SOUND_IND),
    k.CM_VALIDATE | k.REQ: ("CM_VALIDATE.REQ", _VALIDATE_REQ),
    k.CM_VALIDATE | k.CNF: ("CM_VALIDATE.CNF", _VALIDATE_CNF),
    k.CM_SLAC_MATCH | k.REQ: ("CM_SLAC_MATCH.REQ", _SLAC_MATCH_REQ),
    k.CM_SLAC_MATCH | k.CNF: ("CM_SLAC_MATCH.CNF", _SLAC_MATCH_CNF),
    k.CM_ATTEN_PROFILE | k.IND: ("CM_ATTEN_PROFILE.IND", _ATTEN_PROFILE_IND),
    k.VS_SW_VER | k.REQ: ("VS_SW_VER.REQ", _EMPTY),
    k.VS_SW_VER | k.CNF: ("VS_SW_VER.CNF", _SW_VER_CNF),
    k.VS_RS_DEV | k.REQ: ("VS_RS_DEV.REQ", _EMPTY),
    k.VS_RS_DEV | k.CNF: ("VS_RS_DEV.CNF", _STATUS_CNF),
    k.VS_NW_INFO | k.REQ: ("VS_NW_INFO.REQ", _EMPTY),
    k.VS_NW_INFO | k.CNF: ("VS_NW_INFO.CNF", _NW_INFO_CNF),
    k.VS_PL_LINK_STATUS | k.REQ: ("VS_PL_LINK_STATUS.REQ", _EMPTY),
    k.VS_PL_LINK_STATUS | k.CNF: ("VS_PL_LINK_STATUS.CNF", _LINK_STATUS_CNF),
}
NAMES: dict[str, int] = {name: mmtype for mmtype, (name, _) in MESSAGES.items()}

_ETH = c.Struct("dst" / Mac, "src" / Mac, "ethertype" / c.Int16ub)


class UnknownMmeError(FrameError):
    """A well-formed HomePlug frame whose MMTYPE this codec does not declare."""

    def __init__(self, mmtype: int) -> None:
        super().__init__(f"unknown MMTYPE 0x{mmtype:04X}")
        self.mmtype = mmtype


@dataclass(frozen=True)
class Mme:
    """One parsed management message with its Ethernet addresses."""

    dst: bytes
    src: bytes
    mmtype: int
    fields: Mapping[str, Any] = field(default_factory=dict)
    mmv: int = 1

    @property
    def name(self) -> str:
        """Message name, e.g. ``CM_SLAC_PARM.CNF``."""
        return MESSAGES[self.mmtype][0]

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def describe(self) -> str:
        """One-line human-readable rendering."""
        parts = [f"{k_}={_show(v)}" for k_, v in self.fields.items()]
        return f"{self.name} {fmt_mac(self.src)} -> {fmt_mac(self.dst)}: " + " ".join(parts)


def fmt_mac(mac: bytes) -> str:
    """``aa:bb:cc:dd:ee:ff`` rendering of a 6-byte address."""
    return ":".join(f"{b:02x}" for b in mac)


def parse_mac(text: str) -> bytes:
    """Parse ``aa:bb:cc:dd:ee:ff`` (or ``-`` separated / plain hex) into 6 bytes."""
    try:
        raw = bytes.fromhex(text.replace(":", "").replace("-", ""))
    except ValueError as exc:
        raise FrameError(f"not a MAC address: {text!r}") from exc
    if len(raw) != 6:
        raise FrameError(f"not a MAC address: {text!r}")
    return raw


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        if value and isinstance(value[0], Mapping):
            return "[" + ", ".join("{" + _plain(v) + "}" for v in value) + "]"
        return "[" + ",".join(str(v) for v in value) + "]"
    return str(value)


def _plain(value: Mapping[str, Any]) -> str:
    return " ".join(f"{k_}={_show(v)}" for k_, v in value.items())


def _to_plain(value: Any) -> Any:
    """Strip construct containers into dicts/lists, dropping private ``_`` keys."""
    if isinstance(value, dict):
        return {k_: _to_plain(v) for k_, v in value.items() if not str(k_).startswith("_")}
    if isinstance(value, list):
        return [_to_plain(v) for v in value]
    return value


def header_len(mmtype: int, mmv: int = 1) -> int:
    """Bytes from frame start to the payload for this MMTYPE and MMV."""
    return 14 + 3 + (2 if mmv >= 1 else 0) + (3 if k.is_vendor(mmtype) else 0)


def build(
    mmtype: int | str,
    dst: bytes,
    src: bytes,
    fields: Mapping[str, Any] | None = None,
    *,
    mmv: int | None = None,
    **kwargs: Any,
) -> bytes:
    """Build a complete Ethernet frame for ``mmtype`` (number or name), padded to 60 bytes."""
    code = NAMES[mmtype] if isinstance(mmtype, str) else mmtype
    if code not in MESSAGES:
        raise FrameError(f"unknown MMTYPE 0x{code:04X}")
    if len(dst) != 6 or len(src) != 6:
        raise FrameError("MAC addresses must be 6 bytes")
    version = (0 if k.is_vendor(code) else 1) if mmv is None else mmv
    values = dict(fields or {})
    values.update(kwargs)
    try:
        payload: bytes = MESSAGES[code][1].build(values)
    except (c.ConstructError, ValueError, TypeError, KeyError, OverflowError) as exc:
        raise FrameError(f"cannot build {MESSAGES[code][0]}: {_one_line(exc)}") from exc
    head = dst + src + k.ETHERTYPE_HOMEPLUG.to_bytes(2, "big")
    head += bytes([version]) + code.to_bytes(2, "little")
    if version >= 1:
        head += b"\x00\x00"
    if k.is_vendor(code):
        head += k.QCA_OUI
    frame = head + payload
    return frame.ljust(k.MIN_FRAME_LEN, b"\x00")


def peek_mmtype(frame: bytes) -> int:
    """MMTYPE of a HomePlug frame without parsing the payload."""
    if len(frame) < 17:
        raise FrameError(f"frame of {len(frame)} bytes is shorter than a HomePlug header")
    if int.from_bytes(frame[12:14], "big") != k.ETHERTYPE_HOMEPLUG:
        raise FrameError(f"ethertype 0x{frame[12:14].hex()} is not HomePlug AV (0x88e1)")
    return int.from_bytes(frame[15:17], "little")


def parse(frame: bytes) -> Mme:
    """Parse one Ethernet frame into an :class:`Mme`; raises FrameError on any defect."""
    frame = bytes(frame)
    mmtype = peek_mmtype(frame)
    mmv = frame[14]
    if mmv > 1:
        raise FrameError(f"unsupported MMV {mmv}")
    if mmtype not in MESSAGES:
        raise UnknownMmeError(mmtype)
    start = header_len(mmtype, mmv)
    if len(frame) < start:
        raise FrameError(f"{MESSAGES[mmtype][0]}: truncated header ({len(frame)} bytes)")
    if k.is_vendor(mmtype) and frame[start - 3 : start] != k.QCA_OUI:
        raise FrameError(f"{MESSAGES[mmtype][0]}: OUI {frame[start - 3:start].hex()} is not QCA")
    try:
        parsed = MESSAGES[mmtype][1].parse(frame[start:])
    except (c.ConstructError, ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise FrameError(f"{MESSAGES[mmtype][0]}: malformed payload ({_one_line(exc)})") from exc
    return Mme(frame[0:6], frame[6:12], mmtype, _to_plain(dict(parsed)), mmv)

"""V2G Transfer Protocol (ISO 15118-2 §7.8.3, ISO 15118-20 §7.8.3): header and stream framing.

Every V2G message, on UDP (SDP) and on TCP/TLS (sessions), travels behind an 8-byte header:
protocol version 0x01, its inverse 0xFE, a 16-bit payload type and a 32-bit payload length,
big-endian. :func:`frame` builds one, :func:`parse_datagram` checks a whole UDP payload and
:class:`StreamBuffer` splits frames out of TCP reads cut anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from construct import Bytes, Const, Int16ub, Int32ub, Struct

from evcc.errors import V2gtpError

__all__ = [
    "DEFAULT_MAX_PAYLOAD",
    "HEADER_LEN",
    "Frame",
    "PayloadType",
    "StreamBuffer",
    "frame",
    "parse_datagram",
    "parse_header",
]

PROTOCOL_VERSION = 0x01
INVERSE_PROTOCOL_VERSION = 0xFE
HEADER_LEN = 8
#: Largest payload accepted by default. ISO 15118-2 leaves the receive buffer to the
#: implementation; the largest messages (CertificateInstallationRes/UpdateRes with three
#: chains, -20 installation with several contracts) stay well below this.
DEFAULT_MAX_PAYLOAD = 64 * 1024


class PayloadType(IntEnum):
    """Payload types of ISO 15118-2 / DIN SPEC 70121 and ISO 15118-20."""

    EXI = 0x8001  # -2 and DIN: every V2G message; -20: SupportedAppProtocol
    ISO20_MAINSTREAM = 0x8002
    ISO20_AC_MAINSTREAM = 0x8003
    ISO20_DC_MAINSTREAM = 0x8004
    ISO20_ACDP_MAINSTREAM = 0x8005
    ISO20_WPT_MAINSTREAM = 0x8006
    ISO20_SCHEDULE_RENEGOTIATION = 0x8101
    ISO20_METERING_CONFIRMATION = 0x8102
    ISO20_ACDP_SYSTEM_STATUS = 0x8103
    ISO20_PARKING_STATUS = 0x8104
    SDP_REQUEST = 0x9000
    SDP_RESPONSE = 0x9001
    SDP_REQUEST_WIRELESS = 0x9002
    SDP_RESPONSE_WIRELESS = 0x9003


# Compiled: construct then generates plain Python for the layout (about 4x faster per
# header, which every V2G message pays twice).
_HEADER = Struct(
    "version" / Const(PROTOCOL_VERSION.to_bytes(1, "big")),
    "inverse" / Const(INVERSE_PROTOCOL_VERSION.to_bytes(1, "big")),
    "payload_type" / Int16ub,
    "length" / Int32ub,
).compile()
_RAW_HEADER = Struct("version" / Bytes(1), "inverse" / Bytes(1), "payload_type" / Int16ub,
                     "length" / Int32ub).compile()


@dataclass(frozen=True, slots=True)
class Frame:
    """One V2GTP message: its payload type and payload bytes."""

    payload_type: PayloadType
    payload: bytes


def frame(payload_type: PayloadType, payload: bytes) -> bytes:
    """Header plus payload, ready to send."""
    if len(payload) > 0xFFFFFFFF:
        raise V2gtpError("payload longer than a V2GTP length field can say")
    header = _HEADER.build({"payload_type": int(payload_type), "length": len(payload)})
    return bytes(header) + payload


def parse_header(header: bytes, max_payload: int = DEFAULT_MAX_PAYLOAD) -> tuple[PayloadType, int]:
    """Check an 8-byte header; return the payload type and length or raise :class:`V2gtpError`."""
    if len(header) < HEADER_LEN:
        raise V2gtpError(f"V2GTP header truncated ({len(header)} of {HEADER_LEN} bytes)")
    raw = _RAW_HEADER.parse(header[:HEADER_LEN])
    version, inverse = raw.version[0], raw.inverse[0]
    if version != PROTOCOL_VERSION:
        raise V2gtpError(f"V2GTP protocol version 0x{version:02X}, expected 0x01")
    if inverse != INVERSE_PROTOCOL_VERSION:
        raise V2gtpError(f"V2GTP inverse protocol version 0x{inverse:02X}, expected 0xFE")
    try:
        payload_type = PayloadType(raw.payload_type)
    except ValueError:
        raise V2gtpError(f"unknown V2GTP payload type 0x{raw.payload_type:04X}") from None
    if raw.length > max_payload:
        raise V2gtpError(f"V2GTP payload of {raw.length} bytes exceeds the limit of {max_payload}")
    return payload_type, int(raw.length)


def parse_datagram(data: bytes, max_payload: int = DEFAULT_MAX_PAYLOAD) -> Frame:
    """One whole V2GTP message in a datagram (SDP): header checked, length exact."""
    payload_type, length = parse_header(data, max_payload)
    if len(data) - HEADER_LEN != length:
        raise V2gtpError(
            f"V2GTP length field says {length} bytes, the datagram carries {len(data) - HEADER_LEN}"
        )
    return Frame(payload_type, bytes(data[HEADER_LEN:]))


class StreamBuffer:
    """Splits V2GTP frames from a byte stream read in pieces of any size.

    :meth:`feed` appends what a read returned and gives every frame now complete. A bad
    header raises :class:`V2gtpError`; the buffer is then broken (a stream cannot be
    resynchronised) and refuses further input.
    """

    def __init__(self, max_payload: int = DEFAULT_MAX_PAYLOAD) -> None:
        self._max = max_payload
        self._buf = bytearray()
        self._need: tuple[PayloadType, int] | None = None
        self._broken: str | None = None

    @property
    def pending(self) -> int:
        """Bytes received that do not yet make a whole frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        if self._broken is not None:
            raise V2gtpError(f"stream already failed: {self._broken}")
        self._buf += data
        frames: list[Frame] = []
        while True:
            if self._need is None:
                if len(self._buf) < HEADER_LEN:
                    return frames
                try:
                    self._need = parse_header(bytes(self._buf[:HEADER_LEN]), self._max)
                except V2gtpError as exc:
                    self._broken = str(exc)
                    self._buf.clear()
                    raise
            payload_type, length = self._need
            if len(self._buf) < HEADER_LEN + length:
                return frames
            frames.append(Frame(payload_type, bytes(self._buf[HEADER_LEN : HEADER_LEN + length])))
            del self._buf[: HEADER_LEN + length]
            self._need = None

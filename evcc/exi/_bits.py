"""MSB-first bit reader and writer with the EXI primitive values (EXI 7.1).

Unsigned integers (EXI 7.1.6) are unbounded in EXI; both sides accept at most
:data:`MAX_UINT_GROUPS` 7-bit groups (7,168 bits), far beyond any value of a V2G schema
(xs:integer included), so that a hostile stream can neither loop nor allocate without bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evcc.errors import ExiDecodeError

if TYPE_CHECKING:
    from evcc.exi._grammar import GrammarModule

#: most 7-bit groups of one Unsigned Integer the codec reads or writes
MAX_UINT_GROUPS = 1024
#: the largest magnitude an Unsigned Integer may carry, in bits
MAX_UINT_BITS = 7 * MAX_UINT_GROUPS
_MAX_DEPTH = 64
#: masks of 0..127 whole bytes (string and binary values up to 127 bytes)
_BYTE_MASKS: tuple[int, ...] = tuple((1 << (8 * i)) - 1 for i in range(128))


class Reader:
    """MSB-first bit reader over an EXI body (the stream is held as one big integer)."""

    __slots__ = ("cut", "data", "depth", "g", "nbits", "obj", "pos", "strings", "text", "v")

    def __init__(self, data: bytes, g: GrammarModule, pos: int = 0) -> None:
        self.data = data if type(data) is bytes else bytes(data)
        self.nbits = len(self.data) * 8
        self.v = int.from_bytes(self.data, "big")
        self.pos = pos
        self.g = g
        self.text: str | None = None
        self.obj: Any = None
        self.strings: Any = None
        self.depth = 0
        self.cut = 0

    def drop(self, pos: int) -> None:
        """Forget the bits before ``pos`` so that later shifts work on a small integer."""
        self.cut = pos
        self.v &= (1 << (self.nbits - pos)) - 1

    def fail(self, message: str) -> ExiDecodeError:
        return ExiDecodeError(message, self.pos)

    def bits(self, n: int) -> int:
        end = self.pos + n
        if end > self.nbits:
            raise ExiDecodeError("premature end of stream", self.pos)
        self.pos = end
        return (self.v >> (self.nbits - end)) & ((1 << n) - 1)

    def uint(self) -> int:
        return more(self, self.bits(8))

    def integer(self) -> int:
        if self.bits(1):
            return -self.uint() - 1
        return self.uint()

    def binary(self) -> bytes:
        v = self.v
        nb = self.nbits
        pos = self.pos + 8
        if pos > nb:
            raise ExiDecodeError("premature end of stream", self.pos)
        n = (v >> (nb - pos)) & 0xFF
        if n > 0x7F:
            pos += 8
            if pos > nb:
                raise ExiDecodeError("premature end of stream", pos - 8)
            b = (v >> (nb - pos)) & 0xFF
            if b > 0x7F:
                self.pos = pos - 16
                n = self.uint()
                pos = self.pos
            else:
                n = (n & 0x7F) | (b << 7)
        end = pos + 8 * n
        if end > nb:
            raise ExiDecodeError(f"binary length {n} beyond the stream", pos)
        self.pos = end
        if pos & 7 == 0:
            out = self.data[pos >> 3:end >> 3]
        else:
            mask = _BYTE_MASKS[n] if n < 128 else (1 << (8 * n)) - 1
            out = ((v >> (nb - end)) & mask).to_bytes(n, "big")
        if n > 32:
            self.drop(end)
        return out

    def chars(self, n: int) -> str:
        if n * 8 > self.nbits - self.pos:
            raise ExiDecodeError(f"string length {n} beyond the stream", self.pos)
        if n == 0:
            return ""
        # fast path: all characters below 0x80 are one 8-bit group each
        end = self.pos + 8 * n
        raw = ((self.v >> (self.nbits - end)) & ((1 << (8 * n)) - 1)).to_bytes(n, "big")
        if raw.isascii():
            self.pos = end
            return raw.decode("ascii")
        out = []
        for _ in range(n):
            c = self.uint()
            if c > 0x10FFFF:
                raise ExiDecodeError("invalid code point", self.pos)
            out.append(chr(c))
        return "".join(out)

    def string(self) -> str:
        v = self.v
        n = self.nbits
        p = self.pos + 8
        if p > n:
            raise ExiDecodeError("premature end of stream", self.pos)
        length = (v >> (n - p)) & 0xFF
        if length > 0x7F:
            self.pos = p - 8
            length = self.uint()
            p = self.pos
        if length < 2:
            raise ExiDecodeError("string table hit, but the value table is empty", p)
        length -= 2
        end = p + 8 * length
        if end > n:
            raise ExiDecodeError(f"string length {length} beyond the stream", p)
        mask = _BYTE_MASKS[length] if length < 128 else (1 << (8 * length)) - 1
        try:
            text = ((v >> (n - end)) & mask).to_bytes(length, "big").decode("ascii")
        except UnicodeDecodeError:
            self.pos = p
            return self.chars(length)
        self.pos = end
        return text

    def bad(self, code: int) -> ExiDecodeError:
        return ExiDecodeError(f"event code {code} out of range", self.pos)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExiDecodeError("nesting too deep", self.pos)


def more(r: Reader, first: int) -> int:
    """Finish an Unsigned Integer whose first 8-bit group is ``first`` (EXI 7.1.6)."""
    value = first & 0x7F
    if first < 0x80:
        return value
    v = r.v
    n = r.nbits
    p = r.pos
    if n - p >= 32:  # up to four more groups (32-bit values such as time stamps) in one read
        x = (v >> (n - p - 32)) & 0xFFFFFFFF
        if x & 0x80000000 == 0:
            r.pos = p + 8
            return value | ((x >> 24) << 7)
        if x & 0x00800000 == 0:
            r.pos = p + 16
            return value | (((x >> 24) & 0x7F) << 7) | (((x >> 16) & 0x7F) << 14)
        if x & 0x00008000 == 0:
            r.pos = p + 24
            return (value | (((x >> 24) & 0x7F) << 7) | (((x >> 16) & 0x7F) << 14)
                    | (((x >> 8) & 0x7F) << 21))
        if x & 0x00000080 == 0:
            r.pos = p + 32
            return (value | (((x >> 24) & 0x7F) << 7) | (((x >> 16) & 0x7F) << 14)
                    | (((x >> 8) & 0x7F) << 21) | ((x & 0x7F) << 28))
    # longer values: the remaining groups (at most MAX_UINT_GROUPS - 1) in one read
    k = min(MAX_UINT_GROUPS - 1, (n - p) >> 3)
    chunk = ((v >> (n - p - 8 * k)) & ((1 << (8 * k)) - 1)).to_bytes(k, "big")
    shift = 7
    for i, b in enumerate(chunk):
        value |= (b & 0x7F) << shift
        if b < 0x80:
            r.pos = p + 8 * (i + 1)
            return value
        shift += 7
    if k < MAX_UINT_GROUPS - 1:
        raise ExiDecodeError("premature end of stream", r.pos)
    raise ExiDecodeError(f"unsigned integer longer than {MAX_UINT_GROUPS} groups", p)


class Writer:
    """MSB-first bit writer; ``a`` holds the pending bits below a sentinel 1 bit."""

    __slots__ = ("a", "buf", "strings", "validate")

    def __init__(self, validate: bool = True, header: int | None = None) -> None:
        """``header``: a first byte to start with (the EXI header)."""
        self.buf = bytearray()
        self.a = 1 if header is None else 0x100 | header
        self.validate = validate
        self.strings: Any = None

    def bits(self, v: int, n: int) -> None:
        self.a = (self.a << n) | v

    def flush(self) -> None:
        a = self.a
        k = a.bit_length() - 1
        nb = k >> 3
        if nb:
            rem = k & 7
            self.buf += ((a >> rem) & ((1 << (nb * 8)) - 1)).to_bytes(nb, "big")
            self.a = (1 << rem) | (a & ((1 << rem) - 1))

    def uint(self, v: int) -> None:
        a = self.a
        while v >= 0x80:
            a = (a << 8) | (v & 0x7F) | 0x80
            v >>= 7
        self.a = (a << 8) | v

    def integer(self, v: int) -> None:
        if v < 0:
            self.a = (self.a << 1) | 1
            self.uint(-v - 1)
        else:
            self.a <<= 1
            self.uint(v)

    def binary(self, b: bytes) -> None:
        n = len(b)
        if n < 128:
            self.a = (((self.a << 8) | n) << (8 * n)) | int.from_bytes(b, "big")
            return
        if n < 0x4000:
            a = (self.a << 16) | 0x8000 | ((n & 0x7F) << 8) | (n >> 7)
        else:
            self.uint(n)
            a = self.a
        self.a = (a << (8 * n)) | int.from_bytes(b, "big")
        self.flush()

    def chars(self, s: str) -> None:
        if s.isascii():
            n = len(s)
            if n:
                self.a = (self.a << (8 * n)) | int.from_bytes(s.encode("ascii"), "big")
            return
        for ch in s:
            c = ord(ch)
            if c < 0x80:
                self.a = (self.a << 8) | c
            else:
                self.uint(c)

    def string(self, s: str) -> None:
        n = len(s)
        if n < 126 and s.isascii():
            self.a = (((self.a << 8) | (n + 2)) << (8 * n)) | int.from_bytes(
                s.encode("ascii"), "big")
            return
        self.uint(n + 2)
        self.chars(s)

    def getvalue(self) -> bytes:
        self.flush()
        k = self.a.bit_length() - 1
        out = bytes(self.buf)
        if k:
            pad = 8 - k
            out += ((self.a & ((1 << k) - 1)) << pad).to_bytes(1, "big")
        return out

"""Bit-level reader/writer and the non-strict deviation handling shared by all grammars.

The generated grammar modules call into this module; it knows nothing about any schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from evcc.errors import ExiDecodeError, ExiEncodeError

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
_MAX_UINT_GROUPS = 20  # 140 bits, more than any V2G integer
_MAX_DEPTH = 64
#: masks of 0..127 whole bytes (string and binary values up to 127 bytes)
_BYTE_MASKS: tuple[int, ...] = tuple((1 << (8 * i)) - 1 for i in range(128))


@dataclass(slots=True)
class Named:
    """An element whose name cannot be derived from its value's class."""

    qname: tuple[str, str]
    value: Any


@dataclass(slots=True)
class AnyElement:
    """Content that no schema declaration describes (schema deviations, wildcards)."""

    qname: tuple[str, str]
    attributes: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    children: list[Any] = field(default_factory=list)  # AnyElement | str


class Reader:
    """MSB-first bit reader over an EXI body (the stream is held as one big integer)."""

    __slots__ = ("cut", "data", "depth", "g", "nbits", "obj", "pos", "strings", "text", "v")

    def __init__(self, data: bytes, g: ModuleType, pos: int = 0) -> None:
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
    shift = 7
    for _ in range(_MAX_UINT_GROUPS):
        p += 8
        if p > n:
            raise ExiDecodeError("premature end of stream", r.pos)
        b = (v >> (n - p)) & 0xFF
        value |= (b & 0x7F) << shift
        if b < 0x80:
            r.pos = p
            return value
        shift += 7
    raise ExiDecodeError("unsigned integer too long", p)


class Writer:
    """MSB-first bit writer; ``a`` holds the pending bits below a sentinel 1 bit."""

    __slots__ = ("a", "buf", "strings", "validate")

    def __init__(self, validate: bool = True) -> None:
        self.buf = bytearray()
        self.a = 1
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


# --- encode-side value checks (called by generated code) -------------------------------

def enc_error(type_name: str, message: str) -> ExiEncodeError:
    return ExiEncodeError(f"{type_name}: {message}")


def check_int(v: Any, lo: int | None, hi: int | None, name: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ExiEncodeError(f"{name}: expected an integer, got {type(v).__name__}")
    i = int(v)
    if (lo is not None and i < lo) or (hi is not None and i > hi):
        raise ExiEncodeError(f"{name}: {i} outside [{lo}, {hi}]")
    return i


def check_len(n: int, length: int | None, lo: int | None, hi: int | None, name: str) -> None:
    if length is not None and n != length:
        raise ExiEncodeError(f"{name}: length {n}, must be {length}")
    if lo is not None and n < lo:
        raise ExiEncodeError(f"{name}: length {n} below minLength {lo}")
    if hi is not None and n > hi:
        raise ExiEncodeError(f"{name}: length {n} above maxLength {hi}")


def check_str(v: Any, name: str) -> str:
    if not isinstance(v, str):
        raise ExiEncodeError(f"{name}: expected a string, got {type(v).__name__}")
    return v


def check_bin(v: Any, name: str) -> bytes:
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise ExiEncodeError(f"{name}: expected bytes, got {type(v).__name__}")
    return bytes(v)


def check_bool(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        raise ExiEncodeError(f"{name}: expected a boolean, got {type(v).__name__}")
    return v


# --- string tables for qnames (deviations only) ----------------------------------------

class _Strings:
    __slots__ = ("locals", "uris")

    def __init__(self, g: ModuleType) -> None:
        self.uris: list[str] = list(g.URIS)
        self.locals: list[list[str]] = [list(x) for x in g.LOCAL_NAMES]


def _width(n: int) -> int:
    return (n - 1).bit_length() if n > 1 else 0


def read_qname(r: Reader) -> tuple[str, str]:
    """A qname through the URI and local-name partitions (EXI 7.1.7)."""
    if r.strings is None:
        r.strings = _Strings(r.g)
    st = r.strings
    i = r.bits(_width(len(st.uris) + 1))
    if i == 0:
        n0 = r.uint()
        uri = r.chars(n0 - 1) if n0 else ""
        st.uris.append(uri)
        st.locals.append([])
        ui = len(st.uris) - 1
    else:
        ui = i - 1
        if ui >= len(st.uris):
            raise r.fail("uri index out of range")
        uri = st.uris[ui]
    n = r.uint()
    names = st.locals[ui]
    if n == 0:
        k = r.bits(_width(len(names)))
        if k >= len(names):
            raise r.fail("local-name index out of range")
        return uri, names[k]
    local = r.chars(n - 1)
    names.append(local)
    return uri, local


# --- non-strict deviations (EXI 8.5.4.4.1) -----------------------------------------------

def deviation(  # noqa: PLR0917 - called from generated code, positional for speed
    r: Reader, kind: int, ee_first: int, n_at3: int, here: int, content2: int
) -> int:
    """Read a second-level event; return the next state, -1 for EE, -3 for xsi:type.

    ``kind`` 0 = start tag state, 1 = attribute state, 2 = content state. Untyped character
    data is left in ``r.text``; a replacement object after ``xsi:type`` in ``r.obj``.
    """
    entries: list[str] = [] if ee_first else ["EE"]
    if kind == 0:
        entries += ["XT", "XN", "AT", "AT3", "SE", "CH"]
    elif kind == 1:
        entries += ["AT", "AT3", "SE", "CH"]
    else:
        entries += ["SE", "CH"]
    code = r.bits(_width(len(entries)))
    if code >= len(entries):
        raise r.bad(code)
    ev = entries[code]
    if ev == "EE":
        return -1
    if ev == "XT":
        uri, local = read_qname(r)
        dec = r.g.TYPES.get((uri, local))
        if dec is None:
            raise r.fail(f"xsi:type {{{uri}}}{local} is not a type of this grammar")
        r.obj = dec(r)
        return -3
    if ev == "XN":
        nil = r.bits(1) == 1
        if nil and n_at3:
            raise r.fail("xsi:nil on an element with attributes is not supported")
        if nil:
            # TypeEmpty: only EE remains (attributes after xsi:nil are not supported)
            c = r.bits(1)
            if c != 0:
                raise r.fail("xsi:nil element with content")
            return -1
        return here
    if ev == "AT":
        qn = read_qname(r)
        if qn == (XSI, "type"):
            read_qname(r)
        else:
            r.string()
        return here
    if ev == "AT3":
        k = r.bits(_width(n_at3 + 1))
        if k > n_at3:
            raise r.bad(k)
        if k == n_at3:
            read_qname(r)
        r.string()
        return here
    if ev == "SE":
        any_element(r)
        return content2 if kind <= 1 else here
    r.text = r.string()
    return content2 if kind <= 1 else here


def any_element(r: Reader) -> Any:
    """SE(*): a global declaration's grammar if one matches, else the built-in grammar."""
    qn = read_qname(r)
    dec = r.g.GLOBALS.get(qn)
    if dec is not None:
        return Named(qn, dec(r))
    return builtin_element(r, qn)


def builtin_element(r: Reader, qn: tuple[str, str]) -> AnyElement:
    """Built-in element grammar (EXI 8.4.3) that never learns (EXI profile 0/0)."""
    r.enter()
    el = AnyElement(qn)
    # StartTagContent: 0 first-level bits, second level EE, AT(*), SE(*), CH
    while True:
        code = r.bits(2)
        if code == 0:
            r.depth -= 1
            return el
        if code == 1:
            an = read_qname(r)
            if an == (XSI, "type"):
                tq = read_qname(r)
                el.attributes.append((an, "{{{}}}{}".format(*tq)))
                dec = r.g.TYPES.get(tq)
                if dec is not None:
                    el.children.append(dec(r))
                    r.depth -= 1
                    return el
                if tq == (XSD, "anyType"):
                    _any_type_content(r, el)
                    r.depth -= 1
                    return el
                raise r.fail("xsi:type of an unknown type")
            el.attributes.append((an, r.string()))
            continue
        if code == 2:
            el.children.append(any_element(r))
        else:
            el.children.append(r.string())
        break
    # ElementContent: EE | escape -> SE(*), CH
    while True:
        if r.bits(1) == 0:
            r.depth -= 1
            return el
        if r.bits(1) == 0:
            el.children.append(any_element(r))
        else:
            el.children.append(r.string())


def _any_type_content(r: Reader, el: AnyElement) -> None:
    """Schema-informed grammar of xs:anyType: AT(*), SE(*), EE, CH, plus the non-strict level."""
    # state 0/1 (attributes allowed): AT(*) SE(*) EE CH + escape -> 3 bits
    while True:
        c = r.bits(3)
        if c == 0:
            an = read_qname(r)
            el.attributes.append((an, r.string()))
            continue
        if c == 1:
            el.children.append(any_element(r))
            break
        if c == 2:
            return
        if c == 3:
            el.children.append(r.string())
            break
        raise r.bad(c)
    while True:  # content: SE(*) EE CH + escape -> 2 bits
        c = r.bits(2)
        if c == 0:
            el.children.append(any_element(r))
        elif c == 1:
            return
        elif c == 2:
            el.children.append(r.string())
        else:
            raise r.bad(c)


def unexpected(type_name: str, names: tuple[str, ...], f: int) -> ExiEncodeError:
    """An item that the grammar does not allow in the current state."""
    what = "end of content" if f == -1 else names[f] if 0 <= f < len(names) else f"item {f}"
    return ExiEncodeError(f"{type_name}: {what} is not allowed at this point")


# --- relaxed Element Fragment grammar (EXI 8.5.3) -----------------------------------------
# Used for fragment roots whose qname is declared with more than one type (ISO-2 eMAID).
# State 0: AT(every attribute qname of the set, sorted), AT(*), SE(every fragment qname),
# SE(*), EE, CH[untyped]; state 1: SE(...), SE(*), EE, CH[untyped].

def relaxed_decode(r: Reader, qn: tuple[str, str]) -> AnyElement:
    """Decode an element with the relaxed Element Fragment grammar."""
    g = r.g
    r.enter()
    el = AnyElement(qn)
    na = len(g.FRAG_ATTRS)
    nf = len(g.FRAG)
    w0 = _width(na + nf + 5)
    while True:
        c = r.bits(w0)
        if c < na:
            aq, dec, _ = g.FRAG_ATTRS[c]
            el.attributes.append((aq, dec(r) if dec is not None else r.string()))
            continue
        if c == na:
            el.attributes.append((read_qname(r), r.string()))
            continue
        c -= na + 1
        if c > nf + 2:
            raise r.bad(c)
        if c == nf + 1:
            r.depth -= 1
            return el
        _relaxed_child(r, el, c, nf)
        break
    w1 = _width(nf + 3)
    while True:
        c = r.bits(w1)
        if c > nf + 2:
            raise r.bad(c)
        if c == nf + 1:
            r.depth -= 1
            return el
        _relaxed_child(r, el, c, nf)


def _relaxed_child(r: Reader, el: AnyElement, c: int, nf: int) -> None:
    g = r.g
    if c < nf:
        cq, dec, _ = g.FRAG[c]
        el.children.append(Named(cq, dec(r) if dec is not None else relaxed_decode(r, cq)))
    elif c == nf:
        el.children.append(any_element(r))
    else:
        el.children.append(r.string())


def relaxed_encode(w: Writer, g: ModuleType, qn: tuple[str, str], value: Any,
                   lexical: Any) -> None:
    """Encode ``value`` (AnyElement or message object) with the relaxed grammar.

    ``lexical(value, spec)`` turns a simple value into its XML text (character data is
    untyped in this grammar).
    """
    if isinstance(value, AnyElement):
        attrs, children = value.attributes, value.children
    else:
        attrs, children = _split(g, value, lexical)
    na = len(g.FRAG_ATTRS)
    nf = len(g.FRAG)
    w0 = _width(na + nf + 5)
    w1 = _width(nf + 3)
    aidx = {row[0]: i for i, row in enumerate(g.FRAG_ATTRS)}
    fidx = {row[0]: i for i, row in enumerate(g.FRAG)}
    for aq, av in attrs:
        i = aidx.get(tuple(aq))
        if i is None:
            raise ExiEncodeError(f"attribute {aq} is not declared in grammar {g.GRAMMAR}")
        w.bits(i, w0)
        enc = g.FRAG_ATTRS[i][2]
        if enc is not None:
            enc(w, av)
        else:
            w.string(check_str(av, str(aq)))
    first = True
    for child in children:
        if isinstance(child, str):
            w.bits(na + 1 + nf + 2 if first else nf + 2, w0 if first else w1)
            w.string(child)
        else:
            if not isinstance(child, Named):
                raise ExiEncodeError("relaxed fragment children must be Named or text")
            j = fidx.get(tuple(child.qname))
            if j is None:
                raise ExiEncodeError(f"element {child.qname} is not declared")
            w.bits(na + 1 + j if first else j, w0 if first else w1)
            enc = g.FRAG[j][2]
            if enc is not None:
                enc(w, child.value)
            else:
                relaxed_encode(w, g, child.qname, child.value, lexical)
        first = False
    w.bits(na + 1 + nf + 1 if first else nf + 1, w0 if first else w1)


def _split(g: ModuleType, value: Any, lexical: Any) -> tuple[list[Any], list[Any]]:
    meta = g.META.get(type(value).__name__)
    if meta is None:
        raise ExiEncodeError(f"{type(value).__name__} is not a message class of {g.GRAMMAR}")
    attrs: list[Any] = []
    children: list[Any] = []
    for name, kind, qn, is_list, spec in meta:
        v = getattr(value, name)
        if v is None:
            continue
        if kind == "attr":
            attrs.append((qn, v))
        elif kind == "value":
            if v not in ("", b""):
                children.append(lexical(v, spec))
        elif kind == "elem":
            for item in (v if is_list else [v]):
                children.append(item if isinstance(item, Named) else Named(qn, item))
        else:
            for nm, item in v:
                children.append(item if nm == "#text" else Named(_unclark(nm), item))
    return attrs, children


def _unclark(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return ns, local
    return "", name


def stuck(type_name: str, names: tuple[str, ...], pending: tuple[Any, ...]) -> ExiEncodeError:
    """No production of the current state fits the next pending field."""
    for name, value in zip(names, pending, strict=True):
        if value is not None and value != []:
            return ExiEncodeError(f"{type_name}: {name} is not allowed at this point "
                                  "(order, choice or occurrence violates the schema)")
    return ExiEncodeError(f"{type_name}: content does not fit the schema")


# --- encoding schema deviations (SE(*) and the built-in grammar) ---------------------------

def write_qname(w: Writer, g: ModuleType, qn: tuple[str, ...]) -> None:
    """A qname through the URI and local-name partitions (mirror of :func:`read_qname`)."""
    if w.strings is None:
        w.strings = _Strings(g)
    st = w.strings
    uri, local = qn
    wd = _width(len(st.uris) + 1)
    if uri in st.uris:
        ui = st.uris.index(uri)
        w.bits(ui + 1, wd)
    else:
        w.bits(0, wd)
        w.uint(len(uri) + 1)
        w.chars(uri)
        st.uris.append(uri)
        st.locals.append([])
        ui = len(st.uris) - 1
    names = st.locals[ui]
    if local in names:
        w.uint(0)
        w.bits(names.index(local), _width(len(names)))
    else:
        w.uint(len(local) + 1)
        w.chars(local)
        names.append(local)


def _split_clark(text: str) -> tuple[str, str]:
    if text.startswith("{"):
        ns, local = text[1:].split("}", 1)
        return ns, local
    return "", text


def encode_any(w: Writer, g: ModuleType, el: Any, depth: int = 0) -> None:
    """SE(*) content: a global declaration's grammar for Named, else the built-in grammar."""
    if depth > _MAX_DEPTH:
        raise ExiEncodeError("untyped content nested too deep")
    if isinstance(el, Named):
        i = g.DOC_INDEX.get(tuple(el.qname))
        if i is None:
            raise ExiEncodeError(f"{el.qname} is not a global element of {g.GRAMMAR}")
        write_qname(w, g, tuple(el.qname))
        g.DOC[i][2](w, el.value)
        return
    if not isinstance(el, AnyElement):
        raise ExiEncodeError(f"cannot encode {type(el).__name__} as untyped content")
    write_qname(w, g, tuple(el.qname))
    any_type = False
    for aq, av in el.attributes:
        if any_type:
            w.bits(0, 3)
        else:
            w.bits(1, 2)
        write_qname(w, g, tuple(aq))
        if tuple(aq) == (XSI, "type") and not any_type:
            tq = _split_clark(av)
            write_qname(w, g, tq)
            if tq != (XSD, "anyType"):
                raise ExiEncodeError(f"xsi:type {av} in untyped content is not supported")
            any_type = True
        else:
            w.string(check_str(av, "attribute"))
    first = True
    for child in el.children:
        text = isinstance(child, str)
        if any_type:
            if first:
                w.bits(3 if text else 1, 3)
            else:
                w.bits(2 if text else 0, 2)
        elif first:
            w.bits(3 if text else 2, 2)
        else:
            w.bits(1, 1)
            w.bits(1 if text else 0, 1)
        if text:
            w.string(child)
        else:
            encode_any(w, g, child, depth + 1)
        first = False
    if any_type:
        w.bits(2, 3) if first else w.bits(1, 2)
    elif first:
        w.bits(0, 2)
    else:
        w.bits(0, 1)

"""Straight-line Python for one type grammar: a decoder and an encoder per complex type.

Decoders keep the stream as a local big integer ``v`` of ``n`` bits and a local bit position
``p``; a read of k bits is ``p += k; (v >> (n - p)) & mask`` (a read past the end makes the
shift count negative, which the API turns into ExiDecodeError). The position is stored back
in ``r.pos`` around calls. Encoders append to a local integer ``a`` that carries a sentinel
1 bit on top. Simple-typed child elements on the expected path (CH, value, EE) are read and
written in one step; anything else falls back to the general per-state code.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tools.exigen.grammar import AT, ATW, CH, EE, SE, SEW, TypeGrammar
from tools.exigen.xsd import ComplexType, ElementDecl, SimpleType


def width(n: int) -> int:
    return (n - 1).bit_length() if n > 1 else 0


def loop_kw(st: Any, k: int) -> str:
    """``while`` for a state that can stay in itself, ``if`` for one that always leaves."""
    return "while" if any(k in (p.target, p.alt) for p in st.prods) else "if"


def clark(qn: tuple[str, str]) -> str:
    return f"{{{qn[0]}}}{qn[1]}" if qn[0] else qn[1]


SYNC_OUT = "r.pos = p"
SYNC_IN = "p = r.pos; v = r.v"
_CALL = re.compile(r"f(\d+) = (_d\d+)\(r\)")
#: fewest leading alternatives that a state dispatches through a table instead of ``elif``
DISPATCH_MIN = 6
#: leaf children are read and written in place only for the first event codes of a state
#: (the next elements in schema order); later codes, rarer, call the child's function
INLINE_CODES = 3


def _rename(expr: str) -> str:
    """A child's field and enum-index names (fN, kN) as the in-place names (yN, jN)."""
    return _LOCAL.sub(lambda m: ("y" if m[1] == "f" else "j") + m[2], expr)


_LOCAL = re.compile(r"\b([fk])(\d+)\b")


def _digest(text: str) -> str:
    """A short name suffix from a table's content: equal tables get equal names in every
    grammar module, so that the functions that use them stay byte-identical."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]


class CodecEmitter:
    """Mixin for :class:`tools.exigen.emit.Emitter` (needs its type tables)."""

    cindex: dict[int, int]
    sindex: dict[int, int]
    cname: dict[int, str]
    grammars: dict[int, TypeGrammar]
    wrappers: dict[int, TypeGrammar]
    _subst_tables: dict[Any, str]
    _dispatch: dict[tuple[str, ...], str]
    _late: list[str]

    def simple_kind(self, st: SimpleType) -> str:
        raise NotImplementedError

    def empty_value(self, st: SimpleType) -> str:
        raise NotImplementedError

    # ------------------------------------------------------------ value reads
    def fixed_width(self, st: SimpleType) -> int | None:
        """Bits of a fixed-width value, or None for variable-length encodings."""
        k = self.simple_kind(st)
        if k == "enum":
            assert st.enum is not None
            return width(len(st.enum))
        if k == "nbit":
            assert st.min is not None and st.max is not None
            return width(st.max - st.min + 1)
        if k == "boolean":
            return 1
        return None

    def fixed_value(self, st: SimpleType, y: str) -> str:
        """Expression of the value from its raw bits ``y``."""
        k = self.simple_kind(st)
        if k == "enum":
            return f"_V{self.sindex[id(st)]}[{y}]"
        if k == "nbit":
            assert st.min is not None
            if self.fixed_width(st) == 0:
                return str(st.min)
            return f"{y} + {st.min}" if st.min else y
        return f"{y} == 1"

    def read_value(self, st: SimpleType, target: str) -> list[str]:
        """Lines reading a value into ``target`` with local v/n/p."""
        fw = self.fixed_width(st)
        if fw is not None:
            if fw == 0:
                return [f"{target} = {self.fixed_value(st, '0')}"]
            return [f"p += {fw}",
                    f"{target} = {self.fixed_value(st, f'((v >> (n - p)) & {(1 << fw) - 1})')}"]
        k = self.simple_kind(st)
        if k == "uint":
            slow = ["r.pos = p - 8", "y = _more(r, y)", SYNC_IN]
            if st.max is None or st.max >= 1 << 28:
                # five groups in one more read: 32-bit values such as -20 time stamps
                slow = ["if n - p >= 24 and ((x := (v >> (n - p - 24)) & 16777215) & 8421504"
                        " == 8421376):", "    p += 24",
                        "    y = (y & 127) | ((y2 & 127) << 7) | (((x >> 16) & 127) << 14) | "
                        "(((x >> 8) & 127) << 21) | ((x & 127) << 28)",
                        "else:", *("    " + ln for ln in slow)]
            return ["p += 8", "y = (v >> (n - p)) & 255", "if y > 127:",
                    "    p += 8", "    y2 = (v >> (n - p)) & 255", "    if y2 > 127:",
                    *("        " + ln for ln in slow),
                    "    else:", "        y = (y & 127) | (y2 << 7)", f"{target} = y"]
        if k == "int":
            return ["p += 9", "y = (v >> (n - p)) & 511", "g = y & 255", "if g > 127:",
                    "    p += 8", "    y2 = (v >> (n - p)) & 255", "    if y2 > 127:",
                    "        r.pos = p - 8", "        g = _more(r, g)", f"        {SYNC_IN}",
                    "    else:", "        g = (g & 127) | (y2 << 7)",
                    f"{target} = -g - 1 if y > 255 else g"]
        # short values in place; long ones, string-table codes and non-ASCII in the runtime
        if k in ("hexBinary", "base64Binary"):
            return ["p += 8", "y = (v >> (n - p)) & 255", "if y <= 32:", "    p += 8 * y",
                    f"    {target} = ((v >> (n - p)) & _BM[y]).to_bytes(y, 'big')", "else:",
                    "    r.pos = p - 8", f"    {target} = r.binary()", f"    {SYNC_IN}"]
        return ["p += 8", "y = (v >> (n - p)) & 255",
                "if 1 < y < 128 and (t := ((v >> (n - p - 8 * y + 16)) & _BM[y - 2])"
                ".to_bytes(y - 2, 'big')).isascii():",
                "    p += 8 * y - 16", f"    {target} = t.decode('ascii')", "else:",
                "    r.pos = p - 8", f"    {target} = r.string()", f"    {SYNC_IN}"]

    def wrapper_after_ch(self, st: SimpleType) -> int:
        tg = self.wrappers[id(st)]
        return next(p.target for p in tg.states[0].prods if p.kind == CH)

    def read_simple_element(self, st: SimpleType, target: str) -> list[str]:
        """A simple-typed child element: fast path CH value EE, else the wrapper grammar."""
        si = self.sindex[id(st)]
        fw = self.fixed_width(st)
        if fw is not None:
            k = fw + 2
            chk = (1 << (fw + 1)) | 1
            val = self.fixed_value(st, f"((x >> 1) & {(1 << fw) - 1})") if fw else \
                self.fixed_value(st, "0")
            return [f"p += {k}", f"x = (v >> (n - p)) & {(1 << k) - 1}",
                    f"if x & {chk} == 0:", f"    {target} = {val}", "else:",
                    f"    r.pos = p - {k}", f"    {target} = _dw{si}(r)", f"    {SYNC_IN}"]
        after = self.wrapper_after_ch(st)
        lines = ["p += 1", "if (v >> (n - p)) & 1:", "    r.pos = p - 1",
                 f"    {target} = _dw{si}(r)", f"    {SYNC_IN}", "else:"]
        lines += ["    " + ln for ln in self.read_value(st, target)]
        lines += ["    p += 1", "    if (v >> (n - p)) & 1:", "        r.pos = p - 1",
                  f"        {target} = _dw{si}(r, {after}, {target})", f"        {SYNC_IN}"]
        return lines

    # ------------------------------------------------------------ decoders
    def emit_decoder(self, out: list[str], tg: TypeGrammar, fname: str, result: str) -> None:
        fields = tg.fields
        value_st = tg.ct.simple
        wrapper = result == "value"
        if wrapper:
            assert value_st is not None
            out.append(f"def {fname}(r: Reader, s: int = 0, f0: Any = "
                       f"{self.empty_value(value_st)}) -> Any:")
        else:
            out.append(f"def {fname}(r: Reader) -> Any:")
        out.append("    p = r.pos")
        if not wrapper:
            out.append("    if p - r.cut > 4096:")
            out.append("        r.drop(p)")
        out.append("    v = r.v")
        out.append("    n = r.nbits")
        inits = self._inits(tg)
        if not wrapper:
            # runs that end the element return at once, before the general state machine
            self._dec_chain(out, tg, (result, inits), early=True)
            for i, init in enumerate(inits):
                out.append(f"    f{i}: Any = {init}")
            out.append("    s = 0")
            self._dec_chain(out, tg, (result, inits), early=False)
            self._dec_attr_only(out, tg, result, inits)
        ind = "    "
        if not tg.acyclic:
            out.append("    while s >= 0:")
            ind = "        "
        has_text = value_st is not None or tg.irregular
        copies = self._copies(tg)
        for k in tg.order:
            st = tg.states[k]
            primary = k not in copies
            nprod = len(st.prods)
            w = width(nprod + 1)
            out.append(f"{ind}while s == {k}:")
            out.append(f"{ind}    p += {w}")
            out.append(f"{ind}    c = (v >> (n - p)) & {(1 << w) - 1}")
            first = self._dec_dispatch(out, tg, st, ind)
            for ci, p in enumerate(st.prods):
                if ci < first:
                    continue
                kw = "if" if ci == 0 else "elif"
                out.append(f"{ind}    {kw} c == {ci}:")
                for line in self._dec_action(tg, p, primary and ci < INLINE_CODES):
                    out.append(f"{ind}        {line}")
                if p.limit:
                    out.append(f"{ind}        s = {p.target} if len(f{p.field}) < {p.limit} "
                               f"else {p.alt}")
                else:
                    out.append(f"{ind}        s = {p.target if p.kind != EE else -1}")
            ee_first = 1 if any(p.kind == EE for p in st.prods) else 0
            n_at3 = sum(1 for p in st.prods if p.kind == AT)
            c2 = st.content2 if st.kind <= 1 else k
            out.append(f"{ind}    elif c == {nprod}:")
            out.append(f"{ind}        {SYNC_OUT}")
            out.append(f"{ind}        s = _dv(r, {st.kind}, {ee_first}, {n_at3}, {k}, {c2})")
            out.append(f"{ind}        {SYNC_IN}")
            if st.kind == 0:
                out.append(f"{ind}        if s == -3:")
                out.append(f"{ind}            return r.obj")
            if has_text:
                out.append(f"{ind}        if r.text is not None:")
                if value_st is not None and not tg.irregular:
                    out.append(f"{ind}            f{len(fields) - 1} = r.text")
                else:
                    out.append(f"{ind}            f{len(fields) - 1}.append((\"#text\", r.text))")
                out.append(f"{ind}            r.text = None")
            out.append(f"{ind}    else:")
            out.append(f"{ind}        r.pos = p")
            out.append(f"{ind}        raise r.bad(c)")
        out.append("    r.pos = p")
        if wrapper:
            out.append("    return f0")
        else:
            out.append(f"    o = _new({result})")
            for i, f in enumerate(fields):
                out.append(f"    o.{f.name} = f{i}")
            out.append("    return o")
        out.append("")
        out.append("")

    def _inits(self, tg: TypeGrammar) -> list[str]:
        """Initial value of each field of a decoder (before any event)."""
        inits: list[str] = []
        for f in tg.fields:
            if f.kind == "value":
                assert tg.ct.simple is not None
                inits.append(self.empty_value(tg.ct.simple))
            elif f.is_list or f.kind == "content":
                inits.append("[]")
            else:
                inits.append("None")
        return inits

    def _dec_dispatch(self, out: list[str], tg: TypeGrammar, st: Any, ind: str) -> int:
        """Leading alternatives that each decode one complex child into the same field and
        go to the same state (a substitution group such as the V2G Body) are dispatched
        through a tuple of decoders; returns how many alternatives that covers."""
        calls: list[str] = []
        field = target = -1
        for p in st.prods:
            if p.kind != SE or p.limit:
                break
            lines = self._dec_action(tg, p)
            m = _CALL.fullmatch(lines[1]) if len(lines) == 3 and lines[0] == SYNC_OUT \
                and lines[2] == SYNC_IN else None
            if m is None or (calls and (int(m[1]) != field or p.target != target)):
                break
            field, target = int(m[1]), p.target
            calls.append(m[2])
        if len(calls) < DISPATCH_MIN:
            return 0
        key = tuple(calls)
        name = self._dispatch.get(key)
        if name is None:
            rhs = f"({', '.join(calls)},)"
            name = f"_DT_{_digest(rhs)}"
            self._dispatch[key] = name
            self._late.append(f"{name} = {rhs}")
        out.append(f"{ind}    if c < {len(calls)}:")
        out.append(f"{ind}        {SYNC_OUT}")
        out.append(f"{ind}        f{field} = {name}[c](r)")
        out.append(f"{ind}        {SYNC_IN}")
        out.append(f"{ind}        s = {target}")
        return len(calls)

    def _attr_only(self, tg: TypeGrammar) -> tuple[int, int, int, int, int, int] | None:
        """(field, code, width, next state, EE code, EE width) when the type has one
        attribute, taken from state 0, after which EE may follow (xmldsig Algorithm)."""
        if tg.ct.simple is not None or self._chain(tg)[0]:
            return None
        attrs = [i for i, f in enumerate(tg.fields) if f.kind == "attr"]
        if len(attrs) != 1:
            return None
        st0 = tg.states[0]
        for ci, p in enumerate(st0.prods):
            if p.kind == AT and p.field == attrs[0] and not p.limit and p.target >= 0:
                nxt = tg.states[p.target]
                ee = [cj for cj, q in enumerate(nxt.prods) if q.kind == EE]
                if ee:
                    return (attrs[0], ci, width(len(st0.prods) + 1), p.target, ee[0],
                            width(len(nxt.prods) + 1))
        return None

    def _dec_attr_only(self, out: list[str], tg: TypeGrammar, result: str,
                       inits: list[str]) -> None:
        """Attribute then EE in straight-line code; otherwise continue in the states."""
        fast = self._attr_only(tg)
        if fast is None:
            return
        fa, ci, w0, t, ce, wt = fast
        attr = tg.states[0].prods[ci].attr
        assert attr is not None
        out.append(f"    if (v >> (n - p - {w0})) & {(1 << w0) - 1} == {ci}:")
        out.append(f"        p += {w0}")
        for ln in self.read_value(attr.type, f"f{fa}"):
            out.append(f"        {ln}")
        out.append(f"        if (v >> (n - p - {wt})) & {(1 << wt) - 1} == {ce}:")
        out.append(f"            r.pos = p + {wt}")
        out.append(f"            o = _new({result})")
        for i, f in enumerate(tg.fields):
            out.append(f"            o.{f.name} = {f'f{i}' if i == fa else inits[i]}")
        out.append("            return o")
        out.append(f"        s = {t}")

    def _enc_attr_only(self, out: list[str], tg: TypeGrammar) -> None:
        """Attribute then EE in one go when no other field is set."""
        fast = self._attr_only(tg)
        if fast is None:
            return
        fa, ci, w0, _t, ce, wt = fast
        attr = tg.states[0].prods[ci].attr
        assert attr is not None
        conds = [f"(v := o.{tg.fields[fa].name}) is not None"]
        for i, f in enumerate(tg.fields):
            if i != fa:
                conds.append(f"not o.{f.name}" if f.is_list or f.kind == "content"
                             else f"o.{f.name} is None")
        out.append(f"    if {' and '.join(conds)}:")
        out.append(f"        a = (w.a << {w0}) | {ci}" if ci else f"        a = w.a << {w0}")
        out.extend("        " + ln for ln in self.write_value(attr.type, "v"))
        out.append(f"        w.a = (a << {wt}) | {ce}" if ce else f"        w.a = a << {wt}")
        out.append("        return")

    def _chain(self, tg: TypeGrammar) -> tuple[list[Any], int, int, int]:
        """Leading run of fixed-width simple elements taken with code 0 from state 0.

        Returns (segments, total bits, end state, EE bits) where each segment is
        (offset, code width, value width, simple type, field); the end state is -1 when the
        run ends with the element's EE (then "EE bits" is the width of that code).
        """
        segs: list[Any] = []
        k = 0
        total = 0
        seen = {0}
        if tg.irregular:
            return segs, 0, 0, 0
        while True:
            st = tg.states[k]
            if not st.prods:
                break
            p0 = st.prods[0]
            if p0.kind != SE or p0.decl is None or p0.limit:
                break
            f = tg.fields[p0.field]
            t = p0.decl.type
            if f.is_list or len(f.decls) > 1 or not isinstance(t, SimpleType):
                break
            fw = self.fixed_width(t)
            if fw is None:
                break
            w = width(len(st.prods) + 1)
            segs.append((total, w, fw, t, p0.field))
            total += w + fw + 2
            k = p0.target
            if k in seen:
                break
            seen.add(k)
        end = tg.states[k]
        if segs and len(end.prods) == 1 and end.prods[0].kind == EE:
            return segs, total, -1, width(2)
        return segs, total, k, 0

    def _var_tail(self, tg: TypeGrammar, k: int) -> Any:
        """(code width, field, signed, type, end state) of an int element at state k whose
        element is followed by the type's only EE, or None."""
        if k < 0 or tg.irregular:
            return None
        st = tg.states[k]
        if not st.prods:
            return None
        p0 = st.prods[0]
        if p0.kind != SE or p0.decl is None or p0.limit:
            return None
        f = tg.fields[p0.field]
        t = p0.decl.type
        if f.is_list or len(f.decls) > 1 or not isinstance(t, SimpleType):
            return None
        kind = self.simple_kind(t)
        if kind not in ("int", "uint"):
            return None
        end = tg.states[p0.target]
        if not (len(end.prods) == 1 and end.prods[0].kind == EE):
            return None
        return width(len(st.prods) + 1), p0.field, kind == "int", t

    def _run_block(self, segs: list[Any], total: int, ee: int) -> tuple[int, int, list[str]]:
        """(bits, mask of the bits that must be 0, ``fN = expr`` lines) of one read of a
        run of fixed-width simple elements, plus ``ee`` bits of the type's own EE."""
        chk = 0
        lines = []
        full = total + ee
        for off, w, fw, t, fi in segs:
            chk |= ((1 << (w + 1)) - 1) << (full - off - w - 1)  # code and CH bits
            chk |= 1 << (full - off - w - fw - 2)  # EE bit of the child
            shift = full - off - w - 1 - fw
            raw = f"((x >> {shift}) & {(1 << fw) - 1})" if fw else "0"
            lines.append(f"f{fi} = {self.fixed_value(t, raw)}")
        if ee:
            chk |= (1 << ee) - 1
        return full, chk, lines

    def _early_blocks(self, tg: TypeGrammar) -> list[tuple[int, int, int, list[str]]]:
        """The one-read paths that take a whole element: (bits, mask, expected, lines)."""
        segs, total, k, ee = self._chain(tg)
        if not segs:
            return []
        tail = self._var_tail(tg, k)
        if tail is not None:
            return [self._tail_block(segs, total, tail, 1), self._tail_block(segs, total, tail, 2)]
        if k != -1:
            return []
        full, chk, lines = self._run_block(segs, total, ee)
        return [(full, chk, 0, lines)]

    def _dec_chain(self, out: list[str], tg: TypeGrammar, obj: tuple[str, list[str]],
                   early: bool) -> None:
        """One read for the leading run of fixed-width simple elements (codes 0).

        With ``early`` only the reads that end the element are emitted, and they build
        and return the object at once; otherwise the reads that continue in a state.
        """
        if early:
            for full, chk, exp, lines in self._early_blocks(tg):
                out.append(f"    if n - p >= {full}:")
                out.append(f"        x = (v >> (n - p - {full})) & {(1 << full) - 1}")
                out.append(f"        if x & {chk} == {exp}:")
                self._dec_early_return(out, tg, obj, lines, full)
            return
        segs, total, k, ee = self._chain(tg)
        if not segs or k == -1:
            return
        full, chk, lines = self._run_block(segs, total, ee)
        out.append(f"    if n - p >= {full}:")
        out.append(f"        x = (v >> (n - p - {full})) & {(1 << full) - 1}")
        out.append(f"        if x & {chk} == 0:")
        out.append(f"            p += {full}")
        for ln in lines:
            out.append("            " + ln)
        out.append(f"            s = {k}")

    def _dec_early_return(self, out: list[str], tg: TypeGrammar, obj: tuple[str, list[str]],
                          lines: list[str], full: int) -> None:
        """Build the object from a successful run read (``fN = expr`` lines) and return."""
        result, inits = obj
        out.append(f"            r.pos = p + {full}")
        out.append(f"            o = _new({result})")
        out.extend("            " + ln for ln in self._set_fields("o", tg, inits, lines))
        out.append("            return o")

    @staticmethod
    def _set_fields(obj: str, tg: TypeGrammar, inits: list[str], lines: list[str]) -> list[str]:
        """``fN = expr`` lines as attribute stores on ``obj``; other fields get their init."""
        res = []
        done = set()
        for ln in lines:
            head, _, expr = ln.partition(" = ")
            if head.startswith("f") and head[1:].isdigit():
                i = int(head[1:])
                done.add(i)
                res.append(f"{obj}.{tg.fields[i].name} = {expr}")
            else:
                res.append(f"{head} = {expr}")
        for i, f in enumerate(tg.fields):
            if i not in done:
                res.append(f"{obj}.{f.name} = {inits[i]}")
        return res

    def _tail_block(self, segs: list[Any], total: int, tail: Any,
                    groups: int) -> tuple[int, int, int, list[str]]:
        """Fixed run + one int element whose value has 1 or 2 groups + the type's EE."""
        w_t, f_t, signed, _t = tail
        full = total + w_t + 1 + (1 if signed else 0) + 8 * groups + 1 + width(2)
        chk = 0
        exp = 0
        lines = []
        for off, w, fw, t, fi in segs:
            chk |= ((1 << (w + 1)) - 1) << (full - off - w - 1)
            chk |= 1 << (full - off - w - fw - 2)
            shift = full - off - w - 1 - fw
            raw = f"((x >> {shift}) & {(1 << fw) - 1})" if fw else "0"
            lines.append(f"f{fi} = {self.fixed_value(t, raw)}")
        off = total
        chk |= ((1 << (w_t + 1)) - 1) << (full - off - w_t - 1)  # SE code and CH
        pos = off + w_t + 1
        sign_shift = full - pos - 1
        if signed:
            pos += 1
        g1 = full - pos - 8
        chk |= 1 << (g1 + 7)
        if groups == 2:
            exp |= 1 << (g1 + 7)  # first group continues
            g2 = g1 - 8
            chk |= 1 << (g2 + 7)
            last = g2
            g = f"(((x >> {g1}) & 127) | (((x >> {g2}) & 127) << 7))"
        else:
            last = g1
            g = f"((x >> {g1}) & 127)"
        chk |= 1 << (last - 1)  # EE of the int element
        chk |= (1 << width(2)) - 1  # EE of this element
        if signed:
            lines.append(f"g = {g}")
            lines.append(f"f{f_t} = -g - 1 if (x >> {sign_shift}) & 1 else g")
        else:
            lines.append(f"f{f_t} = {g}")
        return full, chk, exp, lines

    def _fixed_parts(self, segs: list[Any], full: int) -> tuple[list[str], list[str]]:
        conds = []
        parts = []
        for off, w, fw, t, fi in segs:
            shift = full - off - w - 1 - fw
            kind = self.simple_kind(t)
            si = self.sindex[id(t)]
            if kind == "enum":
                conds.append(f"(k{fi} := _I{si}.get(f{fi})) is not None")
                raw = f"k{fi}"
            elif kind == "nbit":
                conds.append(f"type(f{fi}) is int and {t.min} <= f{fi} <= {t.max}")
                raw = f"(f{fi} - {t.min})" if t.min else f"f{fi}"
            else:
                conds.append(f"(f{fi} is True or f{fi} is False)")
                raw = f"(1 if f{fi} else 0)"
            if fw:
                parts.append(f"({raw} << {shift})" if shift else raw)
        return conds, parts

    def _enc_chain_tail(self, out: list[str], segs: list[Any], total: int, tail: Any) -> None:
        """Fixed run + a small int element + the type's EE in one write."""
        _w, f_t, _sg, t = tail
        lo = t.min if t.min is not None else -(2**70)
        hi = t.max if t.max is not None else 2**70
        conds, _ = self._fixed_parts(segs, 0)
        conds.append(f"type(f{f_t}) is int and {lo} <= f{f_t} <= {hi}")
        conds.append(f"left == {len(segs) + 1}")
        out.append(f"    if {' and '.join(conds)}:")
        pre, writes = self._tail_writes(segs, total, tail, f"f{f_t}")
        out.extend("        " + ln for ln in pre)
        for i, (cond, full, expr) in enumerate(writes):
            out.append(f"        {'el' if i else ''}if {cond}:")
            out.append(f"            w.a = (a << {full}) | {expr}")
            out.append("            return")

    def _tail_writes(self, segs: list[Any], total: int, tail: Any,
                     val: str) -> tuple[list[str], list[tuple[str, int, str]]]:
        """Lines that split the int ``val`` into magnitude ``g`` (and sign ``sg``), then
        for one and two groups: (condition on g, bits, value) of the one-step write of a
        fixed run + that int + the type's EE."""
        w_t, _f_t, signed, _t = tail
        if signed:
            pre = [f"if {val} < 0:", f"    g = -{val} - 1", "    sg = 1", "else:",
                   f"    g = {val}", "    sg = 0"]
        else:
            pre = [f"g = {val}"]
        writes = []
        for groups in (1, 2):
            full = total + w_t + 1 + (1 if signed else 0) + 8 * groups + 1 + width(2)
            _, parts = self._fixed_parts(segs, full)
            pos = total + w_t + 1
            if signed:
                parts.append(f"(sg << {full - pos - 1})")
                pos += 1
            g1 = full - pos - 8
            if groups == 1:
                parts.append(f"(g << {g1})")
            else:
                parts.append(f"((((g & 127) | 128) << {g1}) | ((g >> 7) << {g1 - 8}))")
            writes.append(("g < 128" if groups == 1 else "g < 16384", full, " | ".join(parts)))
        return pre, writes

    def _enc_chain(self, out: list[str], tg: TypeGrammar) -> None:
        """One write for the leading run of fixed-width simple elements, when all fit."""
        segs, total, k, ee = self._chain(tg)
        if not segs:
            return
        tail = self._var_tail(tg, k)
        if tail is not None:
            self._enc_chain_tail(out, segs, total, tail)
        full = total + ee
        conds = []
        parts = []
        for off, w, fw, t, fi in segs:
            shift = full - off - w - 1 - fw
            kind = self.simple_kind(t)
            si = self.sindex[id(t)]
            if kind == "enum":
                conds.append(f"(k{fi} := _I{si}.get(f{fi})) is not None")
                raw = f"k{fi}"
            elif kind == "nbit":
                conds.append(f"type(f{fi}) is int and {t.min} <= f{fi} <= {t.max}")
                raw = f"(f{fi} - {t.min})" if t.min else f"f{fi}"
            else:
                conds.append(f"(f{fi} is True or f{fi} is False)")
                raw = f"(1 if f{fi} else 0)"
            if fw:
                parts.append(f"({raw} << {shift})" if shift else raw)
        out.append(f"    if {' and '.join(conds)}:")
        out.append(f"        a = (a << {full}) | {' | '.join(parts) if parts else '0'}")
        for *_, fi in segs:
            out.append(f"        f{fi} = None")
        out.append(f"        left -= {len(segs)}")
        if k == -1:
            out.append("        if left == 0:")
            out.append("            w.a = a")
            out.append("            return")
            out.append("        else:")
            out.append(f"            a >>= {full}")
            out.append("            s = 0")
            for *_, fi in segs:
                out.append(f"            f{fi} = o.{tg.fields[fi].name}")
            out.append(f"            left += {len(segs)}")
        else:
            out.append(f"        s = {k}")

    @staticmethod
    def _copies(tg: TypeGrammar) -> set[int]:
        """The copies of the start states, entered only after a deviation: their leaf
        children are read and written through calls, not in place."""
        return {x.content2 for x in tg.states if x.kind <= 1}

    def _child(self, d: ElementDecl, target: str, inline: bool) -> list[str]:
        t = d.type
        if isinstance(t, ComplexType):
            return self._inline_child(t, target, inline)
        assert isinstance(t, SimpleType)
        return self.read_simple_element(t, target)

    def _inline_child(self, t: ComplexType, target: str, inline: bool) -> list[str]:
        """A complex child: its one-read paths in place (small leaf types such as
        PhysicalValue or RationalNumber), else a call of its decoder."""
        call = [SYNC_OUT, f"{target} = _d{self.cindex[id(t)]}(r)", SYNC_IN]
        tg = self.grammars[id(t)]
        blocks = self._early_blocks(tg) if inline else []
        if not blocks:
            return call
        out = []
        inits = self._inits(tg)
        for i, (full, chk, exp, lines) in enumerate(blocks):
            out.append(f"{'el' if i else ''}if n - p >= {full} and "
                       f"(x := (v >> (n - p - {full})) & {(1 << full) - 1}) & {chk} == {exp}:")
            out.append(f"    p += {full}")
            out.append(f"    z = _new({self.cname[id(t)]})")
            out.extend("    " + ln for ln in self._set_fields("z", tg, inits, lines))
            out.append(f"    {target} = z")
        out.append("else:")
        out.extend("    " + ln for ln in call)
        return out

    def _dec_action(self, tg: TypeGrammar, p: Any, inline: bool = False) -> list[str]:
        """Lines for one production; ``inline`` lets a leaf child be read in place."""
        fields = tg.fields
        if p.kind == AT:
            assert p.attr is not None
            return self.read_value(p.attr.type, f"f{p.field}")
        if p.kind == ATW:
            return [SYNC_OUT, "_rq(r)", "r.string()", SYNC_IN]
        if p.kind == SE:
            d = p.decl
            assert d is not None
            f = fields[p.field]
            if f.kind == "content":
                return [*self._child(d, "e", inline), f"f{p.field}.append(({clark(d.qname)!r}, e))"]
            if f.is_list:
                return [*self._child(d, "e", inline), f"f{p.field}.append(e)"]
            if len(f.decls) > 1 and self._member_ambiguous(f, d):
                return [*self._child(d, "e", inline), f"f{p.field} = _Named({d.qname!r}, e)"]
            return self._child(d, f"f{p.field}", inline)
        if p.kind == SEW:
            return [SYNC_OUT, f"f{p.field}.append(_any(r))", SYNC_IN]
        if p.kind == CH:
            if p.key == (CH, "mixed"):
                return [SYNC_OUT, f"f{p.field}.append((\"#text\", r.string()))", SYNC_IN]
            assert tg.ct.simple is not None
            return self.read_value(tg.ct.simple, f"f{p.field}")
        return []

    def _member_ambiguous(self, f: Any, d: ElementDecl) -> bool:
        """True when the member's value class does not identify the member."""
        same = [m for m in f.decls if m.type is d.type]
        return len(same) > 1 or not isinstance(d.type, ComplexType)

    # ------------------------------------------------------------ encoders
    def write_simple_element(self, st: SimpleType, val: str) -> list[str]:
        """Fast path CH value EE for ints, enums, booleans and short strings and binaries;
        else the wrapper encoder."""
        si = self.sindex[id(st)]
        k = self.simple_kind(st)
        slow = ["    w.a = a", f"    _ew{si}(w, {val})", "    a = w.a"]
        fw = self.fixed_width(st)
        if k == "enum":
            assert fw is not None
            return [f"k = _I{si}.get({val})", "if k is not None:",
                    f"    a = (a << {fw + 2}) | (k << 1)", "else:", *slow]
        if k == "nbit":
            assert fw is not None and st.min is not None
            off = f" - {st.min}" if st.min else ""
            return [f"if type({val}) is int and {st.min} <= {val} <= {st.max}:",
                    f"    a = (a << {fw + 2}) | (({val}{off}) << 1)", "else:", *slow]
        if k == "boolean":
            return [f"if {val} is True:", "    a = (a << 3) | 2", f"elif {val} is False:",
                    "    a <<= 3", "else:", *slow]
        if k in ("uint", "int"):
            sign = 1 if k == "int" else 0
            lo = st.min if st.min is not None else -(2 ** 70)
            hi = st.max if st.max is not None else 2 ** 70
            lines = [f"if type({val}) is int and {lo} <= {val} <= {hi}:"]
            if sign:
                lines += [f"    if {val} < 0:", f"        g = -{val} - 1", "        sg = 1",
                          "    else:", f"        g = {val}", "        sg = 0"]
                head_bits, pre = 1, "(sg << {b}) | "
            else:
                lines += [f"    g = {val}"]
                head_bits, pre = 0, ""
            one = 1 + head_bits + 8 + 1
            two = one + 8
            lines += ["    if g < 128:",
                      f"        a = (a << {one}) | {pre.format(b=9)}(g << 1)",
                      "    elif g < 16384:",
                      f"        a = (a << {two}) | {pre.format(b=17)}((((g & 127) | 128) << 9)"
                      f" | ((g >> 7) << 1))"]
            if not sign and hi >= 1 << 28:
                # exactly five groups (32-bit values such as -20 time stamps) in one write
                lines += ["    elif 268435456 <= g < 34359738368:",
                          "        a = (a << 42) | ((((g & 127) | 128) << 33) | "
                          "((((g >> 7) & 127) | 128) << 25) | ((((g >> 14) & 127) | 128) << 17)"
                          " | ((((g >> 21) & 127) | 128) << 9) | ((g >> 28) << 1))"]
            lines += ["    else:", "        w.a = a", f"        _ew{si}(w, {val})",
                      "        a = w.a", "else:"]
            return lines + slow
        short = self._short_value(st, val, nonempty=True)
        if short is not None:
            cond, head, raw = short
            return [f"if {cond}:", f"    a = (({head}) << (8 * ln + 1)) | ({raw} << 1)",
                    "else:", *slow]
        return ["w.a = a", f"_ew{si}(w, {val})", "a = w.a"]

    def _short_value(self, st: SimpleType, val: str,
                     nonempty: bool) -> tuple[str, str, str] | None:
        """(condition, length bits, value bits) to append a short string or binary
        ``val`` (ASCII, within the length facets) to ``a`` in one step; the condition
        binds ``ln``. None for other kinds. With ``nonempty`` the head has a CH bit."""
        k = self.simple_kind(st)
        if k not in ("hexBinary", "base64Binary", "string"):
            return None
        binary = k != "string"
        lo = st.length if st.length is not None else st.min_length or 0
        lo = max(lo, 1) if nonempty else lo
        cap = 127 if binary else 125
        hi = min(cap, st.length if st.length is not None else st.max_length or cap)
        if lo > hi:
            return None
        bits = 9 if nonempty else 8
        head = f"(a << {bits}) | ln" if binary else f"(a << {bits}) | (ln + 2)"
        raw = f"int.from_bytes({val}, 'big')" if binary else \
            f"int.from_bytes({val}.encode('ascii'), 'big')"
        cond = f"type({val}) is {'bytes' if binary else 'str'} and {lo} <= (ln := len({val}))" \
            f" <= {hi}" + ("" if binary else f" and {val}.isascii()")
        return cond, head, raw

    def write_value(self, st: SimpleType, val: str) -> list[str]:
        """An attribute or simple-content value ``val`` appended to ``a``."""
        call = ["w.a = a", f"_s{self.sindex[id(st)]}(w, {val})", "a = w.a"]
        short = self._short_value(st, val, nonempty=False)
        if short is None:
            return call
        cond, head, raw = short
        return [f"if {cond}:", f"    a = (({head}) << (8 * ln)) | {raw}", "else:",
                *("    " + ln for ln in call)]

    def emit_encoder(self, out: list[str], tg: TypeGrammar, fname: str, tname: str) -> None:
        if not tg.irregular:
            self.emit_regular_encoder(out, tg, fname, tname)
            return
        fields = tg.fields
        ti = fname[2:]
        out.append(f"def {fname}(w: Writer, o: Any) -> None:")
        self._enc_attr_only(out, tg)
        out.append("    it: list[Any] = []")
        key_of: dict[str, int] = {}
        if tg.irregular:
            for i, f in enumerate(fields):
                if f.kind == "attr":
                    out.append(f"    v = o.{f.name}")
                    out.append("    if v is not None:")
                    out.append(f"        it.append(({i}, v))")
            ci = len(fields) - 1
            kk = 1000
            for st in tg.states:
                for p in st.prods:
                    if p.kind == SE and p.decl is not None and clark(p.decl.qname) not in key_of:
                        key_of[clark(p.decl.qname)] = kk
                        kk += 1
            out.append(f"    for nm, v in o.{fields[ci].name}:")
            out.append(f"        it.append((_K{ti}.get(nm, -3 if nm == \"#text\" else -2), v))")
        else:
            for i, f in enumerate(fields):
                if f.is_list:
                    out.append(f"    for v in o.{f.name}:")
                    out.append(f"        it.append(({i}, v))")
                else:
                    out.append(f"    v = o.{f.name}")
                    out.append("    if v is not None:")
                    out.append(f"        it.append(({i}, v))")
        out.append("    it.append((-1, None))")
        for fi in sorted({p.field for st in tg.states for p in st.prods if p.limit}):
            out.append(f"    n{fi} = 0")
        out.append("    a = w.a")
        out.append("    q = 0")
        out.append("    s = 0")
        ind = "    "
        if not tg.acyclic:
            out.append("    while s >= 0:")
            ind = "        "
        for k in tg.order:
            self._enc_state(out, tg, k, ind, key_of, tname)
        out.append("    w.a = a")
        out.append("    if q != len(it) - 1:")
        out.append(f"        raise _unexpected({tname!r}, _FN{ti}, it[q][0])")
        out.append("")
        out.append("")
        out.append(f"_FN{ti} = {tuple(f.name for f in fields)!r}")
        if tg.irregular:
            keys = dict(sorted(key_of.items(), key=lambda x: x[1]))
            out.append(f"_K{ti}: dict[str, int] = {keys!r}")
        out.append("")

    def emit_regular_encoder(self, out: list[str], tg: TypeGrammar, fname: str,
                             tname: str) -> None:
        """Encoder that walks the fields in schema order (no item list)."""
        fields = tg.fields
        ti = fname[2:]
        out.append(f"def {fname}(w: Writer, o: Any) -> None:")
        self._enc_attr_only(out, tg)
        left = []
        for i, f in enumerate(fields):
            out.append(f"    f{i} = o.{f.name}")
            if f.is_list:
                out.append(f"    i{i} = 0")
                left.append(f"len(f{i})")
            else:
                left.append(f"(f{i} is not None)")
        out.append(f"    left: int = {' + '.join(left) if left else '0'}")
        out.append("    if w.a.bit_length() > 4096:")
        out.append("        w.flush()")
        out.append("    a = w.a")
        out.append("    s = 0")
        self._enc_chain(out, tg)
        ind = "    "
        if not tg.acyclic:
            out.append("    while s >= 0:")
            ind = "        "
        for k in tg.order:
            self._enc_state_regular(out, tg, k, ind, tname, ti)
        out.append("    w.a = a")
        out.append("")
        out.append("")
        out.append(f"_FN{ti} = {tuple(f.name for f in fields)!r}")
        out.append("")

    def _enc_state_regular(  # noqa: PLR0917
        self, out: list[str], tg: TypeGrammar, k: int, ind: str, tname: str, ti: str
    ) -> None:
        fields = tg.fields
        st = tg.states[k]
        primary = k not in self._copies(tg)
        nprod = len(st.prods)
        w = width(nprod + 1)
        n2 = (0 if any(p.kind == EE for p in st.prods) else 1) + (
            6 if st.kind == 0 else 4 if st.kind == 1 else 2)
        w2 = width(n2)
        out.append(f"{ind}{loop_kw(st, k)} s == {k}:")
        first = True
        handled: set[int] = set()
        b = ind + "        "

        def head(cond: str) -> None:
            nonlocal first
            out.append(f"{ind}    {'if' if first else 'elif'} {cond}:")
            first = False

        def consume(p: Any) -> None:
            f = fields[p.field]
            out.append(f"{b}left -= 1")
            if f.is_list:
                out.append(f"{b}i{p.field} += 1")
                if p.limit:
                    out.append(f"{b}s = {p.target} if i{p.field} < {p.limit} else {p.alt}")
                    return
            else:
                out.append(f"{b}f{p.field} = None")
            out.append(f"{b}s = {p.target}")

        def present(fi: int) -> tuple[str, str]:
            if fields[fi].is_list:
                return f"i{fi} < len(f{fi})", f"v = f{fi}[i{fi}]"
            return f"f{fi} is not None", f"v = f{fi}"

        for ci, p in enumerate(st.prods):
            if p.kind == SE:
                assert p.decl is not None
                if p.field in handled:
                    continue
                handled.add(p.field)
                cond, load = present(p.field)
                head(cond)
                out.append(f"{b}{load}")
                members = [(cj, m) for cj, m in enumerate(st.prods)
                           if m.kind == SE and m.field == p.field]
                self._write_se(out, b, w, ci, p, members, tname, fields[p.field].name,
                               inline=primary and ci < INLINE_CODES)
                consume(p)
            elif p.kind == AT:
                assert p.attr is not None
                cond, load = present(p.field)
                head(cond)
                out.append(f"{b}a = (a << {w}) | {ci}" if ci else f"{b}a <<= {w}")
                out.extend(b + ln for ln in self.write_value(p.attr.type, f"f{p.field}"))
                consume(p)
            elif p.kind == CH:
                assert tg.ct.simple is not None
                vi = len(fields) - 1
                head(f"f{vi} is not None")
                out.append(f"{b}v = f{vi}")
                out.append(f"{b}left -= 1")
                out.append(f"{b}f{vi} = None")
                out.append(f"{b}if v == \"\" or v == b\"\":")
                out.append(f"{b}    a = (a << {w + w2}) | ({nprod} << {w2})")
                out.append(f"{b}    s = -1")
                out.append(f"{b}else:")
                out.append(f"{b}    a = (a << {w}) | {ci}" if ci else f"{b}    a <<= {w}")
                out.append(f"{b}    w.a = a")
                out.append(f"{b}    _s{self.sindex[id(tg.ct.simple)]}(w, v)")
                out.append(f"{b}    a = w.a")
                out.append(f"{b}    s = {p.target}")
        head("left == 0")
        ee = [ci for ci, p in enumerate(st.prods) if p.kind == EE]
        if ee:
            out.append(f"{b}a = (a << {w}) | {ee[0]}" if ee[0] else f"{b}a <<= {w}")
        else:
            wanted = sorted({fields[p.field].name for p in st.prods
                             if p.kind in (SE, CH, AT) and p.field >= 0})
            out.append(f"{b}if w.validate:")
            out.append(f"{b}    raise _err({tname!r}, \"missing {' or '.join(wanted)}\")")
            out.append(f"{b}a = (a << {w + w2}) | ({nprod} << {w2})")
        out.append(f"{b}s = -1")
        out.append(f"{ind}    else:")
        names = ", ".join(f"f{i}" if not f.is_list else f"f{i}[i{i}:]"
                          for i, f in enumerate(fields))
        tup = f"({names}{',' if names else ''})"
        out.append(f"{ind}        raise _stuck({tname!r}, _FN{ti}, {tup})")

    def _enc_state(  # noqa: PLR0917
        self, out: list[str], tg: TypeGrammar, k: int, ind: str, key_of: dict[str, int],
        tname: str,
    ) -> None:
        fields = tg.fields
        ti_names = f"_FN{self.cindex.get(id(tg.ct), 'x')}"
        st = tg.states[k]
        primary = k not in self._copies(tg)
        nprod = len(st.prods)
        w = width(nprod + 1)
        n2 = (0 if any(p.kind == EE for p in st.prods) else 1) + (
            6 if st.kind == 0 else 4 if st.kind == 1 else 2)
        w2 = width(n2)
        out.append(f"{ind}{loop_kw(st, k)} s == {k}:")
        out.append(f"{ind}    f, v = it[q]")
        first = True
        handled: set[object] = set()
        b = ind + "        "

        def head(cond: str) -> None:
            nonlocal first
            out.append(f"{ind}    {'if' if first else 'elif'} {cond}:")
            first = False

        def goto(p: Any) -> None:
            out.append(f"{b}q += 1")
            if p.limit:
                out.append(f"{b}n{p.field} += 1")
                out.append(f"{b}s = {p.target} if n{p.field} < {p.limit} else {p.alt}")
            else:
                out.append(f"{b}s = {p.target}")

        for ci, p in enumerate(st.prods):
            if p.kind == SE:
                assert p.decl is not None
                fk = key_of[clark(p.decl.qname)] if tg.irregular else p.field
                if fk in handled:
                    continue
                handled.add(fk)
                head(f"f == {fk}")
                members = [(cj, m) for cj, m in enumerate(st.prods)
                           if m.kind == SE and m.field == p.field and (
                               not tg.irregular or m.decl is p.decl)]
                self._write_se(out, b, w, ci, p, members, tname, fields[p.field].name,
                               inline=primary and ci < INLINE_CODES)
                goto(p)
            elif p.kind == AT:
                assert p.attr is not None
                head(f"f == {p.field}")
                out.append(f"{b}a = (a << {w}) | {ci}" if ci else f"{b}a <<= {w}")
                out.extend(b + ln for ln in self.write_value(p.attr.type, "v"))
                goto(p)
            elif p.kind == CH and p.key == (CH, "mixed"):
                head("f == -3")
                out.append(f"{b}a = (a << {w}) | {ci}" if ci else f"{b}a <<= {w}")
                out.append(f"{b}w.a = a")
                out.append(f"{b}w.string(_cs(v, {tname!r}))")
                out.append(f"{b}a = w.a")
                goto(p)
            elif p.kind == CH:
                assert tg.ct.simple is not None
                head(f"f == {len(fields) - 1}")
                out.append(f"{b}q += 1")
                out.append(f"{b}if v == \"\" or v == b\"\":")
                out.append(f"{b}    a = (a << {w + w2}) | ({nprod} << {w2})")
                out.append(f"{b}    s = -1")
                out.append(f"{b}else:")
                out.append(f"{b}    a = (a << {w}) | {ci}" if ci else f"{b}    a <<= {w}")
                out.append(f"{b}    w.a = a")
                out.append(f"{b}    _s{self.sindex[id(tg.ct.simple)]}(w, v)")
                out.append(f"{b}    a = w.a")
                out.append(f"{b}    s = {p.target}")
            elif p.kind == SEW:
                head("f == -2")
                out.append(f"{b}raise _err({tname!r}, \"wildcard content cannot be encoded\")")
        head("f == -1")
        ee = [ci for ci, p in enumerate(st.prods) if p.kind == EE]
        if ee:
            out.append(f"{b}a = (a << {w}) | {ee[0]}" if ee[0] else f"{b}a <<= {w}")
        else:
            out.append(f"{b}a = (a << {w + w2}) | ({nprod} << {w2})")
        out.append(f"{b}s = -1")
        out.append(f"{ind}    else:")
        out.append(f"{ind}        raise _unexpected({tname!r}, {ti_names}, f)")

    def _write_se(self, out: list[str], b: str, w: int, ci: int, p: Any,  # noqa: PLR0917
                  members: list[tuple[int, Any]], tname: str, fname: str,
                  inline: bool) -> None:
        """Emit the event code and value write of a start-element production.

        One member: its own code and type. Several (a substitution group or a choice of
        elements for one field): the code and encoder are looked up by the value's type.
        """
        if len(members) == 1:
            out.append(f"{b}a = (a << {w}) | {ci}" if ci else f"{b}a <<= {w}")
            t = p.decl.type
            if isinstance(t, ComplexType):
                out.extend(b + ln for ln in self._write_child(t, inline))
            else:
                assert isinstance(t, SimpleType)
                for line in self.write_simple_element(t, "v"):
                    out.append(f"{b}{line}")
            return
        tab = self._subst_table(members)
        out.append(f"{b}m = {tab}.get(v.qname if type(v) is _Named else type(v).__name__)")
        out.append(f"{b}if m is None:")
        out.append(f"{b}    raise _err({tname!r}, f\"{fname}: "
                   f"{{type(v).__name__}} is not allowed here\")")
        out.append(f"{b}a = (a << {w}) | m[0]")
        out.append(f"{b}w.a = a")
        out.append(f"{b}m[1](w, v.value if type(v) is _Named else v)")
        out.append(f"{b}a = w.a")

    def _write_child(self, t: ComplexType, inline: bool) -> list[str]:
        """A complex child ``v``: small leaf types (a fixed run and one small int, such as
        PhysicalValue or RationalNumber) in one write in place, else its encoder."""
        slow = ["w.a = a", f"_e{self.cindex[id(t)]}(w, v)", "a = w.a"]
        tg = self.grammars[id(t)]
        segs, total, k, _ee = self._chain(tg)
        tail = self._var_tail(tg, k) if segs and inline else None
        if tail is None:
            return slow
        _w, f_t, _sg, st = tail
        lo = st.min if st.min is not None else -(2**70)
        hi = st.max if st.max is not None else 2**70
        used = {fi for *_, fi in segs} | {f_t}
        loads = [f"y{i} = v.{f.name}" for i, f in enumerate(tg.fields) if i in used]
        conds, _ = self._fixed_parts(segs, 0)
        conds.append(f"type(f{f_t}) is int and {lo} <= f{f_t} <= {hi}")
        conds += [f"not v.{f.name}" if f.is_list or f.kind == "content" else
                  f"v.{f.name} is None" for i, f in enumerate(tg.fields) if i not in used]
        out = [f"if type(v) is {self.cname[id(t)]}:", *("    " + ln for ln in loads),
               f"    if {_rename(' and '.join(conds))}:"]
        pre, writes = self._tail_writes(segs, total, tail, f"y{f_t}")
        out.extend("        " + ln for ln in pre)
        for i, (cond, full, expr) in enumerate(writes):
            out.append(f"        {'el' if i else ''}if {cond}:")
            out.append(f"            a = (a << {full}) | {_rename(expr)}")
        out += ["        else:", *("            " + ln for ln in slow),
                "    else:", *("        " + ln for ln in slow),
                "else:", *("    " + ln for ln in slow)]
        return out

    def _subst_table(self, members: list[tuple[int, Any]]) -> str:
        key = tuple((cj, q.decl.qname) for cj, q in members)
        if key in self._subst_tables:
            return self._subst_tables[key]
        entries: list[str] = []
        seen_cls: set[str] = set()
        for cj, q in members:
            d = q.decl
            entries.append(f"{d.qname!r}: ({cj}, {self.enc_fn(d)})")
            if isinstance(d.type, ComplexType):
                cls = self.cname[id(d.type)]
                same = [m for _, m in members if m.decl.type is d.type]
                if cls not in seen_cls and len(same) == 1:
                    seen_cls.add(cls)
                    entries.append(f"{cls!r}: ({cj}, {self.enc_fn(d)})")
        rhs = "{" + ", ".join(entries) + "}"
        name = f"_SUB_{_digest(rhs)}"
        self._subst_tables[key] = name
        self._late.append(f"{name}: dict[Any, Any] = {rhs}")
        return name

    def enc_fn(self, d: ElementDecl) -> str:
        t = d.type
        if isinstance(t, ComplexType):
            return f"_e{self.cindex[id(t)]}"
        assert isinstance(t, SimpleType)
        return f"_ew{self.sindex[id(t)]}"

    def emit_wrapper_encoder(self, out: list[str], st: SimpleType) -> None:
        i = self.sindex[id(st)]
        out.append(f"def _ew{i}(w: Writer, v: Any) -> None:")
        out.append("    if v == \"\" or v == b\"\":")
        out.append("        w.bits(8, 4)")
        out.append("        return")
        out.append("    w.bits(0, 1)")
        out.append(f"    _s{i}(w, v)")
        out.append("    w.bits(0, 1)")
        out.append("")
        out.append("")

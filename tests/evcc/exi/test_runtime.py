"""Bit-level reader and writer: unsigned integers, strings and binaries at any bit offset."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc import exi
from evcc.errors import ExiDecodeError
from evcc.exi._bits import MAX_UINT_GROUPS, Reader, Writer

G = exi.grammar_module("app")
# values around every 7-bit group boundary up to 10 groups
UINTS = st.one_of(st.integers(0, 2**70),
                  st.sampled_from([(1 << (7 * k)) + d for k in range(11) for d in (-1, 0)][1:]))


def _stream(lead: int, lead_bits: int, write: Callable[[Writer], None], tail: int) -> bytes:
    w = Writer()
    w.bits(lead, lead_bits)
    write(w)
    w.bits(tail, 5)
    return w.getvalue()


@settings(max_examples=1500, deadline=None)
@given(value=UINTS, lead_bits=st.integers(0, 15), lead=st.integers(0, 2**15 - 1),
       tail=st.integers(0, 31))
def test_uint_round_trip_at_any_offset(value: int, lead_bits: int, lead: int,
                                       tail: int) -> None:
    lead &= (1 << lead_bits) - 1
    data = _stream(lead, lead_bits, lambda w: w.uint(value), tail)
    r = Reader(data, G, lead_bits)
    assert r.uint() == value
    groups = max(1, -(-value.bit_length() // 7))
    assert r.pos == lead_bits + 8 * groups


@settings(max_examples=600, deadline=None)
@given(text=st.text(max_size=140), blob=st.binary(max_size=140),
       lead_bits=st.integers(0, 15), tail=st.integers(0, 31))
def test_string_and_binary_round_trip_at_any_offset(text: str, blob: bytes, lead_bits: int,
                                                     tail: int) -> None:
    def write(w: Writer) -> None:
        w.string(text)
        w.binary(blob)

    data = _stream(0, lead_bits, write, tail)
    r = Reader(data, G, lead_bits)
    assert r.string() == text
    assert r.binary() == blob


def test_uint_cut_short_is_a_decode_error() -> None:
    w = Writer()
    w.uint(2**40)
    data = w.getvalue()[:-2]
    with pytest.raises(ExiDecodeError):
        Reader(data, G).uint()


@settings(max_examples=300, deadline=None)
@given(bits=st.integers(0, 7 * MAX_UINT_GROUPS), lead_bits=st.integers(0, 15),
       tail=st.integers(0, 31), negative=st.booleans())
def test_integers_of_any_size_up_to_the_limit(bits: int, lead_bits: int, tail: int,
                                              negative: bool) -> None:
    value = (1 << bits) - 1
    value = -value - 1 if negative else value
    data = _stream(0, lead_bits, lambda w: w.integer(value), tail)
    assert Reader(data, G, lead_bits).integer() == value


def test_uint_beyond_the_group_limit_is_a_decode_error() -> None:
    data = b"\xff" * MAX_UINT_GROUPS + b"\x00" * 4
    with pytest.raises(ExiDecodeError, match="groups"):
        Reader(data, G).uint()
    # one group less is read in full
    assert Reader(b"\xff" * (MAX_UINT_GROUPS - 1) + b"\x7f", G).uint() == (
        (1 << (7 * MAX_UINT_GROUPS)) - 1)

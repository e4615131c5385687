"""V2GTP header checks and stream framing: byte layout, every refusal, cuts anywhere, fuzz."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc import v2gtp
from evcc.errors import FrameError, V2gtpError
from evcc.v2gtp import Frame, PayloadType, StreamBuffer


def test_header_layout_is_big_endian_with_inverse_version() -> None:
    assert v2gtp.frame(PayloadType.EXI, b"\x80\x00") == bytes.fromhex("01fe8001000000028000")
    sdp = v2gtp.frame(PayloadType.SDP_REQUEST, b"\x00\x00")
    assert sdp[:8] == bytes.fromhex("01fe900000000002")


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (bytes.fromhex("02fe800100000000"), "protocol version 0x02"),
        (bytes.fromhex("01ff800100000000"), "inverse protocol version 0xFF"),
        (bytes.fromhex("01fe123400000000"), "payload type 0x1234"),
        (bytes.fromhex("01fe8001ffffffff"), "exceeds the limit"),
        (bytes.fromhex("01fe8001"), "truncated"),
    ],
)
def test_bad_headers_are_refused_by_name(header: bytes, words: str) -> None:
    with pytest.raises(V2gtpError, match=words):
        v2gtp.parse_header(header)


def test_length_limit_is_configurable() -> None:
    data = v2gtp.frame(PayloadType.EXI, bytes(100))
    assert v2gtp.parse_datagram(data, max_payload=100).payload == bytes(100)
    with pytest.raises(V2gtpError):
        v2gtp.parse_datagram(data, max_payload=99)


def test_datagram_length_must_match() -> None:
    data = v2gtp.frame(PayloadType.SDP_RESPONSE, bytes(20))
    with pytest.raises(V2gtpError, match="says 20 bytes"):
        v2gtp.parse_datagram(data + b"x")
    with pytest.raises(V2gtpError):
        v2gtp.parse_datagram(data[:-1])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=300), min_size=1, max_size=6),
    st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=50),
)
def test_stream_splits_frames_cut_anywhere(payloads: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(v2gtp.frame(PayloadType.EXI, p) for p in payloads)
    buf = StreamBuffer()
    got: list[Frame] = []
    pos = 0
    i = 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        got += buf.feed(stream[pos : pos + step])
        pos += step
        i += 1
    assert [f.payload for f in got] == payloads
    assert all(f.payload_type is PayloadType.EXI for f in got)
    assert buf.pending == 0


def test_stream_keeps_a_partial_frame_and_breaks_for_good_on_a_bad_header() -> None:
    buf = StreamBuffer()
    whole = v2gtp.frame(PayloadType.EXI, b"abc")
    assert buf.feed(whole[:9]) == []
    assert buf.pending == 9
    assert buf.feed(whole[9:]) == [Frame(PayloadType.EXI, b"abc")]
    with pytest.raises(V2gtpError):
        buf.feed(b"\x01\x01\x80\x01\x00\x00\x00\x00")
    with pytest.raises(V2gtpError, match="already failed"):
        buf.feed(whole)


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_only_typed_errors(data: bytes) -> None:
    with contextlib.suppress(FrameError):
        v2gtp.parse_datagram(data)
    buf = StreamBuffer(max_payload=1000)
    try:
        for frame in buf.feed(data):
            assert len(frame.payload) <= 1000
    except FrameError:
        pass

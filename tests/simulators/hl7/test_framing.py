"""The MLLP frame decoder: frames split anywhere, many per read, junk, broken frames, clean-up."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr.hl7.framing import (
    BrokenFrame,
    Frame,
    FrameEvent,
    MllpDecoder,
    clean_payload,
    encode_frame,
)

A = b"MSH|^~\\&|A||B||20250106||ADT^A04|1|P|2.5.1\rPID|1||X"
B = b"MSH|^~\\&|A||B||20250106||ADT^A08|2|P|2.5.1"


def feed_in_chunks(data: bytes, cuts: list[int]) -> list[FrameEvent]:
    decoder = MllpDecoder()
    events: list[FrameEvent] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        events += decoder.feed(data[start:cut])
        start = max(start, cut)
    return events + decoder.close()


def test_a_frame_split_byte_by_byte_is_decoded_once() -> None:
    decoder = MllpDecoder()
    stream = encode_frame(A)

    events = [event for byte in stream for event in decoder.feed(bytes([byte]))]

    assert events == [Frame(A)]
    assert not decoder.in_frame


def test_several_frames_in_one_read_come_out_in_order() -> None:
    events = MllpDecoder().feed(encode_frame(A) + encode_frame(B) + encode_frame(A))

    assert events == [Frame(A), Frame(B), Frame(A)]


def test_bytes_outside_frames_are_counted_as_junk_and_ignored() -> None:
    decoder = MllpDecoder()

    events = decoder.feed(b"hello\r\n" + encode_frame(A) + b"\r\n  " + b"zz" + encode_frame(B))

    assert events == [Frame(A), Frame(B)]
    assert decoder.junk_bytes == len(b"hello") + len(b"zz")


def test_a_start_block_inside_a_frame_breaks_it_and_starts_another() -> None:
    events = MllpDecoder().feed(b"\x0b" + A[:20] + encode_frame(B))

    assert events == [BrokenFrame(A[:20], "restarted"), Frame(B)]


def test_an_end_block_without_carriage_return_still_ends_the_frame() -> None:
    events = MllpDecoder().feed(b"\x0b" + A + b"\x1c" + encode_frame(B))

    assert events == [Frame(A), Frame(B)]


def test_a_frame_longer_than_the_limit_is_reported_broken_when_it_ends() -> None:
    decoder = MllpDecoder(max_frame_bytes=40)

    events = decoder.feed(encode_frame(A * 3) + encode_frame(B[:30]))

    assert [type(event) for event in events] == [BrokenFrame, Frame]
    assert isinstance(events[0], BrokenFrame)
    assert events[0].reason == "oversize"
    assert events[0].partial.startswith(b"MSH|")


def test_a_frame_open_at_end_of_stream_is_broken_by_eof() -> None:
    decoder = MllpDecoder()

    assert decoder.feed(b"\x0b" + A) == []
    assert decoder.close() == [BrokenFrame(A, "eof")]


def test_a_frame_missing_only_its_final_carriage_return_completes_at_eof() -> None:
    decoder = MllpDecoder()
    decoder.feed(b"\x0b" + A + b"\x1c")

    assert decoder.close() == [Frame(A)]


def test_clean_payload_removes_a_bom_and_turns_lf_and_crlf_into_cr() -> None:
    assert clean_payload(b"\xef\xbb\xbf" + b"MSH|1\nPID|2\r\nPV1|3\n") == b"MSH|1\rPID|2\rPV1|3"
    assert clean_payload(b"\r\nMSH|1\r\r\rPID|2\r") == b"MSH|1\rPID|2"


@given(
    payloads=st.lists(
        st.binary(max_size=60).map(lambda b: b.replace(b"\x0b", b"").replace(b"\x1c", b"")),
        max_size=5,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12),
)
def test_any_split_of_a_frame_stream_yields_the_same_frames(
    payloads: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(encode_frame(payload) for payload in payloads)

    events = feed_in_chunks(stream, cuts)

    assert events == [Frame(payload) for payload in payloads]


@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=8))
def test_every_start_block_yields_exactly_one_frame_event(data: bytes, cuts: list[int]) -> None:
    events = feed_in_chunks(data, cuts)

    assert len(events) == data.count(b"\x0b")

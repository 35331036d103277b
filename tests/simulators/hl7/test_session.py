"""One connection's protocol object: every frame that begins gets exactly one well-formed ACK.

Driven without a socket, so Hypothesis can throw thousands of broken streams at it: random
bytes, truncated frames, garbled HL7. The socket version lives in tests/e2e/test_mllp_listener.py.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.framing import MllpDecoder, encode_frame
from simulators.ehr.hl7.receiver import AdtReceiver, ControlIds
from simulators.ehr.hl7.session import MllpSession
from tests.simulators.hl7.fakes import FakeAdtTarget
from tests.simulators.hl7.messages import adt

VALID = [
    adt("A04", mrn="H1", control_id="V1").encode(),
    adt("A08", mrn="H1", control_id="V2").encode(),
    adt("R01", message_type="ORU", control_id="V3").encode(),
    "MSH|^~\\&|X||Y||2025||ADT^A31|V4|P|2.3\nPID|1||Ü1||Zoë^Ñ".encode(),
]


def acks(replies: list[bytes]) -> list[tuple[str, str]]:
    decoder = MllpDecoder()
    frames = decoder.feed(b"".join(replies)) + decoder.close()
    answers = []
    for frame in frames:
        ack = read_ack(getattr(frame, "payload", b"not a complete frame"))
        answers.append((ack.code, ack.acknowledged_id))
    return answers


def run(stream: bytes, cuts: list[int]) -> list[tuple[str, str]]:
    session = MllpSession(AdtReceiver(FakeAdtTarget(), control_ids=ControlIds("A")))
    replies: list[bytes] = []
    start = 0
    for cut in [*sorted(cuts), len(stream)]:
        replies += session.receive(stream[start:cut])
        start = max(start, cut)
    return acks(replies + session.finish())


def test_several_messages_on_one_connection_are_answered_in_order(session: MllpSession) -> None:
    stream = b"".join(encode_frame(message) for message in VALID)

    replies = session.receive(stream)

    assert acks(replies) == [("AA", "V1"), ("AA", "V2"), ("AR", "V3"), ("AA", "V4")]


def test_a_stream_split_byte_by_byte_gets_the_same_answers() -> None:
    stream = b"".join(encode_frame(message) for message in VALID)

    answers = run(stream, list(range(len(stream))))

    assert answers == [("AA", "V1"), ("AA", "V2"), ("AR", "V3"), ("AA", "V4")]


def test_bom_and_lf_or_crlf_line_ends_are_accepted(session: MllpSession) -> None:
    base = adt(control_id="B1")
    variants = [
        b"\xef\xbb\xbf" + base.encode(),
        base.replace("\r", "\n").encode(),
        base.replace("\r", "\r\n").encode() + b"\r\n",
    ]

    replies = session.receive(b"".join(encode_frame(v) for v in variants))

    assert acks(replies) == [("AA", "B1")] * 3


def test_junk_between_frames_is_ignored_and_never_answered(session: MllpSession) -> None:
    replies = session.receive(b"GET / HTTP/1.1\r\n\r\n" + encode_frame(VALID[0]) + b"\x1c\r")

    assert acks(replies) == [("AA", "V1")]
    assert session.junk_bytes > 0


def test_a_frame_cut_short_by_the_next_one_gets_its_own_ar(session: MllpSession) -> None:
    replies = session.receive(b"\x0b" + VALID[1][:90] + encode_frame(VALID[0]))

    assert acks(replies) == [("AR", "V2"), ("AA", "V1")]


def test_a_frame_left_open_at_end_of_stream_is_answered_ar(session: MllpSession) -> None:
    session.receive(b"\x0b" + VALID[0])

    assert acks(session.finish()) == [("AR", "V1")]


def garbled(message: bytes, data: st.DataObject) -> bytes:
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(message)), st.binary(max_size=4))))
    out = bytearray(message)
    for position, replacement in edits:
        out[position : position + data.draw(st.integers(0, 3))] = replacement
    return bytes(out[: data.draw(st.integers(0, len(out)))])


@given(data=st.data())
def test_garbled_hl7_always_gets_one_well_formed_ack_per_frame(data: st.DataObject) -> None:
    frames = [
        garbled(data.draw(st.sampled_from(VALID)), data)
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    stream = b"".join(
        b"\x0b" + frame + data.draw(st.sampled_from([b"\x1c\r", b"\x1c", b""])) for frame in frames
    )
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=6))

    answers = run(stream, cuts)

    assert len(answers) == stream.count(b"\x0b")
    assert all(code in ("AA", "AE", "AR") for code, _ in answers)


@given(stream=st.binary(max_size=400), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_random_bytes_get_one_well_formed_ack_per_start_block(
    stream: bytes, cuts: list[int]
) -> None:
    answers = run(stream, cuts)

    assert len(answers) == stream.count(b"\x0b")
    assert all(code in ("AA", "AE", "AR") for code, _ in answers)

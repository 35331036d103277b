"""Reading messages: delimiters, escapes, segment checks, and salvaging a header for the ACK."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr.hl7.errors import Condition, MalformedMessage
from simulators.ehr.hl7.parse import (
    STANDARD_DELIMITERS,
    Delimiters,
    parse_message,
    salvage_header,
)
from tests.simulators.hl7.messages import adt


def test_header_fields_are_read_from_msh() -> None:
    message = parse_message(adt("A08", control_id="C-77").encode())

    header = message.header
    assert (header.message_code, header.trigger_event, header.control_id) == ("ADT", "A08", "C-77")
    assert (header.processing_id, header.version) == ("P", "2.5.1")
    assert header.sending_application == "LAB^1.2.3^ISO"
    assert header.receiving_facility == "EHRFAC"


def test_values_are_unescaped_and_repetitions_components_and_subcomponents_kept() -> None:
    text = adt(segments=("PID|1||A\\F\\B^^^ns&1.2&ISO^MR~C\\S\\D|",))

    pid = parse_message(text.encode()).first("PID")

    assert pid is not None
    assert pid.field(3) == (
        (("A|B",), ("",), ("",), ("ns", "1.2", "ISO"), ("MR",)),
        (("C^D",),),
    )
    assert pid.raw(3) == "A\\F\\B^^^ns&1.2&ISO^MR~C\\S\\D"


def test_non_standard_delimiters_are_honoured() -> None:
    text = "MSH#*!$%#LAB##EHR##2025##ADT*A04#1#P#2.5.1\rPID#1##X$F$Y*****L"

    message = parse_message(text.encode())
    pid = message.first("PID")

    assert message.header.delimiters == Delimiters("#", "*", "!", "$", "%")
    assert pid is not None
    assert pid.value(3) == "X#Y"


def test_utf8_names_survive_decoding() -> None:
    text = adt(segments=("PID|1||M1||Nuñez-O'Brien^Zoë^李||19800101|F",))

    pid = parse_message(text.encode("utf-8")).first("PID")

    assert pid is not None
    assert (pid.value(5, 1), pid.value(5, 2), pid.value(5, 3)) == ("Nuñez-O'Brien", "Zoë", "李")


@pytest.mark.parametrize(
    ("payload", "condition"),
    [
        (b"", Condition.SEGMENT_SEQUENCE_ERROR),
        (b"PID|1||X", Condition.SEGMENT_SEQUENCE_ERROR),
        (b"MSH|", Condition.SEGMENT_SEQUENCE_ERROR),
        (b"MSH|^~|A|B", Condition.DATA_TYPE_ERROR),
        (b"MSH|^^^^|A|B|C|D", Condition.DATA_TYPE_ERROR),
        (b"MSH|^~\\&|A\rpid|1", Condition.SEGMENT_SEQUENCE_ERROR),
        (b"MSH|^~\\&|A\rMSH|^~\\&|B", Condition.SEGMENT_SEQUENCE_ERROR),
        (b"MSH|^~\\&|A|\xff\xfe", Condition.DATA_TYPE_ERROR),
    ],
    ids=["empty", "no-msh", "short-msh", "three-chars", "repeated", "bad-id", "two-msh", "latin1"],
)
def test_broken_input_raises_malformed_message_with_a_condition(
    payload: bytes, condition: Condition
) -> None:
    with pytest.raises(MalformedMessage) as caught:
        parse_message(payload)

    assert caught.value.condition is condition


def test_a_header_is_salvaged_from_a_message_that_is_not_utf8() -> None:
    payload = adt(control_id="KEEP-ME").encode() + b"\rNTE|1||\xff"

    header = salvage_header(payload)

    assert header is not None
    assert (header.control_id, header.trigger_event) == ("KEEP-ME", "A04")


def test_nothing_is_salvaged_without_an_msh() -> None:
    assert salvage_header(b"garbage") is None


@given(st.text(max_size=40))
def test_escaping_then_unescaping_returns_the_text(text: str) -> None:
    escaped = STANDARD_DELIMITERS.escape_text(text)

    assert not any(char in escaped for char in "|^~&\r\n")
    assert STANDARD_DELIMITERS.unescape_text(escaped) == text

"""ACKs: parties swapped, MSH-9 ACK^<event>^ACK, a new MSH-10, MSA-2 the original MSH-10, ERR."""

from __future__ import annotations

from datetime import UTC, datetime

from simulators.ehr.hl7.ack import AckError, Party, build_ack, read_ack
from simulators.ehr.hl7.errors import AckCode, Condition, Location
from simulators.ehr.hl7.parse import parse_message
from tests.simulators.hl7.messages import adt

NOW = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)


def ack_for(text: str, code: AckCode, *errors: AckError) -> str:
    original = parse_message(text.encode()).header
    return build_ack(original, code, control_id="ACK1", timestamp=NOW, errors=errors, event="A04")


def test_the_ack_swaps_sender_and_receiver_and_answers_the_control_id() -> None:
    text = adt(control_id="MSG-9", sender="LAB^1.2.3^ISO", sender_facility="LABFAC")

    ack = parse_message(ack_for(text, AckCode.ACCEPT).encode())
    msh, msa = ack.first("MSH"), ack.first("MSA")

    assert msh is not None and msa is not None
    assert [msh.raw(n) for n in (3, 4, 5, 6)] == ["EHR", "EHRFAC", "LAB^1.2.3^ISO", "LABFAC"]
    assert msh.raw(7) == "20250106093000+0000"
    assert msh.raw(9) == "ACK^A04^ACK"
    assert msh.raw(10) == "ACK1"
    assert (msh.raw(11), msh.raw(12), msh.raw(18)) == ("P", "2.5.1", "UNICODE UTF-8")
    assert (msa.raw(1), msa.raw(2)) == ("AA", "MSG-9")
    assert ack.all("ERR") == ()


def test_an_error_ack_carries_location_code_severity_and_message() -> None:
    error = AckError(
        Condition.REQUIRED_FIELD_MISSING, "PID-3 is empty|send one", Location("PID", 1, 3)
    )

    ack = parse_message(ack_for(adt(), AckCode.ERROR, error).encode())
    err = ack.first("ERR")

    assert err is not None
    assert err.raw(2) == "PID^1^3"
    assert err.field(3) == ((("101",), ("Required field missing",), ("HL70357",)),)
    assert err.value(4) == "E"
    assert err.value(8) == "PID-3 is empty|send one"


def test_an_ack_to_an_unreadable_message_has_an_empty_msa2_and_our_own_name() -> None:
    text = build_ack(None, AckCode.REJECT, control_id="ACK2", timestamp=NOW, us=Party("EHRX", "F1"))

    ack = read_ack(text.encode())
    msh = parse_message(text.encode()).first("MSH")

    assert (ack.code, ack.acknowledged_id) == ("AR", "")
    assert msh is not None
    assert (msh.raw(3), msh.raw(4), msh.raw(9)) == ("EHRX", "F1", "ACK")


def test_the_ack_uses_the_original_delimiters() -> None:
    text = "MSH#*!$%#LAB*X##EHR##2025##ADT*A04#ID7#T#2.3\rPID#1##M1##Doe*Jo"

    ack_text = ack_for(text, AckCode.ACCEPT)

    assert ack_text.startswith("MSH#*!$%#EHR#EHRSIM#LAB*X##")
    assert read_ack(ack_text.encode()).acknowledged_id == "ID7"


def test_read_ack_returns_the_err_codes() -> None:
    error = AckError(Condition.UNSUPPORTED_MESSAGE_TYPE, "no ORU here", Location("MSH", 1, 9))

    ack = read_ack(ack_for(adt(control_id="Z1"), AckCode.REJECT, error).encode())

    assert (ack.code, ack.acknowledged_id, ack.errors) == ("AR", "Z1", (("200", "no ORU here"),))

"""One message in, one ACK out: the store changed, the history told, the error named."""

from __future__ import annotations

from simulators._shared.history import History
from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.framing import BrokenFrame
from simulators.ehr.hl7.identifiers import IdentifierSystems, identifier_token
from simulators.ehr.hl7.receiver import AdtReceiver
from tests.simulators.hl7.fakes import FakeAdtTarget
from tests.simulators.hl7.messages import MRN_SYSTEM, adt, merge


def test_a_registration_is_applied_and_accepted(
    receiver: AdtReceiver, target: FakeAdtTarget
) -> None:
    ack = read_ack(receiver.handle(adt("A04", mrn="MRN5", control_id="M1").encode()))

    assert (ack.code, ack.acknowledged_id, ack.errors) == ("AA", "M1", ())
    assert target.find(MRN_SYSTEM, "MRN5") == "p1"
    assert target.calls == [("upsert", "mllp:LAB")]


def test_an_update_changes_the_same_patient(receiver: AdtReceiver, target: FakeAdtTarget) -> None:
    receiver.handle(adt("A04", mrn="MRN5").encode())

    text = adt("A08", mrn="MRN5", control_id="M2").replace("Testperson", "Renamed")
    ack = read_ack(receiver.handle(text.encode()))

    assert ack.code == "AA"
    assert list(target.patients) == ["p1"]
    assert target.patients["p1"]["name"][0]["family"] == "Renamed"


def test_a_missing_patient_identifier_is_an_ae_naming_pid3(receiver: AdtReceiver) -> None:
    text = adt(segments=("EVN|A04", "PID|1||||Doe^Jo"), control_id="M3")

    ack = read_ack(receiver.handle(text.encode()))

    assert (ack.code, ack.acknowledged_id) == ("AE", "M3")
    assert ack.errors[0][0] == "101"
    assert "PID-3" in ack.errors[0][1]


def test_an_unsupported_message_type_is_rejected_with_code_200(receiver: AdtReceiver) -> None:
    ack = read_ack(receiver.handle(adt("R01", message_type="ORU").encode()))

    assert ack.code == "AR"
    assert ack.errors[0][0] == "200"
    assert "unsupported message type" in ack.errors[0][1]


def test_header_problems_are_rejected(receiver: AdtReceiver) -> None:
    answers = {
        name: read_ack(receiver.handle(text.encode()))
        for name, text in {
            "version": adt(version="3.0"),
            "processing": adt(processing="X"),
            "control id": adt(control_id=""),
        }.items()
    }

    assert {name: (a.code, a.errors[0][0]) for name, a in answers.items()} == {
        "version": ("AR", "203"),
        "processing": ("AR", "202"),
        "control id": ("AR", "101"),
    }


def test_garbage_gets_an_ar_with_an_empty_msa2(receiver: AdtReceiver) -> None:
    ack = read_ack(receiver.handle(b"\x00\x01 not hl7 at all"))

    assert (ack.code, ack.acknowledged_id, ack.errors[0][0]) == ("AR", "", "100")


def test_a_merge_of_known_patients_is_applied(receiver: AdtReceiver, target: FakeAdtTarget) -> None:
    receiver.handle(adt("A04", mrn="KEEP").encode())
    receiver.handle(adt("A04", mrn="GONE", control_id="M2").encode())

    ack = read_ack(receiver.handle(merge("KEEP", "GONE").encode()))

    assert ack.code == "AA"
    assert target.patients["p2"]["link"][0]["other"]["reference"] == "Patient/p1"


def test_a_merge_naming_an_unknown_patient_is_an_ae_204_at_mrg1(receiver: AdtReceiver) -> None:
    receiver.handle(adt("A04", mrn="KEEP").encode())

    raw = receiver.handle(merge("KEEP", "NOBODY").encode())
    ack = read_ack(raw)

    assert (ack.code, ack.errors[0][0]) == ("AE", "204")
    assert "NOBODY" not in ack.errors[0][1]
    assert read_err_location(raw) == "MRG^1^1"


def read_err_location(ack: bytes) -> str:
    segments = ack.decode().split("\r")
    return next(s.split("|")[2] for s in segments if s.startswith("ERR"))


def test_a_merge_into_itself_is_refused(receiver: AdtReceiver) -> None:
    receiver.handle(adt("A04", mrn="SAME").encode())

    ack = read_ack(receiver.handle(merge("SAME", "SAME").encode()))

    assert (ack.code, ack.errors[0][0]) == ("AE", "102")


def test_a_failing_store_gives_ae_207_and_the_next_message_still_works(
    receiver: AdtReceiver, target: FakeAdtTarget
) -> None:
    target.fail_with = RuntimeError("disk full")

    failed = read_ack(receiver.handle(adt(control_id="M1").encode()))
    recovered = read_ack(receiver.handle(adt(control_id="M2").encode()))

    assert (failed.code, failed.errors[0][0]) == ("AE", "207")
    assert "disk full" not in failed.errors[0][1]
    assert recovered.code == "AA"


def test_a_broken_frame_gets_an_ar_answering_its_control_id(receiver: AdtReceiver) -> None:
    partial = adt(control_id="CUT1").encode()[:120]

    ack = read_ack(receiver.handle_broken(BrokenFrame(partial, "restarted")))

    assert (ack.code, ack.acknowledged_id, ack.errors[0][0]) == ("AR", "CUT1", "100")


def test_every_message_is_one_history_operation_keyed_by_a_token(
    receiver: AdtReceiver, history: History
) -> None:
    receiver.handle(adt("A04", mrn="MRN77", control_id="M1").encode())
    receiver.handle(adt("A08", segments=("PID|1||||Doe",), control_id="M2").encode())
    receiver.handle(adt("R01", message_type="ORU", control_id="M3").encode())

    records = history.records()
    exported = history.export_jsonl()

    assert [(r["type"], r["f"], r["outcome"], r["idempotency_key"]) for r in records] == [
        ("invoke", "adt.A04", None, "M1"),
        ("ok", "adt.A04", "AA", "M1"),
        ("invoke", "adt.A08", None, "M2"),
        ("fail", "adt.A08", "AE", "M2"),
        ("invoke", "hl7.ORU_R01", None, "M3"),
        ("fail", "hl7.ORU_R01", "AR", "M3"),
    ]
    assert records[0]["key"] == identifier_token((MRN_SYSTEM, "MRN77"))
    assert records[0]["process"] == "mllp:LAB"
    assert "MRN77" not in exported and "Testperson" not in exported


class ExplodingSystems(IdentifierSystems):
    """Identifier mapping that fails as a bug would, to prove the receiver contains it."""

    def system_for(self, authority: tuple[str, ...], type_code: str = "") -> str:
        raise ZeroDivisionError("a bug")


def test_a_bug_while_reading_becomes_ae_207_not_a_crash(target: FakeAdtTarget) -> None:
    receiver = AdtReceiver(target, systems=ExplodingSystems())

    ack = read_ack(receiver.handle(adt(control_id="BUG1").encode()))

    assert (ack.code, ack.acknowledged_id, ack.errors[0][0]) == ("AE", "BUG1", "207")
    assert "ZeroDivisionError" in ack.errors[0][1]

"""The HL7 v2 side of the engine: frames, message reading, ADT into facts, ACKs and A40s (and
the FHIR side of a merge: a Patient replaced-by another).

Messages are written by hand here (the engine must read what any EHR sends, not only what our
simulator composes); the e2e tests add the simulator's own feed and ACK reader.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from splitbrain.engine.adapters.hl7_messages import (
    AckError,
    build_ack,
    compose_a40,
    control_id_for,
    read_ack_code,
)
from splitbrain.engine.adapters.hl7_wire import (
    STANDARD,
    FrameDecoder,
    Hl7Rejected,
    frame,
    read_message,
)
from splitbrain.engine.adapters.inbound_fhir import FhirNotifications
from splitbrain.engine.adapters.inbound_fhir import event_id as fhir_event_id
from splitbrain.engine.adapters.inbound_hl7 import AdtMessages, event_id
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.service_layer.sync.inbound import RecordChanged, RecordsMerged
from splitbrain.engine.service_layer.sync.model import InboxItem

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MSH = "MSH|^~\\&|EHRSIM|EHRSIM|SPLITBRAIN||20260105090000+0000||ADT^{event}|{cid}|P|2.5.1"
PID = ("PID|1||7^^^EHR^PI~M-7^^^EHR^MR||O\\S\\Brien^Ana^Maria||19840229|F|||1 Main St^^Springfield"
       "^IL^62701||555-0142^PRN^PH~^NET^Internet^ana@example.org")  # fmt: skip


def _message(event: str, *segments: str, cid: str = "F1") -> bytes:
    return "\r".join([MSH.format(event=event, cid=cid), f"EVN|{event}|20260105083000", *segments]
                     ).encode()  # fmt: skip


def _item(payload: bytes, ident: str = "ehr:hl7:EHRSIM:F1") -> InboxItem:
    return InboxItem(ident, "ehr", "mllp", payload, AT)


def _rejection(payload: bytes) -> Hl7Rejected:
    with pytest.raises(Hl7Rejected) as caught:
        AdtMessages().translate(_item(payload))
    return caught.value


def test_frames_split_across_reads_and_packed_in_one_read_are_all_found() -> None:
    decoder = FrameDecoder()
    wire = frame(b"MSH|one") + b"junk" + frame(b"MSH|two")

    found = decoder.feed(wire[:5]) + decoder.feed(wire[5:17]) + decoder.feed(wire[17:])

    assert found == [b"MSH|one", b"MSH|two"]


def test_escaping_round_trips_every_delimiter() -> None:
    text = "a|b^c~d\\e&f"

    assert STANDARD.unescape(STANDARD.escaped(text)) == text


def test_a_registration_becomes_a_created_record_change_with_canonical_fields() -> None:
    (fact,) = AdtMessages().translate(_item(_message("A04", PID)))

    assert isinstance(fact, RecordChanged)
    assert fact.record.system == "ehr" and fact.record.record_id == "Patient/7"
    assert fact.created and fact.provenance is Provenance.PROVIDER_VERIFIED
    assert fact.changes == {
        "legal_name": "O^Brien, Ana Maria", "date_of_birth": "1984-02-29",
        "phone": fact.changes["phone"], "email": "ana@example.org",
    }  # fmt: skip
    assert fact.occurred_at == datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert fact.record.identity is not None


def test_a_patient_without_the_ehrs_logical_id_is_known_by_its_primary_identifier() -> None:
    pid = PID.replace("7^^^EHR^PI~", "")

    (fact,) = AdtMessages().translate(_item(_message("A08", pid)))

    assert isinstance(fact, RecordChanged)
    assert fact.record.record_id == "pid:EHR|M-7" and not fact.created


def test_a_patient_the_ehr_holds_under_its_mrn_is_found_by_the_lookup() -> None:
    asked: list[tuple[str, str]] = []

    def lookup(system: str, value: str) -> str | None:
        asked.append((system, value))
        return "Patient/31"

    (fact,) = AdtMessages(lookup=lookup).translate(
        _item(_message("A08", PID.replace("7^^^EHR^PI~", "")))
    )

    assert isinstance(fact, RecordChanged) and fact.record.record_id == "Patient/31"
    assert asked == [("https://ehr.example.org/fhir/sid/mrn", "M-7")]


def test_an_a40_becomes_one_records_merged_per_group() -> None:
    payload = _message("A40", "PID|1||7^^^EHR^PI", "MRG|9^^^EHR^PI",
                       "PID|2||11^^^EHR^PI", "MRG|12^^^EHR^PI")  # fmt: skip

    facts = AdtMessages().translate(_item(payload))

    assert [(f.survivor, f.retired) for f in facts if isinstance(f, RecordsMerged)] == [
        ("Patient/7", "Patient/9"), ("Patient/11", "Patient/12")]  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "ack", "condition", "location"),
    [
        (_message("A04"), "AE", "100", "PID"),
        (_message("A04", "PID|1||||O^Ana"), "AE", "101", "PID^1^3"),
        (_message("A04", PID.replace("19840229", "19841399")), "AE", "102", "PID^1^7"),
        (_message("A40", "PID|1||7^^^EHR^PI"), "AE", "100", "MRG^1"),
        (_message("A02", PID), "AR", "201", "MSH^1^9^1^2"),
        (_message("A04", PID).replace(b"|2.5.1", b"|3.0"), "AR", "203", "MSH^1^12"),
        (b"not hl7 at all", "AR", "100", "MSH"),
    ],
)
def test_a_message_that_breaks_a_rule_names_the_field_and_code_and_no_value(
    payload: bytes, ack: str, condition: str, location: str
) -> None:
    problem = _rejection(payload)

    assert (problem.ack, problem.condition, problem.location) == (ack, condition, location)
    assert "Brien" not in problem.problem and "1984" not in problem.problem


def test_the_inbox_id_is_the_sender_and_its_control_id() -> None:
    assert event_id(_message("A04", PID, cid="F42")) == "ehr:hl7:EHRSIM:F42"


def test_an_ack_answers_the_control_id_with_the_err_the_sender_reads() -> None:
    header = read_message(_message("A04", PID, cid="F5")).header

    ack = build_ack(header, "AE", control_id="K1", at=AT,
                    error=AckError("101", "PID-3 is empty | send one", "PID^1^3"))  # fmt: skip

    assert read_ack_code(ack) == ("AE", "F5", "101")
    assert b"MSH|^~\\&|SPLITBRAIN|SPLITBRAIN|EHRSIM|EHRSIM|" in ack  # parties swapped
    assert b"ACK^A04^ACK" in ack and b"empty \\F\\ send" in ack


def test_an_a40_names_the_survivor_in_pid_and_the_retired_in_mrg_with_a_stable_id() -> None:
    survivor = {"id": "1", "identifier": [{"system": "urn:x", "value": "A&1"}],
                "name": [{"family": "Okafor", "given": ["Ada"]}]}  # fmt: skip
    retired = {"id": "2", "identifier": [{"system": "urn:x", "value": "B2"}]}

    message = read_message(compose_a40(survivor, retired, control_id=control_id_for("e1"), at=AT))

    pid, mrg = message.first("PID"), message.first("MRG")
    assert pid is not None and mrg is not None
    assert pid.value(3) == "A&1" and pid.subcomponents(3, 4) == ["", "urn:x", "URI"]
    assert mrg.value(1) == "B2"
    assert message.header.control_id == control_id_for("e1") != control_id_for("e2")
    assert len(control_id_for("e1")) <= 20


def test_an_a40_for_a_patient_without_identifiers_is_refused() -> None:
    with pytest.raises(ValueError, match="Patient/2"):
        compose_a40({"identifier": [{"system": "s", "value": "v"}]}, {"id": "2"},
                    control_id="C", at=AT)  # fmt: skip


def test_a_fhir_patient_replaced_by_another_is_read_as_a_merge_not_as_demographics() -> None:
    retired = {"resourceType": "Patient", "id": "9", "active": False,
               "meta": {"versionId": "3", "lastUpdated": "2026-01-05T09:00:00Z"},
               "name": [{"family": "Lindqvist", "given": ["Per"]}],
               "link": [{"other": {"reference": "Patient/7"}, "type": "replaced-by"}]}  # fmt: skip
    payload = json.dumps(retired).encode()
    item = InboxItem(fhir_event_id(payload), "ehr", "fhir-subscription", payload, AT)

    (fact,) = FhirNotifications().translate(item)

    assert fact == RecordsMerged("ehr", "Patient/7", "Patient/9", AT)

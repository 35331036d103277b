"""Inbound ADT to the store's commands: PID to a FHIR Patient, A40 pairs, and what is refused."""

from __future__ import annotations

import pytest

from simulators.ehr.hl7.adt import PatientMerge, PatientUpsert, read_adt
from simulators.ehr.hl7.errors import (
    Condition,
    InvalidFieldValue,
    Location,
    MissingSegment,
    RequiredFieldMissing,
    UnsupportedEvent,
    UnsupportedMessageType,
)
from simulators.ehr.hl7.identifiers import IdentifierSystems
from simulators.ehr.hl7.parse import parse_message
from simulators.ehr.resources import validate
from tests.simulators.hl7.messages import MRN_SYSTEM, adt, merge, pid

SYSTEMS = IdentifierSystems()


def read(text: str) -> PatientUpsert | PatientMerge:
    return read_adt(parse_message(text.encode()), SYSTEMS)


def upsert(text: str) -> PatientUpsert:
    command = read(text)
    assert isinstance(command, PatientUpsert)
    return command


@pytest.mark.parametrize("event", ["A01", "A04", "A08", "A31"])
def test_registration_and_update_events_become_a_patient_upsert(event: str) -> None:
    command = upsert(adt(event, mrn="MRN42"))

    assert command.event == event
    assert command.key == (MRN_SYSTEM, "MRN42")


def test_pid_becomes_a_valid_fhir_patient_field_by_field() -> None:
    patient = upsert(adt("A04", mrn="MRN42")).patient

    validate("Patient", patient)
    assert patient["identifier"] == [
        {
            "system": MRN_SYSTEM,
            "value": "MRN42",
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                ]
            },
        }
    ]
    assert patient["name"] == [
        {"use": "official", "family": "Testperson", "given": ["Ana", "Maria"], "prefix": ["Ms."]}
    ]
    assert (patient["birthDate"], patient["gender"]) == ("1980-02-14", "female")
    assert patient["telecom"] == [
        {"system": "phone", "value": "555-0100", "use": "home"},
        {"system": "email", "value": "ana.t@example.org", "use": "home"},
        {"system": "phone", "value": "555-0101", "use": "work"},
    ]
    assert patient["address"] == [
        {
            "use": "home",
            "line": ["12 Example Street", "Apt 3"],
            "city": "Springfield",
            "state": "IL",
            "postalCode": "62701",
            "country": "USA",
        }
    ]
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "en"


@pytest.mark.parametrize(
    ("authority", "system"),
    [
        ("^^^&2.16.840.1.113883.3.1&ISO^MR", "urn:oid:2.16.840.1.113883.3.1"),
        ("^^^HOSP&2.16.1&ISO^MR", "urn:oid:2.16.1"),
        ("^^^HOSP^MR", "https://ehr.example.org/fhir/sid/aa/HOSP"),
        ("^^^&https://id.example.org/mrn&URI^MR", "https://id.example.org/mrn"),
        ("^^^^MR", MRN_SYSTEM),
    ],
)
def test_the_identifier_system_comes_from_the_assigning_authority(
    authority: str, system: str
) -> None:
    text = adt(segments=(f"PID|1||M7{authority}||Doe^Jo",))

    assert upsert(text).key == (system, "M7")


def test_the_medical_record_number_is_the_primary_identifier() -> None:
    text = adt(segments=("PID|1||999^^^SSA^SS~M7^^^HOSP^MR||Doe^Jo",))

    patient = upsert(text).patient

    assert [i["value"] for i in patient["identifier"]] == ["M7", "999"]


def test_a_birth_date_with_time_and_zone_keeps_only_the_date() -> None:
    text = adt(segments=("PID|1||M1||Doe^Jo||198808181126+0215|U",))

    patient = upsert(text).patient

    assert (patient["birthDate"], patient["gender"]) == ("1988-08-18", "unknown")


def test_a_merge_pairs_each_pid_with_its_mrg() -> None:
    text = adt(
        "A40",
        segments=("EVN|A40", pid("KEEP1"), "MRG|GONE1^^^^MR", pid("KEEP2"), "MRG|GONE2^^^^MR"),
    )

    command = read(text)

    assert isinstance(command, PatientMerge)
    assert [(p.survivor[1], p.retired[1]) for p in command.pairs] == [
        ("KEEP1", "GONE1"),
        ("KEEP2", "GONE2"),
    ]
    assert command.pairs[1].location == Location("MRG", 2, 1)


def test_an_event_code_missing_from_msh_is_taken_from_evn() -> None:
    text = adt(segments=("EVN|A08|2025", pid()))
    text = text.replace("ADT^A04", "ADT")

    assert upsert(text).event == "A08"


def test_a_non_adt_message_is_an_unsupported_message_type() -> None:
    with pytest.raises(UnsupportedMessageType) as caught:
        read(adt("R01", message_type="ORU"))

    assert caught.value.condition is Condition.UNSUPPORTED_MESSAGE_TYPE
    assert caught.value.location == Location("MSH", 1, 9, None, 1)


def test_an_adt_event_the_ehr_does_not_apply_is_an_unsupported_event() -> None:
    with pytest.raises(UnsupportedEvent):
        read(adt("A02"))


@pytest.mark.parametrize(
    ("segments", "error", "location"),
    [
        (("EVN|A04",), MissingSegment, Location("PID")),
        (("PID|1||||Doe^Jo",), RequiredFieldMissing, Location("PID", 1, 3)),
        (("PID|1||^^^H^MR||Doe^Jo",), RequiredFieldMissing, Location("PID", 1, 3)),
        (("PID|1||M1||^^^^^^L",), RequiredFieldMissing, Location("PID", 1, 5)),
        (("PID|1||M1||Doe^Jo||1980-01-01",), InvalidFieldValue, Location("PID", 1, 7)),
        (("PID|1||M1||Doe^Jo||19801341",), InvalidFieldValue, Location("PID", 1, 7)),
        (("PID|1||M1||Doe^Jo||1980|X",), InvalidFieldValue, Location("PID", 1, 8)),
    ],
    ids=["no-pid", "no-pid3", "empty-id", "no-name", "iso-date", "bad-date", "bad-sex"],
)
def test_a_broken_pid_names_the_segment_and_field(
    segments: tuple[str, ...], error: type[Exception], location: Location
) -> None:
    with pytest.raises(error) as caught:
        read(adt(segments=segments))

    assert getattr(caught.value, "location", None) == location


def test_an_unknown_sex_code_is_a_table_value_error_without_the_value() -> None:
    with pytest.raises(InvalidFieldValue) as caught:
        read(adt(segments=("PID|1||M1||Doe^Jo||1980|QQ",)))

    assert caught.value.condition is Condition.TABLE_VALUE_NOT_FOUND
    assert "QQ" not in str(caught.value)


def test_a_merge_group_without_mrg_is_refused() -> None:
    with pytest.raises(MissingSegment) as caught:
        read(adt("A40", segments=("EVN|A40", pid("KEEP1"))))

    assert caught.value.location == Location("MRG", 1)


def test_a_merge_is_keyed_by_its_survivor() -> None:
    command = read(merge("KEEP", "GONE"))

    assert isinstance(command, PatientMerge)
    assert command.key == (MRN_SYSTEM, "KEEP")

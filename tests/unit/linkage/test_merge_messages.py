"""What a merge tells the EHR: a valid FHIR R4 Patient.link pair and an ADT^A40 it accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import hl7
import pytest
from fhir.resources.R4B.patient import Patient

from simulators.ehr.hl7.adt import PatientMerge, read_adt
from simulators.ehr.hl7.identifiers import DEFAULT_MRN_SYSTEM, IdentifierSystems
from simulators.ehr.hl7.parse import parse_message
from splitbrain.engine.adapters.merge_messages import Cx, compose_a40, patient_link_pair

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_the_survivor_replaces_the_retired_patient_and_both_validate_as_fhir_r4() -> None:
    survivor, retired = patient_link_pair("pat-81", "pat-93")

    kept, gone = Patient.model_validate(survivor), Patient.model_validate(retired)

    assert kept.active is True and gone.active is False
    assert (kept.link[0].type, kept.link[0].other.reference) == ("replaces", "Patient/pat-93")
    assert (gone.link[0].type, gone.link[0].other.reference) == ("replaced-by", "Patient/pat-81")


@pytest.mark.parametrize("bad", ["per_000001", "", "x" * 65, "a/b"])
def test_an_id_that_is_not_a_fhir_id_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValueError, match="survivor Patient id"):
        patient_link_pair(bad, "pat-93")


def test_a_patient_cannot_replace_itself() -> None:
    with pytest.raises(ValueError, match="itself"):
        patient_link_pair("pat-81", "pat-81")


def _a40(**kw: object) -> str:
    args: dict[str, object] = {"control_id": "SB-7", "at": AT, "operator": "usr_3"}
    args.update(kw)
    return compose_a40(Cx("MRN-81", "EHR"), Cx("MRN-93", "EHR"), **args)  # type: ignore[arg-type]


def test_the_a40_names_the_survivor_in_pid_and_the_retired_patient_in_mrg() -> None:
    message = hl7.parse(_a40())

    assert str(message.segment("MSH")[9]) == "ADT^A40^ADT_A39"
    assert str(message.segment("MSH")[12]) == "2.5.1"
    assert str(message.segment("EVN")[1]) == "A40"
    assert str(message.segment("EVN")[5]) == "usr_3"
    assert str(message.segment("PID")[3]) == "MRN-81^^^EHR^MR"
    assert str(message.segment("MRG")[1]) == "MRN-93^^^EHR^MR"


def test_the_a40_time_is_written_in_utc() -> None:
    local = AT.astimezone(timezone(timedelta(hours=-5)))

    message = hl7.parse(_a40(at=local))

    assert str(message.segment("MSH")[7]) == "20260105090000+0000"


def test_delimiters_inside_values_are_escaped() -> None:
    text = compose_a40(Cx("A|B^C", "EHR"), Cx("D&E~F", "EHR"), control_id="SB-8", at=AT)

    message = hl7.parse(text)

    assert str(message.segment("PID")[3][0][0]) == "A\\F\\B\\S\\C"
    assert len(message.segment("MRG")) == 2


def test_the_ehr_simulator_reads_the_a40_as_a_merge_of_the_two_mrns() -> None:
    command = read_adt(parse_message(_a40().encode()), IdentifierSystems())

    assert isinstance(command, PatientMerge)
    pair = command.pairs[0]
    assert pair.survivor == (DEFAULT_MRN_SYSTEM, "MRN-81")
    assert pair.retired == (DEFAULT_MRN_SYSTEM, "MRN-93")


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _a40(at=datetime(2026, 1, 5, 9, 0))

"""The leak index and where the canary scan says a file belongs."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.harness.canary_scan import Finding, Place, allowed, place_of
from splitbrain.harness.leak_index import CANARY, Hit, LeakIndex
from splitbrain.matrix.vocabulary import DisclosureClass

PERSON = {
    "gt_id": "gt_000001",
    "given": "Inés",
    "family": "Rojo",
    "given_latin": "Ines",
    "family_latin": "Rojo",
    "birth_date": "1995-09-23",
    "phone": "+14195550186",
    "email": "ines.rojo.1@example.org",
    "address": {"line": "5519 Max Bridge", "city": "Carlland", "state": "OH", "postcode": "47553"},
    "ssn": "000-10-9452",
    "canary": "CANARY-538f02f1adaa",
    "clinical": {
        "diagnosis_note": "GLP-1 program intake: BMI 33.6, Prediabetes. [CANARY-538f02f1adaa]"
    },
}
INDEX = LeakIndex.from_people([PERSON])


def _fields(unit: str) -> list[str]:
    return sorted(hit.field for hit in INDEX.find(unit))


@pytest.mark.parametrize(
    "spelling", ["+14195550186", "4195550186", "419-555-0186", "(419) 555-0186", "419.555.0186"]
)
def test_a_phone_is_found_in_every_usual_spelling(spelling: str) -> None:
    assert _fields(f'{{"phone": "{spelling}"}}') == ["phone"]


def test_a_name_is_found_only_when_given_and_family_share_a_unit() -> None:
    assert _fields('{"family": "Rojo", "given": ["Inés"]}') == ["legal_name"]
    assert _fields("INES ROJO called") == ["legal_name"]
    assert _fields("Rojo alone") == []


def test_matches_are_whole_words_and_case_insensitive() -> None:
    assert _fields("x14195550186x") == []
    assert _fields("INES.ROJO.1@EXAMPLE.ORG") == ["email", "legal_name"]  # it spells the name
    assert _fields("born: 1995-09-23,") == ["date_of_birth"]


def test_the_diagnosis_note_ssn_and_canary_carry_their_classes() -> None:
    hits = INDEX.find(
        "GLP-1 program intake: BMI 33.6, Prediabetes. [CANARY-538f02f1adaa] 000109452"
    )

    by_field = {hit.field: hit for hit in hits}
    assert by_field["diagnosis"].disclosure is DisclosureClass.PHI_RESTRICTED
    assert by_field["ssn"].disclosure is DisclosureClass.HIGHLY_RESTRICTED
    assert by_field[CANARY].gt_id == "gt_000001"
    assert by_field[CANARY].canary == "CANARY-538f02f1adaa"


def test_an_unknown_canary_is_still_found_by_its_pattern() -> None:
    (hit,) = LeakIndex().find("note [CANARY-0123456789ab]")

    assert (hit.field, hit.gt_id) == (CANARY, None)


def test_a_plain_canary_list_loads_as_an_index(tmp_path: Path) -> None:
    path = tmp_path / "canaries.txt"
    path.write_text("CANARY-538f02f1adaa\nCANARY-0123456789ab\n")

    assert set(LeakIndex.load(path).canaries) == {"CANARY-538f02f1adaa", "CANARY-0123456789ab"}


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("crm.payloads.jsonl", Place.CRM),
        ("crm.history.jsonl", Place.HISTORY),
        ("engine.sqlite.checkpoints.jsonl", Place.AUDIT),
        ("audit.jsonl", Place.AUDIT),
        ("worker.log", Place.LOG),
        ("ehr.Patient.ndjson", Place.EHR),
        ("report.html", Place.REPORT),
        ("ground_truth.jsonl", Place.TRUTH),
        ("whatever.bin", Place.OTHER),
    ],
)
def test_a_file_name_says_where_it_belongs(name: str, place: Place) -> None:
    assert place_of(name) is place


def test_the_crm_may_hold_contact_details_but_never_a_canary_or_restricted_value() -> None:
    phone = Hit("gt_1", "phone", DisclosureClass.LIMITED_CLINICAL)
    ssn = Hit("gt_1", "ssn", DisclosureClass.HIGHLY_RESTRICTED)
    canary = Hit("gt_1", CANARY, DisclosureClass.PHI_RESTRICTED, "CANARY-538f02f1adaa")

    assert allowed(Place.CRM, phone)
    assert not allowed(Place.CRM, ssn) and not allowed(Place.CRM, canary)
    assert not allowed(Place.AUDIT, phone) and not allowed(Place.LOG, phone)
    assert allowed(Place.EHR, canary)


def test_a_finding_names_place_where_field_and_person_never_the_value() -> None:
    finding = Finding(
        Place.LOG, "run.log:3", Hit("gt_1", "phone", DisclosureClass.LIMITED_CLINICAL)
    )

    assert str(finding) == "FORBIDDEN log run.log:3: phone of gt_1 (limited_clinical)"

"""duplicate_person and wrong_merge: whose record is whose."""

from __future__ import annotations

from splitbrain.harness.checker import AnomalyCode
from tests.unit.checker.scenario import Scenario

ANA = {"first_name": "Ana", "last_name": "Diaz-7", "email": "ana7@example.org"}


def _world() -> Scenario:
    s = Scenario()
    s.person("gt_1", crm="c1", portal="a1")
    s.person("gt_2", portal="a2")
    s.create("crm", "c1", ANA)
    s.create("portal", "a1", {"given_name": "Ana", "family_name": "Diaz-7"})
    s.create(
        "portal", "a2", {"given_name": "Bo", "family_name": "Li-9", "email": "bo9@example.org"}
    )
    return s


def test_engine_creating_a_second_contact_for_a_known_person_is_a_duplicate() -> None:
    s = _world()
    second = s.create("crm", "c2", ANA, process="engine")

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DUPLICATE_PERSON)
    assert (found.person, found.system) == ("gt_1", "crm")
    assert [w.index for w in found.witnesses] == [1, second]
    assert "Contact/c1, Contact/c2" in found.explanation
    assert verdict.codes() == {AnomalyCode.DUPLICATE_PERSON}


def test_three_live_contacts_of_one_person_are_one_duplicate_naming_all_three() -> None:
    s = _world()
    second = s.create("crm", "c2", ANA, process="engine")
    third = s.create("crm", "c3", ANA, process="engine")

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DUPLICATE_PERSON)
    assert (found.person, found.system) == ("gt_1", "crm")
    assert [w.index for w in found.witnesses] == [1, second, third]
    assert "3 live records" in found.explanation and "created 2 of them" in found.explanation


def test_engine_creating_the_first_contact_of_a_person_is_clean() -> None:
    s = _world()
    s.create(
        "crm",
        "c9",
        {"first_name": "Bo", "last_name": "Li-9", "email": "bo9@example.org"},
        process="engine",
    )

    verdict = s.check()

    assert verdict.ok
    assert s.check().ok


def test_contact_given_a_persons_identity_one_field_per_request_is_a_duplicate() -> None:
    s = _world()
    second = s.create("crm", "c2", {"first_name": "Ana"}, process="engine")
    s.write("crm", "c2", {"email": "ana7@example.org"}, base=1)

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DUPLICATE_PERSON)
    assert (found.person, found.system) == ("gt_1", "crm")
    assert [w.index for w in found.witnesses] == [1, second]
    assert verdict.codes() == {AnomalyCode.DUPLICATE_PERSON}


def test_an_identity_value_overwritten_before_the_next_one_arrives_does_not_add_up() -> None:
    s = _world()
    s.create("crm", "c2", {"first_name": "Ana"}, process="engine")
    s.write("crm", "c2", {"first_name": "Zed"}, base=1)
    s.write("crm", "c2", {"email": "ana7@example.org"}, base=2)

    assert s.check().ok


def test_contact_carrying_the_token_of_a_persons_contact_is_a_duplicate() -> None:
    s = _world()
    bo = {"first_name": "Bo", "last_name": "Li-9", "patient_ref": "tok_bo"}
    s.create("crm", "c7", bo, process="engine")
    second = s.create("crm", "c8", {"patient_ref": "tok_bo"}, process="engine")

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DUPLICATE_PERSON)
    assert (found.person, found.system) == ("gt_2", "crm")
    assert second in [w.index for w in found.witnesses]


def test_contact_carrying_another_token_is_not_a_duplicate() -> None:
    s = _world()
    bo = {"first_name": "Bo", "last_name": "Li-9", "patient_ref": "tok_bo"}
    s.create("crm", "c7", bo, process="engine")
    s.create("crm", "c8", {"patient_ref": "tok_cy"}, process="engine")

    assert s.check().ok


def test_a_token_two_persons_records_carry_names_nobody() -> None:
    s = _world()
    s.write("crm", "c1", {"patient_ref": "tok_shared"}, base=1)
    bo = {"first_name": "Bo", "last_name": "Li-9", "patient_ref": "tok_shared"}
    s.create("crm", "c7", bo, process="engine")
    s.create("crm", "c8", {"patient_ref": "tok_shared"}, process="engine")

    assert s.check().ok


def test_a_chart_carrying_a_persons_identifiers_is_a_duplicate_but_an_empty_list_is_not() -> None:
    s = Scenario()
    s.person("gt_1", ehr="p1")
    s.person("gt_2", ehr="p4")
    s.create("ehr", "p1", {"identifier": [{"system": "urn:mrn", "value": "MRN-CHK-1"}]})
    s.create("ehr", "p4", {"identifier": []})
    s.create("ehr", "p2", {"identifier": []}, process="engine")
    assert s.check().ok

    s.create("ehr", "p9", {"identifier": [{"system": "urn:mrn", "value": "MRN-CHK-1"}]},
             process="engine")  # fmt: skip

    (found,) = s.check().of(AnomalyCode.DUPLICATE_PERSON)
    assert (found.person, found.system) == ("gt_1", "ehr")


def test_a_duplicate_deleted_again_is_not_a_duplicate() -> None:
    s = _world()
    s.create("crm", "c2", ANA, process="engine")
    s.op("crm", "engine", "delete", "Contact/c2", new_version=2)

    assert s.check().ok


def test_duplicates_the_world_started_with_are_not_the_engines_doing() -> None:
    s = Scenario()
    s.person("gt_1", crm=("c1", "c1b"))
    s.create("crm", "c1", ANA)
    s.create("crm", "c1b", ANA)

    assert s.check().ok


def test_merging_twins_is_a_wrong_merge() -> None:
    s = Scenario()
    s.person("gt_1", ehr="p1")
    s.person("gt_2", ehr="p2", twin_of="gt_1")
    s.create("ehr", "p1", {"birthDate": "1990-05-05"})
    s.create("ehr", "p2", {"birthDate": "1990-05-05"})
    merge = s.merge("p2", "p1")

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.WRONG_MERGE)
    assert [w.index for w in found.witnesses] == [merge]
    assert found.person == "gt_2"
    assert "twins" in found.explanation
    assert verdict.codes() == {AnomalyCode.WRONG_MERGE}


def test_merging_two_records_of_one_person_is_clean() -> None:
    s = Scenario()
    s.person("gt_1", ehr=("p1", "p1b"))
    s.create("ehr", "p1", {"birthDate": "1990-05-05"})
    s.create("ehr", "p1b", {"birthDate": "1990-05-05"})
    s.merge("p1b", "p1")

    assert s.check().ok


def test_without_truth_identity_codes_are_reported_as_not_judged() -> None:
    s = _world()
    s.create("crm", "c2", ANA, process="engine")

    verdict = s.check(truth=False)

    assert verdict.ok
    assert AnomalyCode.DUPLICATE_PERSON in verdict.skipped
    assert AnomalyCode.WRONG_MERGE in verdict.skipped

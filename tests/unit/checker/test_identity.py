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

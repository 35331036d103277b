"""lost_update, stale_overwrite, non_owner_write, divergence: versions and value lineage."""

from __future__ import annotations

from splitbrain.harness.checker import AnomalyCode, Witness
from tests.unit.checker.scenario import Scenario


def _ana() -> Scenario:
    s = Scenario()
    s.person("gt_1", ehr="p1", crm="c1", portal="a1")
    s.create("ehr", "p1", {"birthDate": "1980-01-01", "name": [{"family": "Diaz"}]})
    s.create("crm", "c1", {"birth_date": "1980-01-01", "phone": "+15550100001"})
    return s


def test_blind_write_over_an_unseen_change_is_a_lost_update() -> None:
    s = _ana()
    s.read("crm", "c1")
    seen_by_user = s.write("crm", "c1", {"phone": "+15550100002"}, process="crm-user", base=1)
    blind = s.write("crm", "c1", {"phone": "+15550100003"})

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.LOST_UPDATE)
    assert found.witnesses == (
        Witness("crm.jsonl", seen_by_user, "change that was lost"),
        Witness("crm.jsonl", blind, "overwrite"),
    )
    assert (found.person, found.field, found.system) == ("gt_1", "phone", "crm")
    assert verdict.codes() == {AnomalyCode.LOST_UPDATE}


def test_write_after_rereading_the_record_is_not_a_lost_update() -> None:
    s = _ana()
    s.read("crm", "c1")
    s.write("crm", "c1", {"phone": "+15550100002"}, process="crm-user", base=1)
    s.read("crm", "c1")
    s.write("crm", "c1", {"phone": "+15550100003"})

    assert s.check().ok


def test_write_to_another_field_loses_nothing() -> None:
    s = _ana()
    s.read("crm", "c1")
    s.write("crm", "c1", {"phone": "+15550100002"}, process="crm-user", base=1)
    s.write("crm", "c1", {"email": "ana@example.org"})

    assert s.check().ok


def test_older_ehr_birth_date_delivered_after_the_newer_one_is_a_stale_overwrite() -> None:
    s = _ana()
    older = s.write("ehr", "p1", {"birthDate": "1980-02-02"}, process="provider", base=1)
    newer = s.write("ehr", "p1", {"birthDate": "1980-03-03"}, process="provider", base=2)
    held = s.write("crm", "c1", {"birth_date": "1980-03-03"}, base=1)
    stale = s.write("crm", "c1", {"birth_date": "1980-02-02"}, base=2)
    s.write("crm", "c1", {"birth_date": "1980-03-03"}, base=3)  # a later retry repairs it

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.STALE_OVERWRITE)
    assert [(w.file, w.index) for w in found.witnesses] == [
        ("ehr.jsonl", newer),
        ("crm.jsonl", held),
        ("ehr.jsonl", older),
        ("crm.jsonl", stale),
    ]
    assert (found.person, found.field) == ("gt_1", "date_of_birth")
    assert verdict.codes() == {AnomalyCode.STALE_OVERWRITE}


def test_updates_delivered_in_order_are_clean() -> None:
    s = _ana()
    s.write("ehr", "p1", {"birthDate": "1980-02-02"}, process="provider", base=1)
    s.write("ehr", "p1", {"birthDate": "1980-03-03"}, process="provider", base=2)
    s.write("crm", "c1", {"birth_date": "1980-02-02"}, base=1)
    s.write("crm", "c1", {"birth_date": "1980-03-03"}, base=2)

    assert s.check().ok


def test_engine_copying_a_crm_birth_date_into_the_ehr_is_a_non_owner_write() -> None:
    s = _ana()
    typed = s.write("crm", "c1", {"birth_date": "1990-09-09"}, process="crm-user", base=1)
    copied = s.write("ehr", "p1", {"birthDate": "1990-09-09"}, base=1)

    verdict = s.check(roles={"crm-user": "growth_ops"})

    (found,) = verdict.of(AnomalyCode.NON_OWNER_WRITE)
    assert [w.index for w in found.witnesses] == [typed, copied]
    assert (found.person, found.field, found.system) == ("gt_1", "date_of_birth", "ehr")
    assert "owned by the EHR" in found.explanation
    assert verdict.codes() == {AnomalyCode.NON_OWNER_WRITE}


def test_engine_copying_the_ehr_birth_date_into_the_crm_is_clean() -> None:
    s = _ana()
    s.write("ehr", "p1", {"birthDate": "1990-09-09"}, process="provider", base=1)
    s.write("crm", "c1", {"birth_date": "1990-09-09"}, base=1)

    assert s.check(roles={"provider": "provider"}).ok


def test_ehr_change_that_never_reaches_the_crm_is_a_divergence() -> None:
    s = _ana()
    changed = s.write("ehr", "p1", {"birthDate": "1981-01-01"}, process="provider", base=1)

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DIVERGENCE)
    assert (found.person, found.field) == ("gt_1", "date_of_birth")
    assert Witness("ehr.jsonl", changed, "last write in ehr") in found.witnesses
    assert {w.file for w in found.witnesses} == {"ehr.jsonl", "crm.jsonl"}


def test_unknown_outcome_delivery_may_have_landed_so_it_is_no_divergence() -> None:
    s = _ana()
    s.write("ehr", "p1", {"birthDate": "1981-01-01"}, process="provider", base=1)
    s.write("crm", "c1", {"birth_date": "1981-01-01"}, base=1, result="info")

    assert s.check().ok


def test_setup_divergence_nobody_touched_is_not_judged() -> None:
    s = Scenario()
    s.person("gt_1", ehr="p1", crm="c1")
    s.create("ehr", "p1", {"birthDate": "1980-01-01"})
    s.create("crm", "c1", {"birth_date": "1980-10-01"})  # the population's transposed date

    assert s.check().ok


def test_engine_copying_a_seeded_crm_birth_date_into_the_ehr_is_a_non_owner_write() -> None:
    s = Scenario()
    s.person("gt_1", ehr="p1", crm="c1")
    s.create("ehr", "p1", {"birthDate": "1980-01-02"})
    typo = s.create("crm", "c1", {"birth_date": "1980-02-01"})  # the population's transposition
    copied = s.write("ehr", "p1", {"birthDate": "1980-02-01"}, base=1)

    (found,) = s.check().of(AnomalyCode.NON_OWNER_WRITE)

    assert [w.index for w in found.witnesses] == [typo, copied]
